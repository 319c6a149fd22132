from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guichet.notify import selectors, services
from guichet.notify.enums import Channel
from guichet.notify.forms import PreferencesForm
from guichet.notify.models import Notification


@require_http_methods(["GET"])
def notification_list(request: HttpRequest) -> HttpResponse:
    page_obj = selectors.notifications_page(user=request.user, page=request.GET.get("page"))
    return render(request, "notify/list.html", {"page_obj": page_obj})


@require_http_methods(["POST"])
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    services.mark_read(actor=request.user, notification=notification)
    messages.success(request, _("La notification est marquée comme lue."))
    return _back_to_list(request)


@require_http_methods(["POST"])
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(actor=request.user)
    messages.success(request, _("Toutes vos notifications sont marquées comme lues."))
    return redirect("notify:list")


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm.for_choice(
        email_enabled=selectors.email_enabled(user=request.user),
        data=request.POST if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        enabled = form.cleaned_data["email"]
        services.set_preference(actor=request.user, channel=Channel.EMAIL, enabled=enabled)
        if enabled:
            messages.success(request, _("Vous recevrez aussi vos notifications par courriel."))
        else:
            messages.success(request, _("Vous ne recevrez plus vos notifications par courriel."))
        return redirect("notify:preferences")
    return render(request, "notify/preferences.html", {"form": form})


def _back_to_list(request: HttpRequest) -> HttpResponse:
    """Back to the page of the list the user was on."""
    page = request.POST.get("page", "")
    url = reverse("notify:list")
    return redirect(f"{url}?page={page}" if page.isdigit() and page != "1" else url)
