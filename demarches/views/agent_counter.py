"""The counter ("Accueil au guichet"): an agent files a request for a citizen who came to the town hall.

The agent finds the citizen's account by its exact e-mail address (audited),
chooses a procedure of their services, records the citizen's consent, then
fills the pages and sends the request with the engine's own pages and rules
(`demarches.views.filling`), in the agent shell. The request is the citizen's:
it shows in their "Mes demandes", marked "Déposée au guichet", and they receive
the notifications and the acknowledgement. Documents are the exception: the
agent cannot reach the citizen's vault, so the citizen adds them from their own
account and sends the request themself.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coffre import uploadhandler
from demarches import engine, services
from demarches.counter_forms import CitizenSearchForm, CounterStartForm
from demarches.exceptions import IllegalTransition, NotFillable, RequestIncomplete, SubmissionRefused
from demarches.models import Request
from demarches.selectors import counter as selectors
from demarches.views.agent_common import demarches_agent_required
from demarches.views.filling import (
    COUNTER,
    counter_document_message,
    fill_page,
    is_document_error,
    review_context,
)


def _counter_request_or_404(http_request: HttpRequest, pk: int) -> Request:
    """A request filed at the counter for one of the agent's services; anyone else's answers 404."""
    try:
        return selectors.counter_request_for_agent(user=http_request.user, pk=pk)
    except Request.DoesNotExist:
        raise Http404 from None


def _who(http_request: HttpRequest, obj: Request) -> engine.Applicant:
    return engine.Applicant(user=http_request.user, party=obj.applicant)


def _first_url(obj: Request) -> str:
    first = engine.first_page(obj.form, obj.answers)
    return COUNTER.page_url(obj, first.number) if first else COUNTER.review_url(obj)


def _no_account_message(email: str) -> str:
    return _(
        "Aucun compte n'est ouvert avec l'adresse « %(email)s ». Vérifiez-la avec la personne ; si elle "
        "n'a pas encore de compte, elle peut le créer sur le guichet, puis revenir vous voir."
    ) % {"email": email}


@demarches_agent_required
@require_http_methods(["GET", "POST"])
def counter(request: HttpRequest) -> HttpResponse:
    """Find the citizen's account (GET ?email=), then start a procedure for them with their consent (POST)."""
    demarches = selectors.counter_demarches(user=request.user)
    citizen = None
    not_found = ""
    start_form = None
    if request.method == "POST":
        search_form = CitizenSearchForm({"email": request.POST.get("email", "")})
        start_form = CounterStartForm(request.POST, demarches=demarches)
        if search_form.is_valid():
            email = search_form.cleaned_data["email"]
            citizen = selectors.citizen_by_email(actor=request.user, email=email)
            if citizen is None:
                not_found = _no_account_message(email)
                start_form = None
        if citizen is not None and start_form.is_valid():
            data = start_form.cleaned_data
            try:
                draft = services.start_counter_request(
                    actor=request.user,
                    demarche=data["demarche"],
                    applicant_user=citizen,
                    consent_statement=data["consent_statement"],
                )
            except NotFillable as error:
                start_form.add_error(None, error.messages[0])
            else:
                messages.success(
                    request,
                    _(
                        "Le brouillon est créé au nom de %(name)s : ses réponses sont enregistrées à chaque "
                        "page, et la personne le retrouve dans « Mes demandes »."
                    )
                    % {"name": draft.applicant.name},
                )
                return redirect(_first_url(draft))
    else:
        search_form = CitizenSearchForm(request.GET or None)
        if search_form.is_bound and search_form.is_valid():
            email = search_form.cleaned_data["email"]
            citizen = selectors.citizen_by_email(actor=request.user, email=email)
            if citizen is None:
                not_found = _no_account_message(email)
            else:
                start_form = CounterStartForm(initial={"email": email}, demarches=demarches)
    return render(
        request,
        "demarches/agent/counter.html",
        {
            "search_form": search_form,
            "start_form": start_form,
            "citizen": citizen,
            "not_found": not_found,
            "has_demarches": demarches.exists(),
            "drafts": selectors.counter_drafts(user=request.user),
        },
    )


@demarches_agent_required
@require_http_methods(["GET", "POST"])
@uploadhandler.encrypting_uploads
def counter_page(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One page of a counter draft, as the citizen would fill it, but for the documents."""
    obj = _counter_request_or_404(request, pk)
    if not obj.is_draft:
        return redirect("demarches:agent_request", obj.pk)
    try:
        filled = fill_page(request, obj, number, links=COUNTER, who=_who(request, obj))
    except engine.PageNotFound:
        raise Http404 from None
    if filled.saved_later:
        messages.success(
            request,
            _(
                "Le brouillon est enregistré : reprenez-le depuis l'accueil au guichet. La personne le "
                "retrouve aussi dans « Mes demandes »."
            ),
        )
        return redirect("demarches:agent_counter")
    if filled.go_to:
        if filled.documents_left:
            messages.info(request, counter_document_message())
        return redirect(filled.go_to)
    context = filled.context(links=COUNTER, back_url=reverse("demarches:agent_counter"))
    return render(request, "demarches/agent/counter_page.html", context)


def _review(request: HttpRequest, obj: Request, *, errors=None) -> HttpResponse:
    context = review_context(obj, links=COUNTER, who=_who(request, obj), errors=errors)
    for item in context["errors"]:
        item["at_counter"] = is_document_error(obj.form, item["error"].name)
    context["documents_missing"] = any(item["at_counter"] for item in context["errors"])
    context["first_fixable"] = next((item["url"] for item in context["errors"] if not item["at_counter"]), "")
    context["counter_document_message"] = counter_document_message()
    return render(request, "demarches/agent/counter_review.html", context)


@demarches_agent_required
@require_GET
def counter_review(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Vérifiez les réponses" with the citizen, then send the request in their name."""
    obj = _counter_request_or_404(request, pk)
    if not obj.is_draft:
        return redirect("demarches:agent_request", obj.pk)
    return _review(request, obj)


@demarches_agent_required
@require_POST
@uploadhandler.encrypting_uploads
def counter_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the counter draft; the citizen is notified and acknowledged, the agent goes to the request."""
    obj = _counter_request_or_404(request, pk)
    try:
        services.submit_request(actor=request.user, request=obj)
    except IllegalTransition:
        # Sent already (a double click, or the citizen from their account).
        return redirect("demarches:agent_request", obj.pk)
    except RequestIncomplete as error:
        if error.errors:
            return _review(request, obj, errors=error.errors)
        messages.error(request, error.messages[0])
        return redirect("demarches:agent_counter_review", obj.pk)
    except SubmissionRefused as error:
        messages.error(request, error.messages[0])
        return redirect("demarches:agent_counter_review", obj.pk)
    obj.refresh_from_db(fields=["reference"])
    messages.success(
        request,
        _(
            "La demande %(reference)s est déposée au nom de %(name)s : elle figure dans ses demandes, et "
            "l'accusé de réception lui est envoyé."
        )
        % {"reference": obj.reference, "name": obj.applicant.name},
    )
    return redirect("demarches:agent_request", obj.pk)
