"""Security middleware: response headers and idle sessions (see the package's docstring)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from guichet.security import sessions

# Paths of the back office: personal data of others, never stored by any cache.
BACKOFFICE_PREFIXES = ("/agent/", "/admin/")


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "fullscreen": ["self"]}` → `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())


def cache_directives(response: HttpResponse) -> set[str]:
    return {part.strip().split("=", 1)[0].lower() for part in response.get("Cache-Control", "").split(",")}


def is_public_response(response: HttpResponse) -> bool:
    """A response that declares itself cacheable by anyone (static files, public images)."""
    return "public" in cache_directives(response)


def is_personal(request: HttpRequest, response: HttpResponse) -> bool:
    user = getattr(request, "user", None)
    return bool(
        (user is not None and user.is_authenticated)
        or request.path_info.startswith(BACKOFFICE_PREFIXES)
        or response.cookies
    )


class SecurityHeadersMiddleware:
    """Permissions-Policy everywhere; `Cache-Control: no-store` on personal responses.

    Placed before WhiteNoise, so static files get the Permissions-Policy too but keep
    their own caching headers (they declare themselves public).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        directives = cache_directives(response)
        if "public" not in directives and "no-store" not in directives and is_personal(request, response):
            # no-store says it all (no copy anywhere, nor in the browser's history cache); private for
            # caches that do not know it.
            response.headers.pop("Expires", None)
            patch_cache_control(response, no_store=True, private=True)
        return response


class IdleSessionMiddleware:
    """Flush a session idle too long, server-side; say so on the next page.

    After AuthenticationMiddleware and before LoginRequiredMiddleware: the expired
    visitor is anonymous for every later middleware and view, so a page that needs an
    account sends them to the login page with `next` (LoginRequiredMiddleware), and
    the message is added once the message storage exists (`process_view`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = time.time()
        if request.user.is_authenticated:
            limit = sessions.idle_limit(request)
            if sessions.is_expired(request, now=now, limit=limit):
                logout(request)  # flushes the session: the old cookie no longer opens anything
                request.guichet_session_expired_after = limit
        response = self.get_response(request)
        if request.user.is_authenticated and not is_public_response(response):
            # Public files (images, the town's stylesheet) are no activity, and must set no cookie.
            sessions.touch(request, now=now)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        limit = getattr(request, "guichet_session_expired_after", None)
        if limit is None:
            return None
        minutes = limit // 60
        text = _(
            "Votre session a expiré : après %(minutes)s minutes sans activité, vous avez été "
            "déconnecté par sécurité."
        ) % {"minutes": minutes}
        login_url = resolve_url(settings.LOGIN_URL)
        needs_login = getattr(view_func, "login_required", True)
        if needs_login or request.path_info == login_url:
            # The login page comes next (LoginRequiredMiddleware keeps `next`).
            message = format_html("{} {}", text, _("Reconnectez-vous pour reprendre où vous en étiez."))
        else:
            target = f"{login_url}?{urlencode({'next': request.get_full_path()})}"
            message = format_html('{} <a href="{}">{}</a>', text, target, _("Me reconnecter"))
        messages.warning(request, message)
        if needs_login and request.headers.get("HX-Request"):
            # htmx would swap the login page into a fragment: send the whole tab there instead.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"{reverse('account_login')}?{urlencode({'next': _htmx_page(request)})}"
            return response
        return None


def _htmx_page(request: HttpRequest) -> str:
    """The page the htmx request came from (its path only), else the requested path."""
    from urllib.parse import urlsplit

    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    if current.netloc == request.get_host() and current.path.startswith("/"):
        return current.path + (f"?{current.query}" if current.query else "")
    return request.get_full_path()
