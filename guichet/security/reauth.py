"""Re-authentication before sensitive actions: the password, or the authenticator's code, again.

    from guichet.security.reauth import reauthentication_required

    @reauthentication_required                 # every method asks
    def otp_disable(request): ...

    @reauthentication_required(allow_get=True) # the form shows, sending it asks
    def refund(request, pk): ...

Without a re-authentication in the last ACCOUNT_REAUTHENTICATION_TIMEOUT seconds the
view does not run: allauth's middleware keeps the request (a POST's fields too, in the
session) and sends the user to the first of `AccountAdapter.get_reauthentication_methods`
(the password page, or the code page for whoever has an authenticator and no password);
once confirmed, the kept request is replayed, so nothing typed is lost. A fresh login
does not count: the confirmation is asked of whoever is at the keyboard now.

Unlike allauth's own check, a user without any way to re-authenticate (no usable
password, no authenticator: an account opened through an identity provider) is not let
through; such a provider adds its own method with `register_method`, which
records its confirmation with `reauthenticated=True` like the two here.
"""

import time
from collections.abc import Callable
from functools import wraps

from allauth.account import app_settings as allauth_account_settings
from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.core.exceptions import ReauthenticationRequired
from django.http import HttpRequest, HttpResponse

# The method name recorded for a re-authentication by the authenticator's code.
TOTP_METHOD = "totp"

# Methods that apps add (an identity provider, from its AppConfig.ready): each takes the
# user and returns its entry of `get_reauthentication_methods`, or None when it cannot serve.
_extra_methods: list[Callable[..., dict | None]] = []


def register_method(method: Callable[..., dict | None]) -> None:
    if method not in _extra_methods:
        _extra_methods.append(method)


def extra_methods(user) -> list[dict]:
    return [entry for method in _extra_methods if (entry := method(user)) is not None]


def recently_reauthenticated(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    records = [
        record for record in get_authentication_records(request, user) if record.get("reauthenticated")
    ]
    if not records:
        return False
    return time.time() - records[-1]["at"] < allauth_account_settings.REAUTHENTICATION_TIMEOUT


def record_totp_reauthentication(request: HttpRequest) -> None:
    record_authentication(request, request.user, method=TOTP_METHOD, reauthenticated=True)


def reauthentication_required(
    function: Callable[..., HttpResponse] | None = None, *, allow_get: bool = False
) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not (allow_get and request.method in ("GET", "HEAD")) and not recently_reauthenticated(
                request
            ):
                raise ReauthenticationRequired()
            return view(request, *args, **kwargs)

        wrapper.reauthentication_required = True
        return wrapper

    return decorator(function) if function is not None else decorator
