"""Decision letters: a procedure's template (or a default one per outcome) made into a PDF with the
town's letterhead, kept in the service's space, downloaded by the applicant from their request.

    check_template(text) -> None            (LetterTemplate.clean: a French ValidationError)
    render_letter(request) -> Letter         (subject and body, plain text)
    render_decision_pdf(request) -> bytes    (WeasyPrint: from a Celery task only)
    generate_decision_letter(*, request_id) -> Document | None   (the task's work, safe to run twice)

A letter template is a Django template written by an administrator, rendered by
an engine of its own: the default tags and filters but those that reach outside
the letter (load, include, url, debug, csrf…), an unknown variable printing as
nothing, and a context of plain values only (strings, dates, the answers as the
applicant saw them), never a model. The text comes out as plain text, and the
PDF's template escapes all of it: neither an answer nor the template can put
markup into the letter.

Other apps add variables through `demarches.hooks.register_letter_context` (the
subsidies' {{ subvention.montant_accorde }}…): `known_variables()` lists them with the
letter's own, and a hook never replaces one of the letter's own values.
"""

import io
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.base import FilterExpression, Node, Template, Variable, VariableNode
from django.template.defaulttags import ForNode, WithNode
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coffre import services as vault
from coffre.models import Document, DocumentType
from demarches import engine, hooks, selectors, services
from demarches.enums import RequestStatus
from demarches.models import LetterTemplate, Request, RequestEvent
from guichet import audit
from guichet.accounts.models import Town
from regie.pdf import logo_data_uri, render_pdf

logger = logging.getLogger(__name__)

VARIABLES = (
    "reference",
    "demarche",
    "applicant",
    "motivation",
    "submitted_on",
    "decided_on",
    "service",
    "agent",
    "answers",
)
# Tags that reach outside the letter (other templates, URLs, the request, the debug dump) are left out.
_LEFT_OUT_TAGS = {"load", "debug", "url", "csrf_token", "csp_nonce_attr", "querystring"}
# The document type of the letters in the service's space (seeded by coffre's migration 0002).
LETTER_DOCUMENT_TYPE = "autre"

DEFAULT_LETTERS: dict[str, tuple[str, str]] = {
    RequestStatus.ACCEPTED: (
        gettext_lazy("Votre demande {{ reference }} est acceptée"),
        gettext_lazy(
            "Madame, Monsieur,\n\n"
            "Votre demande « {{ demarche }} » (référence {{ reference }}), déposée le {{ submitted_on }}, "
            "a été acceptée le {{ decided_on }}.\n\n"
            "{% if motivation %}{{ motivation }}\n\n{% endif %}"
            "Le service « {{ service }} » reste à votre disposition pour toute question : "
            "vous pouvez lui écrire depuis votre espace.\n\n"
            "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
        ),
    ),
    RequestStatus.REFUSED: (
        gettext_lazy("Votre demande {{ reference }} est refusée"),
        gettext_lazy(
            "Madame, Monsieur,\n\n"
            "Votre demande « {{ demarche }} » (référence {{ reference }}), déposée le {{ submitted_on }}, "
            "n'a pas pu être acceptée.\n\n"
            "Motif de la décision : {{ motivation }}\n\n"
            "Vous pouvez contester cette décision dans un délai de deux mois à compter de sa réception, "
            "par un recours gracieux adressé à la mairie ou par un recours contentieux devant le "
            "tribunal administratif.\n\n"
            "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
        ),
    ),
    RequestStatus.CLOSED: (
        gettext_lazy("Votre demande {{ reference }} est classée sans suite"),
        gettext_lazy(
            "Madame, Monsieur,\n\n"
            "Votre demande « {{ demarche }} » (référence {{ reference }}), déposée le {{ submitted_on }}, "
            "a été classée sans suite le {{ decided_on }}.\n\n"
            "{% if motivation %}Motif : {{ motivation }}\n\n{% endif %}"
            "Vous pouvez déposer une nouvelle demande à tout moment depuis le guichet numérique.\n\n"
            "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
        ),
    ),
}


def _library() -> Library:
    library = Library()
    library.filters.update(defaultfilters.register.filters)
    library.tags.update(
        {name: tag for name, tag in defaulttags.register.tags.items() if name not in _LEFT_OUT_TAGS}
    )
    return library


class LetterEngine(Engine):
    """Django's template language for letters: no loaders, no libraries to load, plain text out."""

    def __init__(self):
        super().__init__(autoescape=False, string_if_invalid="", libraries={}, loaders=[])
        self.template_builtins = [_library()]


ENGINE = LetterEngine()


# Checking a template (the admin) ------------------------------------------------------------------


def _names(expression: FilterExpression) -> set[str]:
    variable = expression.var
    if isinstance(variable, Variable) and variable.lookups:
        return {variable.lookups[0]}
    return set()


def _unknown(nodes, bound: frozenset[str]) -> set[str]:
    """Names printed by {{ … }} that are neither a letter variable nor one a {% for %} or {% with %} made."""
    unknown: set[str] = set()
    for node in nodes:
        if isinstance(node, VariableNode):
            unknown |= _names(node.filter_expression) - bound
        elif isinstance(node, ForNode):
            unknown |= _names(node.sequence) - bound
            unknown |= _unknown(node.nodelist_loop, bound | set(node.loopvars) | {"forloop"})
            unknown |= _unknown(node.nodelist_empty, bound)
        elif isinstance(node, WithNode):
            unknown |= _unknown(node.nodelist, bound | set(node.extra_context))
        elif isinstance(node, Node):
            for attribute in node.child_nodelists:
                unknown |= _unknown(getattr(node, attribute, None) or [], bound)
    return unknown


def known_variables() -> tuple[str, ...]:
    """The letter's own variables, then those the registered hooks add."""
    return (*VARIABLES, *(name for name in hooks.letter_variables() if name not in VARIABLES))


def check_template(text: str) -> None:
    """Compile a letter's subject or body: a syntax error or an unknown variable is a French
    ValidationError (the admin shows it on the field), so a decision never meets a broken template."""
    try:
        template = ENGINE.from_string(text)
    except TemplateSyntaxError as error:
        raise ValidationError(
            _("Le modèle contient une erreur : %(error)s"), params={"error": error}, code="syntax"
        ) from error
    known = known_variables()
    unknown = _unknown(template.nodelist, frozenset(known))
    if unknown:
        raise ValidationError(
            _("Variable inconnue : %(unknown)s. Variables possibles : %(known)s."),
            params={
                "unknown": ", ".join(f"{{{{ {name} }}}}" for name in sorted(unknown)),
                "known": ", ".join(f"{{{{ {name} }}}}" for name in known),
            },
            code="unknown_variable",
        )


# Rendering ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str
    context: dict[str, Any]


def _decision_event(request: Request) -> RequestEvent | None:
    return (
        RequestEvent.objects.filter(request=request, to_status=request.status)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )


def letter_context(request: Request) -> dict[str, Any]:
    """The values a letter may print, plain ones only: strings, dates, the answers as shown, and what
    the registered hooks add (demarches.hooks)."""
    event = _decision_event(request)
    pages = engine.summarise(
        request.form, request.answers, document_labels=selectors.attachment_titles(request=request)
    )
    agent = event.actor if event is not None else None
    return {
        **hooks.letter_context(request),
        "reference": request.reference,
        "demarche": request.demarche.title,
        "applicant": request.applicant.name,
        "motivation": event.motivation if event is not None else "",
        "submitted_on": timezone.localdate(request.submitted_at),
        "decided_on": timezone.localdate(request.decided_at or timezone.now()),
        "service": request.demarche.service.name,
        "agent": agent.get_full_name() if agent is not None else "",
        "answers": {row.key: str(row.value) for page in pages for row in page.rows if row.answered},
    }


def _render(text: str, context: dict[str, Any]) -> str:
    template: Template = ENGINE.from_string(text)
    return template.render(Context(context, autoescape=False)).strip()


def render_letter(request: Request) -> Letter:
    """The subject and body of the decision's letter: the procedure's template for this outcome, else
    the default one; a template that fails (it was checked when saved) falls back to the default."""
    context = letter_context(request)
    default = DEFAULT_LETTERS[request.status]
    custom = LetterTemplate.objects.filter(demarche_id=request.demarche_id, outcome=request.status).first()
    with translation.override(settings.LANGUAGE_CODE):
        if custom is not None:
            try:
                return Letter(
                    subject=_render(custom.subject, context),
                    body=_render(custom.body, context),
                    context=context,
                )
            except Exception:
                logger.exception("Letter template %s failed; the default letter is used", custom.pk)
        return Letter(
            subject=_render(str(default[0]), context), body=_render(str(default[1]), context), context=context
        )


def render_decision_pdf(request: Request) -> bytes:
    """The decision's letter as a PDF with the town's letterhead. Call from Celery only."""
    letter = render_letter(request)
    town = Town.current()
    return render_pdf(
        "demarches/pdf/decision.html",
        {
            "town": town,
            "logo": logo_data_uri(town),
            "letter": letter,
            "reference": request.reference,
            "demarche": request.demarche.title,
            "applicant": request.applicant.name,
            "service": request.demarche.service,
            "status": RequestStatus(request.status).label,
            "decided_on": letter.context["decided_on"],
            "agent": letter.context["agent"],
        },
    )


# Generating (the Celery task's work) ---------------------------------------------------------------


def generate_decision_letter(*, request_id: int) -> Document | None:
    """Make the letter of a request's decision and hand it to the applicant, once.

    Done only while the letter is pending (the agent asked for it with the
    current decision, and the request has no decision document yet): a second
    run, or a run after the request was reopened, does nothing. The row stays
    locked while rendering, so a duplicate task waits, then finds the letter.
    """
    with transaction.atomic():
        request = (
            Request.objects.select_for_update(of=("self",))
            .select_related("demarche__service", "revision", "applicant")
            .exclude(status=RequestStatus.DRAFT)
            .filter(pk=request_id)
            .first()
        )
        if request is None or not selectors.letter_pending(request=request):
            return None
        pdf = render_decision_pdf(request)
        space = services.service_space(service=request.demarche.service)
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Courrier de décision – demande %(reference)s") % {"reference": request.reference}
        version = vault.store_in_space(
            actor=None,
            space=space,
            source=io.BytesIO(pdf),
            filename=f"decision-{request.reference}.pdf",
            document_type=DocumentType.objects.get(code=LETTER_DOCUMENT_TYPE),
            title=title,
        )
        request.decision_document = version.document
        request.save(update_fields=["decision_document", "updated_at"])
        audit.record(
            actor=None,
            action="demarches.request.letter",
            target=request,
            owner=request.applicant_id,
            document=version.document_id,
        )
    return version.document
