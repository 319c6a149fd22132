"""The agents' queues of requests: tabs, filters and search, batch actions, and exports.

Every page is for a verified agent (2FA) of at least one active service, and
shows only the requests of the agent's services; an export is its requester's
alone (anyone else's answers 404).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from demarches import exports as export_files
from demarches import services
from demarches.models import ExportJob
from demarches.queue_forms import BatchForm, ExportForm, QueueFilterForm, describe_filters, filter_params
from demarches.selectors import queues
from demarches.views.agent_common import demarches_agent_required

# Sortable columns of the table, in their order: (sort key, header).
SORTABLE_COLUMNS = [
    ("reference", gettext_lazy("Référence")),
    ("procedure", gettext_lazy("Démarche")),
    ("applicant", gettext_lazy("Demandeur")),
    ("submitted_at", gettext_lazy("Déposée le")),
    ("due_date", gettext_lazy("À traiter avant le")),
    ("status", gettext_lazy("Statut")),
    ("assignee", gettext_lazy("Agent chargé")),
]
RECENT_EXPORTS = 20
BATCH_ACTIONS = {
    BatchForm.ASSIGN_ME: services.ASSIGN_TO_ME,
    BatchForm.ASSIGN: services.ASSIGN,
    BatchForm.LABEL: services.ADD_LABEL,
    BatchForm.REVIEW: services.START_REVIEW,
}


def _url(params: dict[str, str], **changes) -> str:
    """The queue's address with these parameters (a None value removes one)."""
    merged = {**params, **changes}
    query = QueryDict(mutable=True)
    query.update({key: value for key, value in merged.items() if value})
    encoded = query.urlencode()
    return reverse("demarches:agent_queue") + (f"?{encoded}" if encoded else "")


def _tabs(filters: queues.QueueFilters, params: dict[str, str], counts: dict) -> list[dict]:
    # A tab keeps the filters but starts again from page 1 with its own default sort.
    return [
        {
            "key": key,
            "label": label,
            "count": counts.get(key),
            "url": _url(params, onglet=key if key != queues.DEFAULT_TAB else None, tri=None),
            "current": key == filters.tab,
        }
        for key, label in queues.TABS
    ]


def _sort_headers(filters: queues.QueueFilters, params: dict[str, str]) -> list[dict]:
    order = filters.order
    current, descending = order.removeprefix("-"), order.startswith("-")
    headers = []
    for key, label in SORTABLE_COLUMNS:
        if key == current:
            aria_sort = "descending" if descending else "ascending"
            next_sort = key if descending else f"-{key}"
        else:
            aria_sort, next_sort = "", key
        headers.append(
            {"key": key, "label": label, "aria_sort": aria_sort, "url": _url(params, tri=next_sort)}
        )
    return headers


def _query(params: dict[str, str], page: int | None = None) -> str:
    query = QueryDict(mutable=True)
    query.update(params)
    if page and page > 1:
        query["page"] = str(page)
    return query.urlencode()


def _render_queue(
    request: HttpRequest, *, data: QueryDict, batch_form: BatchForm | None = None
) -> HttpResponse:
    """The queue page for these parameters; with a batch form that failed, its errors and ticks kept."""
    scope = queues.agent_scope(user=request.user)
    form = QueueFilterForm(data or None, scope=scope, user=request.user)
    page = None
    if form.is_bound and not form.is_valid():
        filters = queues.QueueFilters(tab=form.cleaned_data.get("onglet", queues.DEFAULT_TAB))
    else:
        filters = form.filters()
        page = queues.queue_page(
            user=request.user, filters=filters, page_number=data.get("page", 1), scope=scope
        )
    params = filter_params(filters)
    if batch_form is None:
        retour = _query(params, page.page_obj.number if page else None)
        batch_form = BatchForm(scope=scope, initial={"retour": retour})
    selected = set(batch_form.cleaned_data.get("demandes", [])) if batch_form.is_bound else set()
    context = {
        "form": form,
        "filters": filters,
        "page_obj": page.page_obj if page else None,
        "tabs": _tabs(filters, params, page.counts if page else {}),
        "headers": _sort_headers(filters, params),
        "batch_form": batch_form,
        "selected": selected,
        "export_url": reverse("demarches:agent_exports") + (f"?{_query(params)}" if params else ""),
        "clear_url": _url({"onglet": params.get("onglet", "")}),
    }
    return render(request, "demarches/agent/queue.html", context)


@demarches_agent_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The requests of the agent's services, by tab, filtered, searched, sorted, 50 a page."""
    return _render_queue(request, data=request.GET)


def _batch_message(result: services.BatchResult) -> str:
    updated, refused = len(result.updated), len(result.refused)
    text = ngettext("%(count)d dossier mis à jour", "%(count)d dossiers mis à jour", updated) % {
        "count": updated
    }
    if refused:
        reasons = " ; ".join(
            f"{', '.join(references)} : {reason}" for reason, references in result.reasons.items()
        )
        text += ngettext(", %(count)d refusé (%(reasons)s)", ", %(count)d refusés (%(reasons)s)", refused) % {
            "count": refused,
            "reasons": reasons,
        }
    return text + "."


@demarches_agent_required
@require_POST
def batch(request: HttpRequest) -> HttpResponse:
    """An action on the requests ticked in the queue; back to the queue with its filters."""
    scope = queues.agent_scope(user=request.user)
    form = BatchForm(request.POST, scope=scope)
    back = QueryDict(request.POST.get("retour", "")[:2000])
    if not form.is_valid():
        return _render_queue(request, data=back, batch_form=form)
    result = services.apply_batch(
        actor=request.user,
        requests=form.cleaned_data["demandes"],
        action=BATCH_ACTIONS[form.cleaned_data["action"]],
        assignee=form.colleague,
        label=form.label,
    )
    level = (
        messages.SUCCESS if not result.refused else (messages.WARNING if result.updated else messages.ERROR)
    )
    messages.add_message(request, level, _batch_message(result))
    return redirect(_url_from_query(back))


def _url_from_query(back: QueryDict) -> str:
    # Only the queue's own parameters go back into its address: never a URL of elsewhere.
    return _url({key: back.get(key, "") for key in (*QueueFilterForm.base_fields, "page")})


@demarches_agent_required
@require_http_methods(["GET", "POST"])
def exports(request: HttpRequest) -> HttpResponse:
    """The agent's recent exports, and the form to export the queue's requests (its filters passed through)."""
    scope = queues.agent_scope(user=request.user)
    form = None
    if request.method == "POST":
        form = ExportForm(request.POST, scope=scope, user=request.user)
        if form.is_valid():
            services.request_export(
                actor=request.user,
                service=form.service,
                file_format=form.cleaned_data["format"],
                filters=form.filters(),
            )
            messages.success(
                request,
                _("Export demandé : le fichier est en préparation. Rechargez cette page dans un instant."),
            )
            return redirect("demarches:agent_exports")
    source = request.POST if request.method == "POST" else request.GET
    filter_form = QueueFilterForm(source or None, scope=scope, user=request.user)
    valid = not filter_form.is_bound or filter_form.is_valid()
    filters = filter_form.filters() if valid else queues.QueueFilters()
    if form is None:
        default_service = filters.service_id or (scope.services[0].pk if len(scope.services) == 1 else "")
        form = ExportForm(
            scope=scope,
            user=request.user,
            initial={**filter_params(filters), "export_service": str(default_service or "")},
        )
    jobs = queues.recent_exports(user=request.user, limit=RECENT_EXPORTS)
    return render(
        request,
        "demarches/agent/exports.html",
        {
            "form": form,
            "jobs": jobs,
            "filter_lines": describe_filters(filters, scope),
            "queue_url": _url(filter_params(filters)),
        },
    )


@demarches_agent_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A ready export of the agent's own, decrypted as it streams; anyone else's answers 404."""
    try:
        job = queues.export_for_agent(user=request.user, pk=pk)
    except ExportJob.DoesNotExist:
        raise Http404 from None
    try:
        content = services.open_export(actor=request.user, job=job)
    except PermissionDenied:
        raise Http404 from None
    response = StreamingHttpResponse(content, content_type=export_files.CONTENT_TYPES[job.format])
    response["Content-Disposition"] = f'attachment; filename="{export_files.download_name(job)}"'
    response["Content-Length"] = str(job.size)
    response["Cache-Control"] = "private, no-store"
    return response
