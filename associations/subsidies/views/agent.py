"""The vie associative service's subsidies, under /agent/associations/subventions/, in the agent shell.

Only verified agents (2FA) of the vie associative service get in (403 else); a draft, the
association's own, is not found (404). Reading a request's page is audited with the association
as owner. Each POST goes through a service, then back to the page with a message; a refused one
shows the page again with the French error and what was typed.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from associations.exceptions import AssociationError
from associations.subsidies import forms, selectors, services
from associations.subsidies.exceptions import EnvelopeExceeded
from associations.subsidies.models import Application
from associations.views.common import agent_render, agent_trail, associations_agent_required, or_404
from coffre import services as vault
from demarches import selectors as demarches_selectors
from demarches.views.common import stream_space_document
from guichet import audit
from regie.money import format_eur

SECTION = "subsidies"
PREFIXES = {"score": "grille", "opinion": "avis", "decision": "decision"}


def _trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    return agent_trail((_("Subventions"), reverse("associations:agent_subsidies")), *pages)


@associations_agent_required
@require_GET
def subsidies(request: HttpRequest) -> HttpResponse:
    """The campaigns (envelope, granted, what remains) and the requests received, filtered."""
    form = forms.ApplicationFilterForm(request.GET or None)
    found = selectors.applications_for_agent(user=request.user, **form.filters())
    return agent_render(
        request,
        "associations/subsidies/agent/subsidies.html",
        {
            "campaigns": selectors.campaigns_for_agent(user=request.user),
            "form": form,
            "page_obj": Paginator(found, selectors.AGENT_LIST_SIZE).get_page(request.GET.get("page")),
            "trail": agent_trail((_("Subventions"), "")),
        },
        section=SECTION,
    )


def _application_or_404(request: HttpRequest, pk: int) -> Application:
    return or_404(selectors.application_for_agent, user=request.user, pk=pk)


def _page(request: HttpRequest, application: Application, **bound) -> HttpResponse:
    """The request's page; `bound` replace the blank forms (a refused action, shown again)."""
    page = selectors.application_page(user=request.user, application=application)
    audit.record(
        actor=request.user,
        action="subsidies.application.view",
        target=application,
        owner=application.association.party_id,
    )
    requested = application.requested_cents or 0
    context = {
        "application": application,
        "page": page,
        "request_obj": application.request,
        "letter_pending": demarches_selectors.letter_pending(request=application.request),
        "score_form": forms.ScoreForm(
            prefix=PREFIXES["score"], grid=page.grid, initial={"comment": application.score_comment}
        ),
        "opinion_form": forms.OpinionForm(
            prefix=PREFIXES["opinion"],
            initial={"opinion": application.opinion, "text": application.opinion_text},
        ),
        "decision_form": forms.DecisionForm(
            prefix=PREFIXES["decision"],
            requested_cents=requested,
            remaining_cents=max(page.remaining, 0),
        ),
        "trail": _trail((f"{application.association.party.name} – {application.campaign.year}", "")),
        **bound,
    }
    return agent_render(request, "associations/subsidies/agent/application.html", context, section=SECTION)


@associations_agent_required
@require_GET
def application(request: HttpRequest, pk: int) -> HttpResponse:
    """The request's summary, the association's verification, the score grid, the opinion, the decision."""
    return _page(request, _application_or_404(request, pk))


@associations_agent_required
@require_POST
def scores(request: HttpRequest, pk: int) -> HttpResponse:
    found = _application_or_404(request, pk)
    grid = selectors.application_page(user=request.user, application=found).grid
    form = forms.ScoreForm(request.POST, prefix=PREFIXES["score"], grid=grid)
    if form.is_valid():
        try:
            services.score_application(
                actor=request.user,
                application=found,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
            )
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("La grille d'évaluation est enregistrée."))
            return redirect("associations:agent_subsidy", found.pk)
    return _page(request, found, score_form=form)


@associations_agent_required
@require_POST
def opinion(request: HttpRequest, pk: int) -> HttpResponse:
    found = _application_or_404(request, pk)
    form = forms.OpinionForm(request.POST, prefix=PREFIXES["opinion"])
    if form.is_valid():
        try:
            services.give_opinion(
                actor=request.user,
                application=found,
                opinion=form.cleaned_data["opinion"],
                text=form.cleaned_data["text"],
            )
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("L'avis du service est enregistré."))
            return redirect("associations:agent_subsidy", found.pk)
    return _page(request, found, opinion_form=form)


@associations_agent_required
@require_POST
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the committee's decision: the request is accepted (or refused for 0 €), its letter made."""
    found = _application_or_404(request, pk)
    page = selectors.application_page(user=request.user, application=found)
    form = forms.DecisionForm(
        request.POST,
        prefix=PREFIXES["decision"],
        requested_cents=found.requested_cents or 0,
        remaining_cents=max(page.remaining, 0),
    )
    if form.is_valid():
        granted = form.cleaned_data["granted_cents"]
        try:
            services.decide_application(
                actor=request.user,
                application=found,
                granted_cents=granted,
                motivation=form.cleaned_data["motivation"],
            )
        except EnvelopeExceeded as error:
            form.add_error("granted_cents", error.message)
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            if granted:
                text = _(
                    "La subvention de %(amount)s est accordée ; le courrier de décision est en préparation."
                ) % {"amount": format_eur(granted)}
            else:
                text = _("La subvention est refusée ; le courrier de décision est en préparation.")
            messages.success(request, text)
            return redirect("associations:agent_subsidy", found.pk)
    return _page(request, found, decision_form=form)


# Financial reports ----------------------------------------------------------------------------------


@associations_agent_required
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    """The financial reports of the granted subsidies: overdue, received to check, due, checked."""
    form = forms.ReportFilterForm(request.GET or None)
    return agent_render(
        request,
        "associations/subsidies/agent/reports.html",
        {
            "form": form,
            "applications": selectors.reports_for_agent(user=request.user, state=form.state()),
            "trail": _trail((_("Comptes rendus financiers"), "")),
        },
        section=SECTION,
    )


@associations_agent_required
@require_POST
def report_check(request: HttpRequest, pk: int) -> HttpResponse:
    found = _application_or_404(request, pk)
    report = found.financial_report
    if report is None:
        messages.error(request, _("L'association n'a pas encore transmis son compte rendu financier."))
        return redirect("associations:agent_subsidy", found.pk)
    try:
        services.check_report(actor=request.user, report=report)
    except AssociationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Le compte rendu financier est marqué comme contrôlé."))
    return redirect("associations:agent_subsidy", found.pk)


@associations_agent_required
@require_GET
def report_document(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the financial report's document (the service's copy); the association sees who opened it."""
    found = _application_or_404(request, pk)
    report = found.financial_report
    version = report.document.current_version if report is not None else None

    def open_stream(chosen):
        stream = vault.open_space_plaintext(actor=request.user, version=chosen, purpose=found.reference)
        audit.record(
            actor=request.user,
            action="subsidies.report.read",
            target=report,
            owner=found.association.party_id,
            document=chosen.document_id,
        )
        return stream

    return stream_space_document(request, version, open_stream)
