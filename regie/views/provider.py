"""Provider notifications (webhooks), and the demo payment provider.

Webhooks are called by the provider, not by a browser: no login, no CSRF token,
POST only; the body is authenticated (Stripe: signature on the raw body;
PayFiP: the result is read back from its web service).
"""

import io
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from regie import fake_stripe, services
from regie.backends import InvalidNotification, ProviderEvent, ProviderState
from regie.backends import stripe as stripe_backend
from regie.backends.payfip import PayfipBackend
from regie.enums import Provider
from regie.exceptions import PaymentProviderError

logger = logging.getLogger(__name__)


@csrf_exempt
@login_not_required
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        event = stripe_backend.parse_webhook(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except InvalidNotification:
        logger.warning("Stripe webhook refused: bad signature, stale timestamp or unreadable body")
        return HttpResponseBadRequest("invalid webhook", content_type="text/plain")
    outcome = services.handle_provider_event(provider=Provider.STRIPE, event=event)
    logger.info("Stripe event %s (%s): %s", event.event_id, event.event_type, outcome)
    return HttpResponse(outcome, content_type="text/plain")


@csrf_exempt
@login_not_required
@require_POST
def payfip_webhook(request: HttpRequest) -> HttpResponse:
    id_op = request.POST.get("idop", "").strip()
    if not id_op or len(id_op) > 64:
        return HttpResponseBadRequest("missing idop", content_type="text/plain")
    try:
        status = PayfipBackend().retrieve(provider_reference=id_op)
    except PaymentProviderError:
        # Answering an error makes PayFiP notify again; the reconciliation catches up anyway.
        return HttpResponse("unavailable", status=503, content_type="text/plain")
    if status.state == ProviderState.OPEN:
        return HttpResponse("pending", content_type="text/plain")
    event = ProviderEvent(event_id=f"{id_op}:{status.state}", event_type="payfip.notification", status=status)
    outcome = services.handle_provider_event(provider=Provider.PAYFIP, event=event)
    return HttpResponse(outcome, content_type="text/plain")


@csrf_exempt  # the fake stands for a third-party site: it cannot hold our CSRF token
@login_not_required
def demo_provider(request: HttpRequest, path: str = "") -> HttpResponse:
    """The demo's stand-in for Stripe (API and hosted page), when REGIE_FAKE_PROVIDER is on."""
    if not settings.REGIE_FAKE_PROVIDER:
        raise Http404
    site = settings.SITE_URL.rstrip("/")
    fake = fake_stripe.demo_instance(
        api_key=settings.STRIPE_SECRET_KEY,
        webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
        webhook_url=site + reverse("regie:stripe_webhook"),
        public_base=site + reverse("regie:demo_provider_root").rstrip("/"),
    )
    body = request.body
    environ = {
        **{key: value for key, value in request.META.items() if isinstance(value, str)},
        "REQUEST_METHOD": request.method,
        "PATH_INFO": "/" + path,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    captured: dict = {}

    def start_response(status: str, headers: list) -> None:
        captured["status"], captured["headers"] = int(status.split()[0]), headers

    content = b"".join(fake(environ, start_response))
    response = HttpResponse(content, status=captured["status"])
    for name, value in captured["headers"]:
        response[name] = value
    return response
