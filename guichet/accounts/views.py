import segno
from allauth.account.views import BaseReauthenticateView
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from guichet.accounts import selectors, services
from guichet.accounts.forms import ConfirmForm, ProfileForm, ReauthenticateTokenForm, TokenForm
from guichet.security.reauth import reauthentication_required


def _next_url(request: HttpRequest, default: str = "portal:dashboard") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator application; shows the backup codes once."""
    user = request.user
    if services.has_second_factor(user) and not user.is_verified():
        # Replacing a device requires the current one first: a password alone is not enough.
        return redirect("accounts:otp_verify")
    device = services.start_totp_enrolment(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.confirm_totp_enrolment(
                actor=user, device=device, token=form.cleaned_data["token"]
            )
        except services.SecondFactorError as error:
            form.add_error("token", error.message)
        else:
            device.refresh_from_db()
            otp_login(request, device)
            request.session[services.OTP_REQUIRED_SESSION_KEY] = True
            return render(
                request,
                "accounts/otp_codes.html",
                {"codes": codes, "next": _next_url(request), "first_time": True},
            )
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_code": segno.make(device.config_url, error="m").svg_data_uri(scale=5),
            "secret": selectors.totp_secret_for_display(device),
            "next": _next_url(request, ""),
        },
    )


@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not services.has_second_factor(request.user):
        return redirect("accounts:otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.verify_second_factor(user=request.user, token=form.cleaned_data["token"])
        except services.SecondFactorError as error:
            form.add_error("token", error.message)
        else:
            otp_login(request, device)
            # A new session key with the second factor too: one seen before it now opens nothing.
            request.session.cycle_key()
            return redirect(_next_url(request))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request, "")})


class ReauthenticateByCodeView(BaseReauthenticateView):
    """Confirm a sensitive action with the authenticator's code (or a backup code) instead of the password.

    allauth's page for the password (`account_reauthenticate`) offers this one as an alternative
    (AccountAdapter.get_reauthentication_methods); both replay the action waiting for them.
    """

    form_class = ReauthenticateTokenForm
    template_name = "accounts/reauthenticate_code.html"

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form) -> HttpResponse:
        from guichet.security.reauth import record_totp_reauthentication

        record_totp_reauthentication(self.request)
        return super().form_valid(form)


reauthenticate_code = require_http_methods(["GET", "POST"])(ReauthenticateByCodeView.as_view())


@require_http_methods(["GET"])
def security(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/security.html",
        {
            "has_second_factor": services.has_second_factor(request.user),
            "mandatory": services.requires_second_factor(request.user),
            "backup_codes_left": selectors.backup_codes_left(request.user),
            "form": ConfirmForm(),
        },
    )


@require_POST
def otp_backup_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = services.regenerate_backup_codes(actor=request.user)
    except services.SecondFactorError as error:
        messages.error(request, error.message)
        return redirect("accounts:security")
    return render(request, "accounts/otp_codes.html", {"codes": codes, "first_time": False})


@require_POST
@reauthentication_required
def otp_disable(request: HttpRequest) -> HttpResponse:
    try:
        services.disable_second_factor(actor=request.user)
    except services.SecondFactorError as error:
        messages.error(request, error.message)
    else:
        request.session[services.OTP_REQUIRED_SESSION_KEY] = False
        messages.success(request, _("La double authentification est désactivée."))
    return redirect("accounts:security")


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, instance=selectors.user_for_edit(user))
    if request.method == "POST" and form.is_valid():
        services.update_profile(
            actor=user, user=user, **{name: form.cleaned_data[name] for name in form.changed_data}
        )
        messages.success(request, _("Vos coordonnées sont enregistrées."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})
