"""The probes and the metrics: `/healthz`, `/readyz`, `/metrics` (no language prefix, no login).

They read no session and set no cookie, and say `Cache-Control: no-store`: a cache must never answer
for the process. `/metrics` answers only the addresses of METRICS_ALLOWED_IPS or the bearer of
METRICS_TOKEN, and 404 to anyone else, as for a page that does not exist.
"""

import hmac
import ipaddress

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from guichet import context
from guichet.ops import checks, metrics


def _no_store(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, no_store=True, private=True)
    return response


@login_not_required
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers: nothing else is asked (no database, no Redis, no session)."""
    return _no_store(HttpResponse("ok", content_type="text/plain; charset=utf-8"))


@login_not_required
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """The services this process needs answer: 200, else 503 (checks.py)."""
    ready, results = checks.run()
    body = {"status": checks.OK if ready else checks.FAIL, "checks": results}
    return _no_store(JsonResponse(body, status=200 if ready else 503))


def _address_allowed(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for allowed in settings.METRICS_ALLOWED_IPS:
        try:
            if ip in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


def _token_given(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


@login_not_required
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus' exposition format, for the allowed addresses and the token's bearer only."""
    if not (_address_allowed(context.client_ip(request)) or _token_given(request)):
        raise Http404
    content, content_type = metrics.render()
    return _no_store(HttpResponse(content, content_type=content_type))
