"""What the associations' views and their sub-apps' views share: the agents' lock, 404s, trails, the
current association, and the agent shell's render (its menu marks the section)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from associations import perms, selectors
from associations.models import Association
from guichet.portal.decorators import agent_required

# The association a member last switched to, kept in their session.
CURRENT_ASSOCIATION_SESSION_KEY = "associations.current"


def associations_agent_required(view):
    """Back-office pages of the vie associative service: a verified agent (2FA) of that service; else 403."""

    @agent_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not perms.is_associations_agent(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def or_404(selector: Callable[..., Any], **kwargs) -> Any:
    """The selector's object, or a 404 when it is not the user's to see (DoesNotExist)."""
    try:
        return selector(**kwargs)
    except ObjectDoesNotExist:
        raise Http404 from None


def member_association(request: HttpRequest, pk: int) -> Association:
    """One of the signed-in user's associations (with `my_role`), else 404."""
    return or_404(selectors.association_for_user, user=request.user, pk=pk)


def current_association(request: HttpRequest) -> Association | None:
    """The association the user switched to, else their first; None without any."""
    return selectors.current_association(
        user=request.user, chosen_id=request.session.get(CURRENT_ASSOCIATION_SESSION_KEY)
    )


def member_trail(association: Association | None = None, *pages: tuple[str, str]) -> list[tuple[str, str]]:
    """Mon espace › Mes associations › [the association] › pages…; the last one is the current page."""
    trail = [
        (_("Mon espace"), reverse("portal:dashboard")),
        (_("Mes associations"), reverse("associations:home")),
    ]
    if association is not None:
        trail.append((association.party.name, reverse("associations:association", args=[association.pk])))
    trail.extend(pages)
    trail[-1] = (trail[-1][0], "")
    return trail


def agent_trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    """Tableau de bord › pages…; the last one is the current page."""
    trail = [(_("Tableau de bord"), reverse("portal:agent_home")), *pages]
    trail[-1] = (trail[-1][0], "")
    return trail


def agent_render(
    request: HttpRequest, template: str, context: dict[str, Any], *, section: str, status: int = 200
) -> HttpResponse:
    """Render a back-office page in the agent shell; `section` (associations, subsidies, rooms, equipment)
    marks its entry of the menu."""
    return render(request, template, {**context, "agent_section": section}, status=status)
