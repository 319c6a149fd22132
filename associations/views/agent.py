"""The vie associative service's back-office for associations, under /agent/associations/, in the agent shell.

Only verified agents (2FA) of the vie associative service get in (403 else). Every reading of an
association's page is audited with the association as owner: its members see it on "Qui a
consulté mes données".
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from associations import forms, selectors, services
from associations.exceptions import AssociationError
from associations.views.common import agent_render, agent_trail, associations_agent_required, or_404
from guichet import audit

SECTION = "associations"


def _list_trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    return agent_trail((_("Associations"), reverse("associations:agent_associations")), *pages)


@associations_agent_required
@require_GET
def associations(request: HttpRequest) -> HttpResponse:
    """Every association, those waiting for verification first; search by name, number or town."""
    form = forms.AgentSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {"q": "", "status": ""}
    found = selectors.associations_for_agent(user=request.user, status=filters["status"], query=filters["q"])
    return agent_render(
        request,
        "associations/agent/associations.html",
        {
            "form": form,
            "page_obj": Paginator(found, selectors.AGENT_LIST_SIZE).get_page(request.GET.get("page")),
            "counts": selectors.agent_counts(user=request.user),
            "trail": agent_trail((_("Associations"), "")),
        },
        section=SECTION,
    )


def _association_page(
    request: HttpRequest, association, *, suspend_form=None, status: int = 200
) -> HttpResponse:
    audit.record(
        actor=request.user,
        action="associations.association.view",
        target=association,
        owner=association.party_id,
    )
    return agent_render(
        request,
        "associations/agent/association.html",
        {
            "association": association,
            "file": selectors.agent_association_file(user=request.user, association=association),
            "form": suspend_form or forms.SuspendForm(),
            "trail": _list_trail((association.party.name, "")),
        },
        section=SECTION,
        status=status,
    )


@associations_agent_required
@require_GET
def association(request: HttpRequest, pk: int) -> HttpResponse:
    found = or_404(selectors.association_for_agent, user=request.user, pk=pk)
    return _association_page(request, found)


@associations_agent_required
@require_POST
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    found = or_404(selectors.association_for_agent, user=request.user, pk=pk)
    try:
        services.verify_association(actor=request.user, association=found)
    except AssociationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("« %(name)s » est vérifiée : ses membres peuvent faire leurs demandes.")
            % {"name": found.party.name},
        )
    return redirect("associations:agent_association", found.pk)


@associations_agent_required
@require_http_methods(["POST"])
def suspend(request: HttpRequest, pk: int) -> HttpResponse:
    found = or_404(selectors.association_for_agent, user=request.user, pk=pk)
    form = forms.SuspendForm(request.POST)
    if form.is_valid():
        try:
            services.suspend_association(
                actor=request.user, association=found, reason=form.cleaned_data["reason"]
            )
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("« %(name)s » est suspendue ; ses membres sont prévenus.") % {"name": found.party.name},
            )
            return redirect("associations:agent_association", found.pk)
    return _association_page(request, found, suspend_form=form, status=200)
