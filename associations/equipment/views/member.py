"""The public catalogue and the associations' pages of equipment loans.

The catalogue (/associations/materiel/) is public. The members' pages under
/mon-espace/associations/materiel/… reach loans through a selector scoped to the user's
associations, so anyone else's loan, or a loan of an association the user left, answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from associations import selectors as association_selectors
from associations.equipment import perms, selectors, services
from associations.equipment.exceptions import NotEnoughStock
from associations.equipment.forms import LoanRequestForm, PeriodForm, item_field_name
from associations.exceptions import AssociationError
from associations.views.common import current_association, or_404


def public_trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    """Accueil › Démarches › Emprunter du matériel › pages…; the last one is the current page."""
    trail = [
        (_("Accueil"), reverse("portal:home")),
        (_("Démarches"), reverse("demarches:catalogue")),
        (_("Emprunter du matériel"), reverse("associations:equipment")),
        *pages,
    ]
    trail[-1] = (trail[-1][0], "")
    return trail


def member_trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    """Mon espace › Mes prêts de matériel › pages…; the last one is the current page."""
    trail = [
        (_("Mon espace"), reverse("portal:dashboard")),
        (_("Mes prêts de matériel"), reverse("associations:equipment_loans")),
        *pages,
    ]
    trail[-1] = (trail[-1][0], "")
    return trail


def _request_url(start, end) -> str:
    url = reverse("associations:equipment_request")
    if start and end:
        url += "?" + urlencode({"debut": start.isoformat(), "fin": end.isoformat()})
    return url


@login_not_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """The equipment the town lends; with dates chosen, what is left of each over them."""
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    return render(
        request,
        "associations/equipment/catalogue.html",
        {
            "form": form,
            "catalogue": selectors.catalogue(start=start, end=end),
            "request_url": _request_url(start, end),
            "min_notice": services.MIN_NOTICE_DAYS,
            "max_days": services.MAX_LOAN_DAYS,
            "trail": public_trail(),
        },
    )


@require_http_methods(["GET", "POST"])
def loan_request(request: HttpRequest) -> HttpResponse:
    """Ask to borrow equipment in the name of one of the user's verified associations."""
    choices = selectors.requesting_associations(user=request.user)
    trail = member_trail((_("Demander du matériel"), ""))
    if not choices:
        return render(
            request,
            "associations/equipment/request_unavailable.html",
            {
                "trail": trail,
                "has_associations": association_selectors.associations_for_user(user=request.user).exists(),
            },
        )
    items = list(selectors.active_items())
    initial = {}
    current = current_association(request)
    ids = [entry.association.pk for entry in choices]
    initial["association"] = current.pk if current is not None and current.pk in ids else ids[0]
    period = PeriodForm(request.GET or None)
    start, end = period.period()
    if start and end:
        initial.update(debut=start, fin=end)
    form = LoanRequestForm(
        request.POST if request.method == "POST" else None, associations=choices, items=items, initial=initial
    )
    if request.method == "POST":
        valid = form.is_valid()
        start, end = form.period()
        if valid:
            try:
                loan = services.request_loan(
                    actor=request.user,
                    association=form.chosen_association(),
                    start_date=form.cleaned_data["debut"],
                    end_date=form.cleaned_data["fin"],
                    quantities=form.quantities(),
                    purpose=form.cleaned_data["purpose"],
                    delivery_mode=form.cleaned_data["delivery_mode"],
                    delivery_address=form.cleaned_data["delivery_address"],
                    contact_name=form.cleaned_data["contact_name"],
                    contact_phone=form.cleaned_data["contact_phone"],
                    note=form.cleaned_data["note"],
                )
            except NotEnoughStock as error:
                by_item = {item.pk: item for item in items}
                for shortage in error.shortages:
                    form.add_error(item_field_name(by_item[shortage.item_id]), shortage.message)
            except AssociationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _(
                        "Votre demande %(reference)s est envoyée : le matériel vous est réservé en attendant "
                        "la réponse du service de la vie associative."
                    )
                    % {"reference": loan.reference},
                )
                return redirect("associations:equipment_loan", loan.pk)
    if start and end:
        form.show_left(selectors.left_for(items=items, start=start, end=end), start, end)
    return render(
        request,
        "associations/equipment/request.html",
        {"form": form, "items": items, "trail": trail, "catalogue_url": reverse("associations:equipment")},
    )


@require_GET
def loans(request: HttpRequest) -> HttpResponse:
    """ "Mes prêts de matériel": the loans of the user's associations."""
    return render(
        request,
        "associations/equipment/loans.html",
        {
            "loans": selectors.member_loans(user=request.user),
            "can_request": bool(selectors.requesting_associations(user=request.user)),
            "today": timezone.localdate(),
            "trail": member_trail(),
        },
    )


@require_GET
def loan(request: HttpRequest, pk: int) -> HttpResponse:
    """One loan of one of the user's associations: what, when, how, and what became of it."""
    loan = or_404(selectors.loan_for_user, user=request.user, pk=pk)
    return render(
        request,
        "associations/equipment/loan.html",
        {
            "loan": loan,
            "lines": list(loan.lines.all()),
            "history": selectors.loan_history(loan, for_agent=False),
            "can_cancel": perms.can_cancel_loan(request.user, loan, timezone.localdate()),
            "trail": member_trail((_("Prêt %(reference)s") % {"reference": loan.reference}, "")),
        },
    )


@require_http_methods(["GET", "POST"])
def loan_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a request or an accepted loan before its first day (confirmation, then POST)."""
    loan = or_404(selectors.loan_for_user, user=request.user, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            services.cancel_loan(actor=request.user, loan=loan)
        except AssociationError as refusal:
            error = refusal.message
        else:
            messages.success(
                request,
                _("Le prêt %(reference)s est annulé : le matériel est libéré.")
                % {"reference": loan.reference},
            )
            return redirect("associations:equipment_loans")
    return render(
        request,
        "associations/equipment/cancel.html",
        {
            "loan": loan,
            "lines": list(loan.lines.all()),
            "error": error,
            "can_cancel": perms.can_cancel_loan(request.user, loan, timezone.localdate()),
            "trail": member_trail(
                (
                    _("Prêt %(reference)s") % {"reference": loan.reference},
                    reverse("associations:equipment_loan", args=[loan.pk]),
                ),
                (_("Annuler"), ""),
            ),
        },
    )
