"""Two-factor authentication: enforced on the back-office, honoured everywhere once enabled."""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from guichet.accounts import services

BACKOFFICE_PREFIXES = ("/agent/", "/admin/")
# Pages reachable before the second factor is given: signing in and out, the
# 2FA pages themselves, static files and the language switch.
EXEMPT_PREFIXES = ("/compte/login/", "/compte/logout/", "/compte/2fa/", "/static/", "/i18n/")


def is_backoffice_path(path: str) -> bool:
    return path.startswith(BACKOFFICE_PREFIXES)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._check(request)
        return response if response is not None else self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        path = request.path_info
        if not user.is_authenticated or path.startswith(EXEMPT_PREFIXES):
            return None
        if is_backoffice_path(path):
            if path.startswith("/admin/") and not user.is_staff:
                raise PermissionDenied
            if not services.requires_second_factor(user):
                raise PermissionDenied
            if user.is_verified():
                return None
            if services.has_second_factor(user):
                return self._send_to("accounts:otp_verify", request)
            return self._send_to("accounts:otp_setup", request)
        if request.session.get(services.OTP_REQUIRED_SESSION_KEY) and not user.is_verified():
            return self._send_to("accounts:otp_verify", request)
        return None

    @staticmethod
    def _send_to(url_name: str, request: HttpRequest) -> HttpResponse:
        return redirect(f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")
