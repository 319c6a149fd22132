from django.http import HttpRequest

from guichet.accounts.models import Town


def portal(request: HttpRequest) -> dict:
    """The town (cached) for every page's header and footer."""
    return {"town": Town.current()}
