"""Request context (client IP and request id) for the audit log and the logs.

A context variable rather than a thread-local, so that it is right under ASGI
too and is empty in Celery tasks unless a task sets it.
"""

import contextvars
import re
import uuid
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    request_id: str = ""


_EMPTY = RequestContext()
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "guichet_request_context", default=None
)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def is_valid_request_id(value: str) -> bool:
    """A request id given by a client or a proxy: 8 to 64 of A-Z a-z 0-9 . _ -, nothing else."""
    return bool(_REQUEST_ID.fullmatch(value or ""))


def bind(*, request_id: str, ip: str | None = None) -> contextvars.Token:
    """Set the context outside a request (a Celery task); give the token back to `unbind`."""
    return _current.set(RequestContext(ip=ip, request_id=request_id))


def unbind(token: contextvars.Token) -> None:
    _current.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    from django.conf import settings

    # Behind N trusted proxies the client is the Nth address from the right.
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if is_valid_request_id(given) else uuid.uuid4().hex
        token = _current.set(RequestContext(ip=client_ip(request), request_id=request_id))
        request.request_id = request_id
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response
