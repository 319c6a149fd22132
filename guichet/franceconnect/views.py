"""FranceConnect's pages: start, callback, sign-up, link, and the logout through the provider.

Every page but the logout answers 404 while FranceConnect is off. Every refusal ends on the error
page (a French message, a way back to the ordinary login), logged by its code only, never a 500.
"""

import hmac
import logging
import secrets
from urllib.parse import urljoin

from allauth.account import app_settings as allauth_settings
from allauth.account.internal.flows.login import record_authentication
from allauth.account.internal.flows.reauthentication import resume_request
from allauth.account.utils import complete_signup, perform_login
from allauth.account.views import BaseReauthenticateView
from allauth.account.views import LogoutView as AllauthLogoutView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.accounts.forms import ConfirmForm
from guichet.franceconnect import flow, oidc, selectors, services
from guichet.franceconnect.exceptions import (
    EmailTaken,
    FlowError,
    FranceConnectError,
    NotThisIdentity,
    ProviderRefused,
    ProviderUnavailable,
    SignInCancelled,
    TokenRejected,
    WrongAccount,
)
from guichet.franceconnect.forms import SignupForm
from guichet.franceconnect.identity import CertifiedIdentity

logger = logging.getLogger(__name__)


def _config() -> oidc.Config:
    conf = oidc.config()
    if conf is None:
        raise Http404
    return conf


def _absolute(url_name: str) -> str:
    # The addresses registered with FranceConnect: from SITE_URL, never from the request's Host.
    return urljoin(settings.SITE_URL, reverse(url_name))


def callback_uri() -> str:
    return _absolute("franceconnect:callback")


def logout_return_uri() -> str:
    return _absolute("franceconnect:logout_return")


def _safe_next(request: HttpRequest, value: str | None) -> str:
    value = value or ""
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, request.is_secure()):
        return value
    return ""


def _trail(title: str) -> list[tuple[str, str]]:
    return [
        (_("Accueil"), reverse("portal:home")),
        (_("Se connecter"), reverse("account_login")),
        (title, ""),
    ]


def _refused(request: HttpRequest, error: FranceConnectError) -> HttpResponse:
    if isinstance(error, SignInCancelled):
        status = 200
    elif isinstance(error, ProviderUnavailable):
        status = 503
    else:
        status = 400
    logger.warning("FranceConnect sign-in refused: %s", error.code)
    return render(
        request,
        "franceconnect/error.html",
        {
            "message": error.message,
            "cancelled": isinstance(error, SignInCancelled),
            "trail": _trail(_("FranceConnect")),
        },
        status=status,
    )


@login_not_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """The button: to FranceConnect's authorization page, with a new state, nonce and PKCE challenge."""
    conf = _config()
    try:
        authorization = oidc.authorization_request(conf, redirect_uri=callback_uri())
    except FranceConnectError as error:
        return _refused(request, error)
    flow.remember_flow(request.session, authorization, next_url=_safe_next(request, request.POST.get("next")))
    return HttpResponseRedirect(authorization.url)


# The error codes of OAuth 2.0 (RFC 6749, 4.1.2.1) and OpenID Connect (Core, 3.1.2.6): only these reach
# the log as they are; the parameter is the browser's text, anything else is logged as "other".
PROVIDER_ERRORS = frozenset(
    {
        "invalid_request",
        "unauthorized_client",
        "unsupported_response_type",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
        "interaction_required",
        "login_required",
        "account_selection_required",
        "consent_required",
        "invalid_request_uri",
        "invalid_request_object",
        "request_not_supported",
        "request_uri_not_supported",
        "registration_not_supported",
    }
)


def _provider_error(code: str) -> FranceConnectError:
    if code == "access_denied":
        return SignInCancelled()
    return ProviderRefused(code=f"provider_{code if code in PROVIDER_ERRORS else 'other'}")


@login_not_required
@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """FranceConnect's answer: checked from end to end, then the account is signed in, linked, or made."""
    conf = _config()
    try:
        started = flow.take_flow(request.session, request.GET.get("state", ""))
        if request.GET.get("error"):
            raise _provider_error(request.GET["error"])
        code = request.GET.get("code", "")
        if not code:
            raise TokenRejected(code="code_missing")
        tokens = oidc.exchange_code(
            conf, code=code, code_verifier=started.code_verifier, redirect_uri=callback_uri()
        )
        id_claims = oidc.verify_id_token(
            conf, tokens.id_token, nonce=started.nonce, access_token=tokens.access_token
        )
        userinfo = oidc.fetch_userinfo(conf, access_token=tokens.access_token, sub=id_claims["sub"])
        identity = CertifiedIdentity.from_claims(id_claims, userinfo)
    except FranceConnectError as error:
        return _refused(request, error)
    if started.purpose == flow.REAUTHENTICATE:
        return _reauthenticated(request, identity, id_token=tokens.id_token, next_url=started.next_url)
    return _conclude(request, identity, id_token=tokens.id_token, next_url=started.next_url)


def _conclude(
    request: HttpRequest, identity: CertifiedIdentity, *, id_token: str, next_url: str
) -> HttpResponse:
    if request.user.is_authenticated:
        # Signed in already (the profile's "certify my identity"): this account is theirs.
        try:
            services.link_identity(actor=request.user, identity=identity)
        except FranceConnectError as error:
            return _refused(request, error)
        flow.remember_id_token(request.session, id_token)
        messages.success(request, _("Votre identité est certifiée par FranceConnect."))
        return redirect(next_url or "accounts:profile")
    known = selectors.identity_for_sub(identity.sub)
    if known is not None:
        return _sign_in(request, known.user, identity, id_token=id_token, next_url=next_url)
    account = selectors.active_account_with_email(identity.email)
    flow.keep_pending(
        request.session,
        identity,
        id_token=id_token,
        next_url=next_url,
        account_id=account.pk if account is not None else None,
    )
    return redirect("franceconnect:link" if account is not None else "franceconnect:signup")


def _sign_in(request: HttpRequest, user, identity: CertifiedIdentity, *, id_token: str, next_url: str):
    # allauth's own login: the session key rotates, the signals run (django-axes, the sign-in count, the
    # second factor's flag), an inactive account or an unconfirmed address is stopped as for a password.
    response = perform_login(
        request,
        user,
        email_verification=allauth_settings.EMAIL_VERIFICATION,
        redirect_url=next_url or None,
    )
    if request.user.is_authenticated:
        services.record_sign_in(actor=request.user, identity=identity)
        flow.remember_id_token(request.session, id_token)
    return response


class ReauthenticateView(BaseReauthenticateView):
    """Confirm a sensitive action through FranceConnect, for an account linked to it.

    One of the re-authentication methods (guichet.security.reauth): the only one of an account opened
    through FranceConnect, which has no password. The button starts a flow marked REAUTHENTICATE;
    FranceConnect asks the person to sign in again (prompt=login), and `callback` counts the
    confirmation only when the identity that comes back is the account's own.
    """

    form_class = ConfirmForm
    template_name = "franceconnect/reauthenticate.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _config()
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        try:
            authorization = oidc.authorization_request(_config(), redirect_uri=callback_uri())
        except FranceConnectError as error:
            return _refused(request=self.request, error=error)
        flow.remember_flow(
            self.request.session,
            authorization,
            next_url=self.get_next_url() or "",
            purpose=flow.REAUTHENTICATE,
        )
        return HttpResponseRedirect(authorization.url)


reauthenticate = require_http_methods(["GET", "POST"])(ReauthenticateView.as_view())


def _reauthenticated(
    request: HttpRequest, identity: CertifiedIdentity, *, id_token: str, next_url: str
) -> HttpResponse:
    """Back from FranceConnect with a confirmation: the action waiting for it goes on, as after a password."""
    if not request.user.is_authenticated:
        return _refused(request, FlowError())
    linked = selectors.identity_for_user(request.user)
    if linked is None or not hmac.compare_digest(linked.sub, identity.sub):
        return _refused(request, NotThisIdentity())
    services.record_sign_in(actor=request.user, identity=identity)
    record_authentication(request, request.user, method="franceconnect", reauthenticated=True)
    flow.remember_id_token(request.session, id_token)
    # allauth replays the action kept for the confirmation when `next` names it, read from the query.
    request.GET = QueryDict(urlencode({REDIRECT_FIELD_NAME: next_url}) if next_url else "")
    return resume_request(request) or redirect(next_url or "portal:dashboard")


def _no_pending(request: HttpRequest) -> HttpResponse:
    messages.info(
        request,
        _("Votre connexion avec FranceConnect a expiré. Recommencez depuis la page de connexion."),
    )
    return redirect("accounts:profile" if request.user.is_authenticated else "account_login")


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account from the certified identity: the e-mail and the terms of use."""
    _config()
    if request.user.is_authenticated:
        return redirect("portal:dashboard")
    pending = flow.pending(request.session)
    if pending is None:
        return _no_pending(request)
    form = SignupForm(request.POST or None, initial={"email": pending.identity.email})
    if request.method == "POST" and form.is_valid():
        try:
            user, _verified = services.create_account(
                identity=pending.identity,
                email=form.cleaned_data["email"],
                terms_accepted=form.cleaned_data["accept_terms"],
            )
        except EmailTaken as error:
            form.add_error("email", error.message)
        except FranceConnectError as error:
            flow.drop_pending(request.session)
            return _refused(request, error)
        else:
            flow.drop_pending(request.session)
            response = complete_signup(
                request,
                user,
                allauth_settings.EMAIL_VERIFICATION,
                pending.next_url or None,
            )
            if request.user.is_authenticated:
                flow.remember_id_token(request.session, pending.id_token)
            return response
    return render(
        request,
        "franceconnect/signup.html",
        {"form": form, "identity": pending.identity, "trail": _trail(_("Créer votre compte"))},
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest) -> HttpResponse:
    """An account has FranceConnect's e-mail: its owner signs in with the password, then links."""
    _config()
    pending = flow.pending(request.session)
    if pending is None:
        return _no_pending(request)
    if not request.user.is_authenticated:
        login_url = f"{reverse('account_login')}?{urlencode({'next': reverse('franceconnect:link')})}"
        return render(
            request,
            "franceconnect/link_sign_in.html",
            {
                "identity": pending.identity,
                "login_url": login_url,
                "form": ConfirmForm(),
                "trail": _trail(_("Lier FranceConnect à votre compte")),
            },
        )
    if pending.account_id != request.user.pk:
        # Signed in to another account than the one with FranceConnect's e-mail (a shared computer?):
        # the identity is not theirs to link here.
        flow.drop_pending(request.session)
        return _refused(request, WrongAccount())
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.link_identity(actor=request.user, identity=pending.identity)
        except FranceConnectError as error:
            flow.drop_pending(request.session)
            return _refused(request, error)
        flow.drop_pending(request.session)
        flow.remember_id_token(request.session, pending.id_token)
        messages.success(
            request, _("FranceConnect est lié à votre compte : votre identité est désormais certifiée.")
        )
        return redirect(pending.next_url or "accounts:profile")
    return render(
        request,
        "franceconnect/link_confirm.html",
        {"identity": pending.identity, "form": form, "trail": _trail(_("Lier FranceConnect à votre compte"))},
    )


@login_not_required
@require_POST
def cancel(request: HttpRequest) -> HttpResponse:
    """Forget the pending identity: nothing is linked nor created."""
    _config()
    flow.drop_pending(request.session)
    messages.info(request, _("Rien n'a été enregistré. Vous pouvez vous connecter autrement."))
    return redirect("portal:dashboard" if request.user.is_authenticated else "account_login")


class LogoutView(AllauthLogoutView):
    """allauth's logout; a session that came from FranceConnect ends there too (its end_session).

    It answers at allauth's own address (/compte/logout/, see urls.py), so that every "Se déconnecter"
    button goes through it. The local session is closed first, whatever the provider does next.
    """

    def post(self, *args, **kwargs) -> HttpResponse:
        conf = oidc.config()
        id_token = flow.id_token(self.request.session)
        if conf is None or id_token is None or not self.request.user.is_authenticated:
            return super().post(*args, **kwargs)
        next_url = self.get_next_url() or ""
        self.logout()
        state = secrets.token_urlsafe(32)
        try:
            url = oidc.end_session_url(
                conf, id_token=id_token, state=state, post_logout_redirect_uri=logout_return_uri()
            )
        except FranceConnectError as error:
            logger.warning("FranceConnect logout skipped: %s", error.code)
            url = None
        if url is None:
            return redirect(next_url or self.get_redirect_url())
        self.request.session[flow.LOGOUT_STATE_KEY] = {"state": state, "next": next_url}
        return HttpResponseRedirect(url)


logout = LogoutView.as_view()


@login_not_required
@require_GET
def logout_return(request: HttpRequest) -> HttpResponse:
    """Back from FranceConnect's logout: on to the page after logout (the state only tells it is ours)."""
    _config()
    expected = request.session.pop(flow.LOGOUT_STATE_KEY, None) or {}
    state = request.GET.get("state", "")
    ours = bool(expected.get("state")) and hmac.compare_digest(expected["state"], state)
    next_url = _safe_next(request, expected.get("next")) if ours else ""
    return redirect(next_url or resolve_url(settings.LOGOUT_REDIRECT_URL))
