"""The back-office page of one request, and what its service's agents do from it.

Every view finds the request through `agent_request_or_404` (a submitted request
of one of the agent's active services: anyone else's answers 404) and every
change goes through a service, which checks the agent again. Each POST redirects
back to the page with a message; a refused one shows the page (or the form's
own page) again with the French error and what was typed.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coffre.exceptions import VaultAccessDenied
from coffre.models import DocumentVersion
from demarches import instruction_forms, selectors, services
from demarches.enums import RequestStatus
from demarches.exceptions import IllegalTransition
from demarches.models import Request, RequestAttachment
from demarches.selectors import instruction
from demarches.views.agent_common import agent_request_or_404, demarches_agent_required
from demarches.views.common import stream_space_document
from guichet import audit

# Each form of the page has its own prefix: two textareas named "body" would share an id.
PREFIXES = {"message": "message", "note": "note", "assign": "assign", "labels": "labels"}


def trail(obj: Request, *more: tuple[str, str]) -> list[tuple[str, str]]:
    result = [
        (_("Dossiers"), reverse("demarches:agent_queue")),
        (obj.reference, reverse("demarches:agent_request", args=[obj.pk])),
        *more,
    ]
    result[-1] = (result[-1][0], "")
    return result


def _page_forms(http_request: HttpRequest, page: instruction.RequestPage) -> dict:
    obj = page.request
    return {
        "message_form": instruction_forms.AgentMessageForm(prefix=PREFIXES["message"]),
        "note_form": instruction_forms.NoteForm(prefix=PREFIXES["note"]),
        "assign_form": instruction_forms.AssignForm(
            prefix=PREFIXES["assign"],
            agents=page.agents,
            me=http_request.user,
            initial={"assignee": obj.assignee_id},
        ),
        "labels_form": instruction_forms.LabelsForm(
            prefix=PREFIXES["labels"],
            labels=page.labels,
            initial={"labels": [label.pk for label in page.selected_labels]},
        ),
    }


def _render_page(http_request: HttpRequest, obj: Request, **bound_forms) -> HttpResponse:
    """The request's page; `bound_forms` replace the blank ones (a refused action, shown again)."""
    page = instruction.request_page(user=http_request.user, request=obj)
    # An agent's read of the applicant's personal data: it shows on their "who saw my data" page.
    audit.record(actor=http_request.user, action="demarches.request.read", target=obj, owner=obj.applicant_id)
    context = {
        "obj": obj,
        "page": page,
        "status": RequestStatus(obj.status),
        "trail": trail(obj),
        **_page_forms(http_request, page),
        **bound_forms,
    }
    return render(http_request, "demarches/agent/request.html", context)


@demarches_agent_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The answers as the applicant saw them, documents, timeline, notes, labels, assignment, actions."""
    return _render_page(request, agent_request_or_404(request, pk))


# Documents of the service's space: the request's copies, the decision's letter ---------------------


def _stream(request: HttpRequest, obj: Request, version: DocumentVersion | None) -> HttpResponse:
    def open_stream(found: DocumentVersion):
        try:
            return services.open_request_document(actor=request.user, request=obj, version=found)
        except PermissionDenied:
            raise VaultAccessDenied() from None

    return stream_space_document(request, version, open_stream)


@demarches_agent_required
@require_GET
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """Download one document of the request (the service's copy); the applicant sees who opened it."""
    obj = agent_request_or_404(request, pk)
    try:
        item = instruction.attachment_for_agent(request=obj, pk=attachment_pk)
    except RequestAttachment.DoesNotExist:
        raise Http404 from None
    return _stream(request, obj, item.document.current_version)


@demarches_agent_required
@require_GET
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the decision's letter (the decision document of the service's space); 404 when none."""
    obj = agent_request_or_404(request, pk)
    return _stream(request, obj, selectors.decision_version(request=obj))


# Moving the request on --------------------------------------------------------------------------------


@demarches_agent_required
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the status among those the agent may choose, with a motivation and, for a decision,
    the letter."""
    obj = agent_request_or_404(request, pk)
    targets = instruction.allowed_targets(user=request.user, request=obj)
    if not targets:
        messages.error(request, _("Seul un responsable du service peut rouvrir une demande close."))
        return redirect("demarches:agent_request", obj.pk)
    form = instruction_forms.StatusForm(request.POST or None, source=obj.status, targets=targets)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_status(
                actor=request.user,
                request=obj,
                status=data["status"],
                motivation=data["motivation"],
                letter=data.get("letter", False),
            )
        except IllegalTransition as error:
            form.add_error(None, error.messages[0])
        else:
            text = _("La demande est maintenant « %(status)s ».") % {
                "status": RequestStatus(data["status"]).label
            }
            if data.get("letter"):
                text += " " + _("Le courrier de décision est en préparation.")
            messages.success(request, text)
            return redirect("demarches:agent_request", obj.pk)
    return render(
        request,
        "demarches/agent/request_status.html",
        {"obj": obj, "form": form, "trail": trail(obj, (_("Changer le statut"), ""))},
    )


@demarches_agent_required
@require_http_methods(["GET", "POST"])
def request_information(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the applicant for what is missing: they are told, the request waits, the deadline pauses."""
    obj = agent_request_or_404(request, pk)
    if RequestStatus.AWAITING_INFORMATION not in instruction.allowed_targets(user=request.user, request=obj):
        messages.error(
            request,
            _("Des compléments ne peuvent pas être demandés pour une demande « %(status)s ».")
            % {"status": RequestStatus(obj.status).label},
        )
        return redirect("demarches:agent_request", obj.pk)
    form = instruction_forms.InformationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_information(
                actor=request.user, request=obj, missing=form.cleaned_data["missing"]
            )
        except IllegalTransition as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(
                request,
                _(
                    "La demande de compléments est envoyée au demandeur ; le délai de traitement est suspendu."
                ),
            )
            return redirect("demarches:agent_request", obj.pk)
    return render(
        request,
        "demarches/agent/request_information.html",
        {
            "obj": obj,
            "form": form,
            "trail": trail(obj, (_("Demander des compléments"), "")),
        },
    )


# The page's own forms: message, note, assignment, labels ---------------------------------------------


@demarches_agent_required
@require_POST
def message(request: HttpRequest, pk: int) -> HttpResponse:
    """Write to the applicant, who is notified and reads it in their request's timeline."""
    obj = agent_request_or_404(request, pk)
    form = instruction_forms.AgentMessageForm(request.POST, prefix=PREFIXES["message"])
    if form.is_valid():
        try:
            services.send_agent_message(actor=request.user, request=obj, body=form.cleaned_data["body"])
        except IllegalTransition as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, _("Votre message est envoyé au demandeur."))
            return redirect("demarches:agent_request", obj.pk)
    return _render_page(request, obj, message_form=form)


@demarches_agent_required
@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a private note for the service's agents (the applicant never sees it)."""
    obj = agent_request_or_404(request, pk)
    form = instruction_forms.NoteForm(request.POST, prefix=PREFIXES["note"])
    if form.is_valid():
        try:
            services.add_note(actor=request.user, request=obj, body=form.cleaned_data["body"])
        except IllegalTransition as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, _("Votre note est ajoutée au dossier."))
            return redirect("demarches:agent_request", obj.pk)
    return _render_page(request, obj, note_form=form)


@demarches_agent_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the request to oneself, to a colleague of the service, or to nobody."""
    obj = agent_request_or_404(request, pk)
    agents = instruction.service_agents(service_id=obj.demarche.service_id)
    form = instruction_forms.AssignForm(
        request.POST, prefix=PREFIXES["assign"], agents=agents, me=request.user
    )
    if form.is_valid():
        assignee = form.chosen_agent()
        try:
            services.assign_request(actor=request.user, request=obj, assignee=assignee)
        except IllegalTransition as error:
            form.add_error("assignee", error.messages[0])
        else:
            if assignee is None:
                text = _("Le dossier n'est plus attribué.")
            elif assignee.pk == request.user.pk:
                text = _("Le dossier vous est attribué.")
            else:
                text = _("Le dossier est attribué à %(name)s.") % {
                    "name": assignee.get_full_name() or assignee.email
                }
            messages.success(request, text)
            return redirect("demarches:agent_request", obj.pk)
    return _render_page(request, obj, assign_form=form)


@demarches_agent_required
@require_POST
def labels(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace the request's labels (the agents' own sorting)."""
    obj = agent_request_or_404(request, pk)
    all_labels = instruction.all_labels()
    form = instruction_forms.LabelsForm(request.POST, prefix=PREFIXES["labels"], labels=all_labels)
    if form.is_valid():
        services.set_labels(actor=request.user, request=obj, labels=form.chosen())
        messages.success(request, _("Les étiquettes du dossier sont enregistrées."))
        return redirect("demarches:agent_request", obj.pk)
    return _render_page(request, obj, labels_form=form)
