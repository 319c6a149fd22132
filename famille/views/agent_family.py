"""The family services' back office for family files (part F1), under /agent/famille/, in the agent shell.

Only verified agents (2FA) of a service that runs family activities, and
administrators, get in (`famille_agent_required`, else 403). Every reading of a
family file is audited with the household as owner, so the family sees it on
"Qui a consulté mes données"; the children's health notes are shown only to
agents holding `famille.view_childhealth_notes`.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from famille import perms, selectors, services
from famille.exceptions import FamilleError
from famille.forms import family as forms
from guichet import audit
from guichet.portal.decorators import agent_required

PAGE_SIZE = 25


def famille_agent_required(view):
    """Back-office pages of the family services: a verified agent (2FA) of a service that runs
    family activities, or an administrator; else 403. Other parts' agent pages may use it too."""

    @agent_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not perms.is_famille_agent(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _or_404(selector, **kwargs):
    try:
        return selector(**kwargs)
    except ObjectDoesNotExist:
        raise Http404 from None


def _trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    trail = [(_("Tableau de bord"), reverse("portal:agent_home")), *pages]
    trail[-1] = (trail[-1][0], "")
    return trail


def _search_trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    return _trail((_("Dossiers famille"), reverse("famille:agent_households")), *pages)


# Family files ---------------------------------------------------------------------------------


@famille_agent_required
@require_GET
def households(request: HttpRequest) -> HttpResponse:
    form = forms.SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    found = selectors.search_households(user=request.user, query=query)
    return render(
        request,
        "famille/family/agent/households.html",
        {
            "form": form,
            "query": query,
            "page_obj": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
            "trail": _trail((_("Dossiers famille"), "")),
        },
    )


@famille_agent_required
@require_GET
def household(request: HttpRequest, pk: int) -> HttpResponse:
    household = _or_404(selectors.household_for_agent, user=request.user, pk=pk)
    show_health = perms.can_read_health(request.user)
    file = selectors.family_file(
        household=household, with_health=show_health, with_enrolments=True, reader=request.user
    )
    # Every reading of a family file is the family's to know; health notes are flagged when shown.
    audit.record(
        actor=request.user,
        action="famille.household.view",
        target=household,
        owner=household.party_id,
        health=show_health,
    )
    return render(
        request,
        "famille/family/agent/household.html",
        {
            "file": file,
            "household": household,
            "residence_form": forms.ResidenceForm(
                initial={"is_resident": "1" if household.is_resident else "0"}
            ),
            "trail": _search_trail((household.party.name, "")),
        },
    )


@famille_agent_required
@require_POST
def household_residence(request: HttpRequest, pk: int) -> HttpResponse:
    household = _or_404(selectors.household_for_agent, user=request.user, pk=pk)
    form = forms.ResidenceForm(request.POST)
    if form.is_valid():
        services.set_household_residence(
            actor=request.user, household=household, is_resident=form.cleaned_data["is_resident"]
        )
        messages.success(request, _("La commune de résidence du foyer est enregistrée."))
    else:
        messages.error(request, _("Indiquez si le foyer habite la commune."))
    return redirect("famille:agent_household", household.pk)


# Documents to check ---------------------------------------------------------------------------


@famille_agent_required
@require_GET
def documents(request: HttpRequest) -> HttpResponse:
    queue = selectors.documents_to_review(user=request.user)
    return render(
        request,
        "famille/family/agent/documents.html",
        {
            "page_obj": Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page")),
            "trail": _trail((_("Documents à vérifier"), "")),
        },
    )


def _back(request: HttpRequest, default: str) -> str:
    """Back to the family file when the agent came from it, else to the queue."""
    target = request.POST.get("retour", "")
    return target if target.startswith("/agent/famille/") and "//" not in target else default


@famille_agent_required
@require_POST
def document_validate(request: HttpRequest, pk: int) -> HttpResponse:
    given = _or_404(selectors.family_document_for_agent, user=request.user, pk=pk)
    try:
        services.validate_document(actor=request.user, family_document=given)
    except FamilleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Le document est validé."))
    return redirect(_back(request, reverse("famille:agent_documents")))


@famille_agent_required
@require_http_methods(["GET", "POST"])
def document_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    given = _or_404(selectors.family_document_for_agent, user=request.user, pk=pk)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.refuse_document(
                actor=request.user, family_document=given, reason=form.cleaned_data["reason"]
            )
        except FamilleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Le document est refusé ; la famille est prévenue."))
            return redirect(_back(request, reverse("famille:agent_documents")))
    if request.method == "GET":
        audit.record(
            actor=request.user, action="famille.document.view", target=given, owner=given.household.party_id
        )
    return render(
        request,
        "famille/family/agent/document_refuse.html",
        {
            "form": form,
            "given": given,
            "back": request.GET.get("retour", "") or request.POST.get("retour", ""),
            "trail": _trail(
                (_("Documents à vérifier"), reverse("famille:agent_documents")),
                (_("Refuser un document"), ""),
            ),
        },
    )


# Quotients to check ---------------------------------------------------------------------------


@famille_agent_required
@require_GET
def quotients(request: HttpRequest) -> HttpResponse:
    queue = selectors.quotients_to_review(user=request.user)
    return render(
        request,
        "famille/family/agent/quotients.html",
        {
            "page_obj": Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page")),
            "trail": _trail((_("Quotients à vérifier"), "")),
        },
    )


def _quotient_page(request: HttpRequest, *, quotient, form, template: str, title: str) -> HttpResponse:
    if request.method == "GET":
        audit.record(
            actor=request.user,
            action="famille.quotient.view",
            target=quotient,
            owner=quotient.household.party_id,
        )
    return render(
        request,
        template,
        {
            "form": form,
            "quotient": quotient,
            "trail": _trail((_("Quotients à vérifier"), reverse("famille:agent_quotients")), (title, "")),
        },
    )


@famille_agent_required
@require_http_methods(["GET", "POST"])
def quotient_validate(request: HttpRequest, pk: int) -> HttpResponse:
    quotient = _or_404(selectors.quotient_for_agent, user=request.user, pk=pk)
    form = forms.PeriodForm(
        request.POST or None, initial={"valid_from": quotient.valid_from, "valid_until": quotient.valid_until}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.validate_quotient(actor=request.user, quotient=quotient, **form.cleaned_data)
        except FamilleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Le quotient familial est validé."))
            return redirect("famille:agent_quotients")
    return _quotient_page(
        request,
        quotient=quotient,
        form=form,
        template="famille/family/agent/quotient_validate.html",
        title=_("Valider un quotient familial"),
    )


@famille_agent_required
@require_http_methods(["GET", "POST"])
def quotient_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    quotient = _or_404(selectors.quotient_for_agent, user=request.user, pk=pk)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.refuse_quotient(
                actor=request.user, quotient=quotient, reason=form.cleaned_data["reason"]
            )
        except FamilleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Le quotient familial est refusé ; la famille est prévenue."))
            return redirect("famille:agent_quotients")
    return _quotient_page(
        request,
        quotient=quotient,
        form=form,
        template="famille/family/agent/quotient_refuse.html",
        title=_("Refuser un quotient familial"),
    )
