"""The démarches' part of the retention schedule (guichet.retention) and of the public register.

Kinds of data
    demarches.drafts                 drafts without activity: deleted
    demarches.closed_requests        decided requests: pseudonymised or deleted (per-procedure durations)
    demarches.civil_status_requests  the same for the civil-status procedures, kept longer

    purge_drafts(*, policy, now) -> Iterator[int]
    purge_closed_requests(*, policy, now, civil_status) -> Iterator[int]
    pseudonymise_request(*, request) / delete_request(*, request)   inside the caller's transaction

A pseudonymised request keeps its reference, procedure, revision, status, dates,
channel and invoice (the statistics, and the régie's record); it loses its
answers, messages, notes, documents and decision letter, and its applicant
becomes the service's own space, so that nothing in it names the person any more
(the audit log, kept for a shorter time, still links it, which is what makes it
a pseudonymisation rather than an anonymisation). Being owned by a service's
space is also what marks it done: a second run leaves it alone.
"""

from collections.abc import Iterator
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coffre import services as vault_services
from coffre.models import Document
from demarches.enums import DemarcheKind, EventKind, RequestStatus, Theme
from demarches.models import Demarche, Request, RequestEvent
from demarches.services.requests import service_space
from guichet import audit
from guichet.accounts.enums import PartyKind
from guichet.retention import registry
from guichet.retention.enums import RetentionAction

DRAFTS = "demarches.drafts"
CLOSED_REQUESTS = "demarches.closed_requests"
CIVIL_STATUS_REQUESTS = "demarches.civil_status_requests"
FINAL_STATUSES = (RequestStatus.ACCEPTED, RequestStatus.REFUSED, RequestStatus.CLOSED)
BATCH_SIZE = 200
EVENTS = RequestEvent._meta.db_table


# Deleting and pseudonymising one request ---------------------------------------------------------


def _service_documents(request: Request) -> list[Document]:
    ids = set(request.attachments.values_list("document_id", flat=True))
    if request.decision_document_id:
        ids.add(request.decision_document_id)
    return list(Document.objects.filter(pk__in=ids))


def delete_request(*, request: Request, reason: str = "retention") -> None:
    """Delete a request with its timeline, messages, notes and the service's copies of its documents."""
    documents = _service_documents(request)
    request_id, applicant_id, status = request.pk, request.applicant_id, request.status
    request.delete()
    vault_services.delete_documents_as_system(documents=documents, reason=reason)
    audit.record(
        actor=None,
        action="demarches.request.delete" if status == RequestStatus.DRAFT else "demarches.request.purge",
        target=f"demarches.request:{request_id}",
        owner=applicant_id,
        reason=reason,
    )


def pseudonymise_request(*, request: Request) -> None:
    """Keep the request for the statistics without anything that names its applicant."""
    documents = _service_documents(request)
    applicant_id = request.applicant_id
    request.messages.all().delete()  # their timeline lines and attachments go with them
    request.notes.all().delete()
    request.attachments.all().delete()
    # The timeline is append-only (its trigger lets these two through, the ORM does not): a line with
    # words in it goes whole; the others lose their author.
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {EVENTS} WHERE request_id = %s AND (motivation <> '' OR kind IN (%s, %s))",  # noqa: S608
            [request.pk, EventKind.MESSAGE.value, EventKind.DOCUMENT.value],
        )
        cursor.execute(
            f"UPDATE {EVENTS} SET actor_id = NULL WHERE request_id = %s AND actor_id IS NOT NULL",  # noqa: S608
            [request.pk],
        )
    request.applicant = service_space(service=request.demarche.service)
    request.answers = {}
    request.consent_statement = ""
    request.search_vector = None
    request.created_by = None
    request.assignee = None
    request.decision_document = None
    request.save(
        update_fields=[
            "applicant",
            "answers",
            "consent_statement",
            "search_vector",
            "created_by",
            "assignee",
            "decision_document",
            "updated_at",
        ]
    )
    vault_services.delete_documents_as_system(documents=documents, reason="retention")
    audit.record(
        actor=None,
        action="demarches.request.pseudonymise",
        target=request,
        owner=applicant_id,
        reason="retention",
    )


def _each(ids: list[int], candidates: QuerySet, apply) -> int:
    """Lock each candidate again (it may have moved since), apply, count; one savepoint each."""
    done = 0
    with transaction.atomic():
        locked = list(
            candidates.filter(pk__in=ids)
            .select_for_update(of=("self",), skip_locked=True)
            .select_related("demarche__service")
            .order_by("pk")
        )
        for request in locked:
            try:
                with transaction.atomic():
                    apply(request)
            except (ProtectedError, RestrictedError):
                # Another record holds it (a subsidy's application): it follows that record's rule.
                continue
            done += 1
    return done


# Drafts ---------------------------------------------------------------------------------------


def purge_drafts(*, policy: registry.Policy, now: datetime) -> Iterator[int]:
    """Delete the drafts nobody touched for `policy.days` (updated_at moves with every save)."""
    candidates = registry.without_protected_references(
        Request.objects.filter(status=RequestStatus.DRAFT, updated_at__lt=policy.cutoff(now))
    )
    yield from registry.in_batches(
        candidates,
        lambda ids: _each(ids, candidates, lambda request: delete_request(request=request)),
        batch_size=BATCH_SIZE,
    )


# Decided requests -----------------------------------------------------------------------------


def _decided_before(cutoff: datetime) -> Q:
    # decided_at is set on reaching a final status; rows older than that column fall back on updated_at.
    return Q(decided_at__lt=cutoff) | Q(decided_at__isnull=True, updated_at__lt=cutoff)


def _apply(action: str):
    if action == RetentionAction.DELETE:
        return lambda request: delete_request(request=request)
    return lambda request: pseudonymise_request(request=request)


def purge_closed_requests(*, policy: registry.Policy, now: datetime, civil_status: bool) -> Iterator[int]:
    """Pseudonymise (or delete) the decided requests past their duration.

    The procedures of this rule's scope (civil status or not) use its duration,
    but those with a duration of their own; the procedures filed under this rule
    with a duration of their own use theirs, whatever their theme. A request
    already pseudonymised is only touched again if its duration now says delete.
    """
    final = registry.without_protected_references(Request.objects.filter(status__in=FINAL_STATUSES))
    civil = Q(demarche__theme=Theme.CIVIL_STATUS)
    scope = final.filter(civil) if civil_status else final.exclude(civil)
    groups = [(scope.exclude(demarche_id__in=policy.overridden), policy.days, policy.action)]
    groups += [
        (final.filter(demarche_id=demarche_id), days, action)
        for demarche_id, (days, action) in sorted(policy.overrides.items())
    ]
    for queryset, days, action in groups:
        candidates = queryset.filter(_decided_before(policy.cutoff(now, days)))
        if action == RetentionAction.PSEUDONYMISE:
            candidates = candidates.exclude(applicant__kind=PartyKind.SERVICE)
        yield from registry.in_batches(
            candidates, lambda ids, c=candidates, a=action: _each(ids, c, _apply(a)), batch_size=BATCH_SIZE
        )


def purge_general_requests(*, policy: registry.Policy, now: datetime) -> Iterator[int]:
    yield from purge_closed_requests(policy=policy, now=now, civil_status=False)


def purge_civil_status_requests(*, policy: registry.Policy, now: datetime) -> Iterator[int]:
    yield from purge_closed_requests(policy=policy, now=now, civil_status=True)


# The schedule ---------------------------------------------------------------------------------

CLOSED_COVERS = gettext_lazy(
    "Les demandes acceptées, refusées ou classées sans suite, avec leurs réponses, leurs messages, "
    "leurs pièces jointes et le courrier de décision. Pseudonymisée, une demande ne garde que son numéro, "
    "la démarche, ses dates et la décision, pour les statistiques : plus rien n'y dit qui l'a faite."
)

registry.register_kind(
    registry.Kind(
        code=DRAFTS,
        label=gettext_lazy("Brouillons de démarches"),
        covers=gettext_lazy(
            "Les démarches commencées mais jamais envoyées, avec les réponses déjà saisies. Les documents "
            "choisis pour elles restent dans votre coffre-fort."
        ),
        counted_from=gettext_lazy("au bout de %(duration)s sans modification"),
        legal_basis=gettext_lazy(
            "Limitation de la conservation (RGPD, article 5.1 e) : un brouillon abandonné ne sert plus à "
            "personne."
        ),
        default_days=100,
        min_days=30,
        purge=purge_drafts,
        position=10,
    )
)
registry.register_kind(
    registry.Kind(
        code=CLOSED_REQUESTS,
        label=gettext_lazy("Demandes terminées"),
        covers=CLOSED_COVERS,
        counted_from=gettext_lazy("%(duration)s après la décision"),
        legal_basis=gettext_lazy(
            "Durée d'utilité administrative des dossiers de la commune (Code du patrimoine, articles L. 212-2 "
            "et R. 212-14 ; instruction DAF/DPACI/RES/2009/018 sur le tri des archives communales), bien "
            "au-delà du délai de recours contre une décision (deux mois). Une démarche peut avoir sa propre "
            "durée."
        ),
        default_days=5 * 365,
        min_days=180,
        actions=(RetentionAction.PSEUDONYMISE, RetentionAction.DELETE),
        default_action=RetentionAction.PSEUDONYMISE,
        per_demarche=True,
        purge=purge_general_requests,
        position=20,
    )
)
registry.register_kind(
    registry.Kind(
        code=CIVIL_STATUS_REQUESTS,
        label=gettext_lazy("Demandes d'état civil terminées"),
        covers=gettext_lazy(
            "Les demandes terminées des démarches d'état civil et de citoyenneté (copies d'actes, mariage, "
            "PACS, recensement…), traitées comme les autres demandes terminées mais gardées plus longtemps. "
            "Les registres d'état civil eux-mêmes sont tenus par la mairie sans limite de durée, hors du "
            "guichet."
        ),
        counted_from=gettext_lazy("%(duration)s après la décision"),
        legal_basis=gettext_lazy(
            "Les pièces d'état civil sont gardées plus longtemps que les autres dossiers (instruction "
            "DAF/DPACI/RES/2009/018 sur le tri des archives communales) ; une démarche peut avoir sa propre "
            "durée."
        ),
        default_days=10 * 365,
        min_days=365,
        actions=(RetentionAction.PSEUDONYMISE, RetentionAction.DELETE),
        default_action=RetentionAction.PSEUDONYMISE,
        per_demarche=True,
        purge=purge_civil_status_requests,
        position=21,
    )
)


# The register ---------------------------------------------------------------------------------


def _legal_basis(demarche: Demarche) -> str:
    if demarche.theme == Theme.CIVIL_STATUS:
        return _(
            "Obligation légale de la commune : l'état civil et les élections (RGPD, article 6.1 c ; Code civil "
            "et Code électoral)."
        )
    return _("Mission d'intérêt public confiée à la commune (RGPD, article 6.1 e).")


def _asked(demarche: Demarche) -> list[str]:
    """The questions of the published form (a group's own questions after its name), then its documents."""
    asked: list[str] = []
    revision = demarche.current_revision
    if revision is not None:
        for _page, spec in revision.form.top_level_fields():
            if not spec.is_input:
                continue
            if spec.is_group:
                children = ", ".join(child.label for child in spec.children if child.is_input)
                asked.append(f"{spec.label} ({children})" if children else spec.label)
            else:
                asked.append(spec.label)
    asked.extend(
        _("Document : %(type)s") % {"type": document_type.label}
        for document_type in demarche.required_document_types.all()
    )
    return asked or [_("Les informations de votre compte seulement.")]


def _people(demarche: Demarche) -> str:
    audiences = ", ".join(str(audience.label).lower() for audience in demarche.audiences)
    return _("Les demandeurs (%(audiences)s) et les personnes nommées dans leur demande.") % {
        "audiences": audiences
    }


def processings(schedule) -> list[registry.Processing]:
    """One entry per procedure open online: three queries, however many there are."""
    demarches = (
        Demarche.objects.published()
        .filter(kind=DemarcheKind.FORM)
        .select_related("service", "current_revision")
        .prefetch_related("required_document_types")
        .order_by("theme", "position", "title")
    )
    entries = []
    for demarche in demarches:
        rule = CIVIL_STATUS_REQUESTS if demarche.theme == Theme.CIVIL_STATUS else CLOSED_REQUESTS
        entries.append(
            registry.Processing(
                anchor=f"demarche-{demarche.slug}",
                name=demarche.title,
                purpose=_("Recevoir, instruire et conserver les demandes : %(summary)s")
                % {"summary": demarche.summary},
                legal_basis=_legal_basis(demarche),
                people=_people(demarche),
                data=_asked(demarche),
                recipients=_(
                    "Les agents du service « %(service)s » qui instruisent la demande ; vous, qui la suivez "
                    "dans votre espace."
                )
                % {"service": demarche.service.name},
                retention=[
                    _("Brouillon : %(sentence)s") % {"sentence": schedule.sentence(DRAFTS)},
                    _("Demande terminée : %(sentence)s")
                    % {"sentence": schedule.sentence(rule, demarche_id=demarche.pk)},
                ],
                service=demarche.service.name,
            )
        )
    return entries


registry.register_section(
    registry.Section(
        code="demarches",
        title=gettext_lazy("Démarches en ligne"),
        intro=gettext_lazy(
            "Chaque démarche que la mairie propose en ligne, avec ce qu'elle demande : la liste suit le "
            "catalogue publié."
        ),
        provider=processings,
        position=10,
    )
)
