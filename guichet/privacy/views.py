"""Mon espace › Mes données personnelles: download, correct, delete; and coming back after a deletion.

The person's own data only: every page reads the signed-in user's, so there is no one else's object
to reach. Downloading everything and deleting the account ask for the password again
(re-authentication) before they run; the pages that follow a deletion are public (the account is
signed out by then) and rely on the e-mail's signed link, or on a sign-in just made.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coffre.exceptions import VaultError
from guichet.accounts.models import Town
from guichet.privacy import exports, selectors, services, signals
from guichet.privacy.enums import ComeBackChannel
from guichet.privacy.exceptions import ComeBackRefused, PrivacyError
from guichet.privacy.forms import ComeBackForm, DeleteAccountForm
from guichet.privacy.models import GRACE_PERIOD
from guichet.security.reauth import reauthentication_required


def _trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    trail = [
        (_("Mon espace"), reverse("portal:dashboard")),
        (_("Mes données personnelles"), reverse("privacy:home")),
    ]
    trail.extend(pages)
    trail[-1] = (trail[-1][0], "")
    return trail


def _day(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy/home.html",
        {
            "trail": _trail(),
            "rights_demarche": selectors.rights_demarche(),
            "town": Town.current(),
            "refusal": selectors.deletion_refusal(request.user),
        },
    )


@require_POST
@reauthentication_required
def export(request: HttpRequest) -> HttpResponse:
    """Everything about the person as a ZIP streamed to the browser."""
    try:
        archive = exports.export_personal_data(actor=request.user)
    except VaultError as error:
        messages.error(request, error.message)
        return redirect("privacy:home")
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, archive.filename)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def delete(request: HttpRequest) -> HttpResponse:
    """What deleting the account does, and the confirmation (the password is asked again)."""
    user = request.user
    refusal = selectors.deletion_refusal(user)
    if refusal and request.method == "POST":
        # An agent's or an administrator's account: the page says why, the form is not there.
        raise PermissionDenied(refusal)
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            deletion = services.request_deletion(actor=user)
        except PrivacyError as error:
            form.add_error(None, error.message)
        else:
            logout(request)
            messages.success(
                request,
                _(
                    "Votre compte est désactivé. Il sera supprimé définitivement le %(date)s. Un courriel "
                    "vous le confirme, avec le lien pour revenir d'ici là."
                )
                % {"date": _day(deletion.erase_after)},
            )
            return redirect("privacy:deleted")
    now = timezone.now()
    return render(
        request,
        "privacy/delete.html",
        {
            "trail": _trail((_("Supprimer mon compte"), "")),
            "form": form,
            "refusal": refusal,
            "summary": selectors.deletion_summary(user=user, now=now),
            "erase_on": now + GRACE_PERIOD,
        },
    )


@login_not_required
@require_GET
def deleted(request: HttpRequest) -> HttpResponse:
    """After the deletion: signed out, what happens next."""
    return render(request, "privacy/deleted.html", {"grace_days": GRACE_PERIOD.days})


@login_not_required
@require_http_methods(["GET", "POST"])
def come_back(request: HttpRequest) -> HttpResponse:
    """Cancel the deletion during the grace period: from the e-mail's link, or just after signing in."""
    form = ComeBackForm(
        request.POST if request.method == "POST" else None, initial={"jeton": request.GET.get("jeton", "")}
    )
    token = (request.POST if request.method == "POST" else request.GET).get("jeton", "")
    try:
        if token:
            deletion, through = selectors.deletion_for_token(token=token), ComeBackChannel.EMAIL_LINK
        else:
            deletion = selectors.pending_deletion_by_id(deletion_id=signals.come_back_deletion_id(request))
            through = ComeBackChannel.SIGN_IN
    except ComeBackRefused as error:
        return render(request, "privacy/come_back.html", {"refusal": error.message, "form": None})
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_deletion(deletion=deletion, through=through)
        except ComeBackRefused as error:
            return render(request, "privacy/come_back.html", {"refusal": error.message, "form": None})
        signals.forget_come_back(request)
        messages.success(
            request, _("La suppression est annulée : votre compte est rétabli. Vous pouvez vous connecter.")
        )
        return redirect("account_login")
    return render(
        request,
        "privacy/come_back.html",
        {
            "refusal": "",
            "form": form,
            "deletion": deletion,
            "signed_in_now": through == ComeBackChannel.SIGN_IN,
        },
    )
