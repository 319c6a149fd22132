from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from guichet.audit import selectors


@require_GET
def data_access(request: HttpRequest) -> HttpResponse:
    """Who in the town hall saw or changed my data, and when."""
    page_obj = selectors.data_accesses_page(
        viewer=request.user,
        party_ids=selectors.party_ids_for(user=request.user),
        page=request.GET.get("page"),
    )
    trail = [(_("Mon espace"), reverse("portal:dashboard")), (_("Accès à mes données"), "")]
    return render(request, "audit/data_access.html", {"page_obj": page_obj, "trail": trail})
