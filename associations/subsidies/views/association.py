"""Mon espace › Mes associations › [the association] › Subventions: the members' pages.

The association comes through `member_association` (one of the user's associations, else 404),
so a member who left, or anyone else, reaches nothing; the request itself is filled and sent
with the démarches' own pages. The financial report is the board's (403 for a plain member).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from associations.exceptions import AssociationError
from associations.subsidies import forms, perms, selectors, services
from associations.subsidies.models import Campaign
from associations.views.common import member_association, member_trail, or_404
from demarches import engine
from demarches.views.common import page_url


def _trail(association, *pages: tuple[str, str]):
    return member_trail(
        association,
        (_("Subventions"), reverse("associations:association_subsidies", args=[association.pk])),
        *pages,
    )


@require_GET
def association_subsidies(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaigns open today, the association's requests and their state, amounts granted, reports due."""
    association = member_association(request, pk)
    page = selectors.association_subsidies(user=request.user, association=association)
    return render(
        request,
        "associations/subsidies/association.html",
        {
            "association": association,
            "page": page,
            "trail": member_trail(association, (_("Subventions"), "")),
        },
    )


@require_POST
def start(request: HttpRequest, pk: int, campaign_pk: int) -> HttpResponse:
    """Start the association's request in an open campaign, then its first page."""
    association = member_association(request, pk)
    campaign = get_object_or_404(Campaign, pk=campaign_pk)
    try:
        application = services.start_application(
            actor=request.user, campaign=campaign, association=association
        )
    except AssociationError as error:
        messages.error(request, error.message)
        return redirect("associations:association_subsidies", association.pk)
    draft = application.request
    first = engine.first_page(draft.form, draft.answers)
    messages.success(
        request,
        _(
            "Votre demande de subvention pour la campagne %(year)s est commencée. Chaque page est enregistrée : "
            "vous pouvez la reprendre plus tard depuis cette page."
        )
        % {"year": campaign.year},
    )
    if first is None:
        return redirect("demarches:review", draft.pk)
    return redirect(page_url(draft, first.number))


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int, application_pk: int) -> HttpResponse:
    """The board files the financial report of a granted subsidy (or reads the one it filed)."""
    association = member_association(request, pk)
    application = or_404(selectors.application_for_member, association=association, pk=application_pk)
    if application.report_state() is None:
        raise Http404
    if not perms.can_file_report(request.user, association):
        raise PermissionDenied
    documents = selectors.report_documents(user=request.user, association=association)
    form = forms.ReportForm(request.POST if request.method == "POST" else None, documents=documents)
    filed = application.financial_report
    if request.method == "POST" and filed is None and form.is_valid():
        data = form.cleaned_data
        try:
            services.file_report(
                actor=request.user,
                application=application,
                actual_expenses_cents=data["actual_expenses_cents"],
                actual_income_cents=data["actual_income_cents"],
                comment=data["comment"],
                document=data["document"],
            )
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Le compte rendu financier est transmis au service de la vie associative. Merci !"),
            )
            return redirect("associations:association_subsidies", association.pk)
    return render(
        request,
        "associations/subsidies/report.html",
        {
            "association": association,
            "application": application,
            "report": filed,
            "form": form,
            "has_documents": documents.exists(),
            "trail": _trail(association, (_("Compte rendu financier"), "")),
        },
    )
