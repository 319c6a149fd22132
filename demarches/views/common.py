"""What the démarches' citizen pages share: finding the request, its breadcrumbs, where to resume."""

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from demarches import engine, selectors
from demarches.models import Request


def request_or_404(http_request: HttpRequest, pk: int) -> Request:
    """A request of a party the user acts for; anyone else's answers 404 (ids leak nothing)."""
    try:
        return selectors.request_for_user(user=http_request.user, pk=pk)
    except Request.DoesNotExist:
        raise Http404 from None


def applicant_of(http_request: HttpRequest, obj: Request) -> engine.Applicant:
    return engine.Applicant(user=http_request.user, party=obj.applicant)


def page_url(obj: Request, number: int) -> str:
    return reverse("demarches:page", args=[obj.pk, number])


def resume_url(http_request: HttpRequest, obj: Request) -> str:
    """Where a draft picks up: the first page with a missing or wrong answer, else the check page."""
    errors = engine.validate_answers(obj.form, obj.answers, applicant=applicant_of(http_request, obj))
    if errors:
        return page_url(obj, errors[0].page)
    return reverse("demarches:review", args=[obj.pk])


def trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    """Mon espace › Mes demandes › …, the last one being the current page."""
    result = [
        (_("Mon espace"), reverse("portal:dashboard")),
        (_("Mes demandes"), reverse("demarches:requests")),
        *pages,
    ]
    result[-1] = (result[-1][0], "")
    return result
