from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Administration du guichet")
admin.site.site_title = _("Administration du guichet")


@login_not_required
def admin_login(request):
    # One login page for everyone: allauth's, throttled, followed by the second factor.
    target = request.GET.get("next", "/admin/")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


urlpatterns = [
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("compte/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("guichet.accounts.urls")),
    path("", include("guichet.audit.urls")),
    path("", include("guichet.notify.urls")),
    path("", include("guichet.portal.urls")),
]
