"""The back-office of equipment loans (/agent/associations/materiel/…), in the agent shell's
"equipment" section: requests to decide, loans to hand over and to get back, the return check,
the stock week by week. Verified agents of the vie associative service only (403 otherwise).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from associations.equipment import selectors, services
from associations.equipment.enums import LoanStatus
from associations.equipment.forms import RefuseForm, ReturnForm, StockForm
from associations.equipment.models import Loan
from associations.exceptions import AssociationError
from associations.views.common import agent_render, agent_trail, associations_agent_required, or_404
from guichet import audit

SECTION = "equipment"


def trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    """Tableau de bord › Prêts de matériel › pages…"""
    return agent_trail((_("Prêts de matériel"), reverse("associations:agent_loans")), *pages)


def _loan(request: HttpRequest, pk: int) -> Loan:
    return or_404(selectors.loan_for_agent, user=request.user, pk=pk)


@associations_agent_required
@require_GET
def loans(request: HttpRequest) -> HttpResponse:
    """The loans, one tab per thing to do: decide, hand over, get back, incomplete returns, all."""
    view = request.GET.get("vue", selectors.DEFAULT_AGENT_VIEW)
    if view not in selectors.AGENT_VIEWS:
        view = selectors.DEFAULT_AGENT_VIEW
    page = Paginator(
        selectors.loans_for_agent(user=request.user, view=view), selectors.AGENT_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    counts = selectors.agent_counts(user=request.user)
    tabs = [(spec, counts.get(slug)) for slug, spec in selectors.AGENT_VIEWS.items()]
    return agent_render(
        request,
        "associations/equipment/agent/loans.html",
        {
            "view": selectors.AGENT_VIEWS[view],
            "tabs": tabs,
            "counts": counts,
            "page_obj": page,
            "loans": page.object_list,
            "today": timezone.localdate(),
            "trail": agent_trail((_("Prêts de matériel"), "")),
        },
        section=SECTION,
    )


def _loan_page(
    request: HttpRequest, loan: Loan, *, refuse_form: RefuseForm | None = None, error: str = ""
) -> HttpResponse:
    # The page shows who to call and where to deliver: each reading is the association's to know.
    audit.record(
        actor=request.user, action="equipment.loan.read", target=loan, owner=loan.association.party_id
    )
    pending = loan.status == LoanStatus.PENDING
    return agent_render(
        request,
        "associations/equipment/agent/loan.html",
        {
            "loan": loan,
            # For a request to decide: what the rest of the stock allows, line by line.
            "lines": selectors.agent_loan_lines(user=request.user, loan=loan) if pending else [],
            "pending": pending,
            "history": selectors.loan_history(loan, for_agent=True),
            "refuse_form": refuse_form or RefuseForm(),
            "error": error,
            "today": timezone.localdate(),
            "trail": trail((_("Prêt %(reference)s") % {"reference": loan.reference}, "")),
        },
        section=SECTION,
    )


@associations_agent_required
@require_GET
def loan(request: HttpRequest, pk: int) -> HttpResponse:
    """One loan: the association, the contact, the lines (with what the stock allows, for a request),
    its history, and the next move."""
    return _loan_page(request, _loan(request, pk))


def _act(request: HttpRequest, pk: int, action, success: str) -> HttpResponse:
    loan = _loan(request, pk)
    try:
        action(actor=request.user, loan=loan)
    except AssociationError as error:
        return _loan_page(request, loan, error=error.message)
    messages.success(request, success % {"reference": loan.reference})
    return redirect("associations:agent_loan", loan.pk)


@associations_agent_required
@require_POST
def loan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, services.approve_loan, _("Prêt %(reference)s accepté : l'association est prévenue.")
    )


@associations_agent_required
@require_POST
def loan_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    loan = _loan(request, pk)
    form = RefuseForm(request.POST)
    if form.is_valid():
        try:
            services.refuse_loan(actor=request.user, loan=loan, reason=form.cleaned_data["reason"])
        except AssociationError as error:
            return _loan_page(request, loan, refuse_form=form, error=error.message)
        else:
            messages.success(
                request,
                _("Demande %(reference)s refusée : l'association est prévenue.")
                % {"reference": loan.reference},
            )
            return redirect("associations:agent_loan", loan.pk)
    return _loan_page(request, loan, refuse_form=form)


@associations_agent_required
@require_POST
def loan_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    loan = _loan(request, pk)
    success = (
        _("Prêt %(reference)s livré : vérifiez le retour quand le matériel revient.")
        if loan.is_delivery
        else _("Prêt %(reference)s retiré à l'atelier : vérifiez le retour quand le matériel revient.")
    )
    return _act(request, pk, services.hand_over_loan, success)


@associations_agent_required
@require_http_methods(["GET", "POST"])
def loan_return(request: HttpRequest, pk: int) -> HttpResponse:
    """The return check: what came back of each item, damaged or not."""
    loan = _loan(request, pk)
    if loan.status not in (LoanStatus.HANDED_OVER, LoanStatus.INCOMPLETE):
        return _loan_page(
            request, loan, error=_("Ce prêt n'est pas sorti : il n'y a pas de retour à vérifier.")
        )
    lines = list(loan.lines.all())
    form = ReturnForm(request.POST if request.method == "POST" else None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            loan = services.record_return(
                actor=request.user, loan=loan, counts=form.counts(), note=form.cleaned_data["note"]
            )
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            if loan.status == LoanStatus.RETURNED:
                messages.success(
                    request,
                    _("Retour du prêt %(reference)s vérifié : tout est rendu.")
                    % {"reference": loan.reference},
                )
            else:
                messages.warning(
                    request,
                    _("Retour du prêt %(reference)s incomplet : le matériel manquant reste compté sorti.")
                    % {"reference": loan.reference},
                )
            return redirect("associations:agent_loan", loan.pk)
    audit.record(
        actor=request.user, action="equipment.loan.read", target=loan, owner=loan.association.party_id
    )
    return agent_render(
        request,
        "associations/equipment/agent/return.html",
        {
            "loan": loan,
            "form": form,
            "trail": trail(
                (
                    _("Prêt %(reference)s") % {"reference": loan.reference},
                    reverse("associations:agent_loan", args=[loan.pk]),
                ),
                (_("Vérifier le retour"), ""),
            ),
        },
        section=SECTION,
    )


@associations_agent_required
@require_POST
def loan_write_off(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        services.write_off_missing,
        _("Prêt %(reference)s clos : le matériel manquant est déclaré perdu et retiré du stock."),
    )


@associations_agent_required
@require_GET
def stock(request: HttpRequest) -> HttpResponse:
    """The stock of each item, week by week over the coming weeks."""
    form = StockForm(request.GET or None)
    first_day = form.cleaned_data.get("debut") if form.is_bound and form.is_valid() else None
    table = selectors.stock_table(user=request.user, first_day=first_day)
    return agent_render(
        request,
        "associations/equipment/agent/stock.html",
        {
            "form": form,
            "table": table,
            "trail": trail((_("Stock semaine par semaine"), "")),
        },
        section=SECTION,
    )
