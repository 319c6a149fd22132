from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

admin.site.site_header = _("Administration du guichet")
admin.site.site_title = _("Administration du guichet")


@login_not_required
def admin_login(request):
    # One login page for everyone: allauth's, throttled, followed by the second factor.
    target = request.GET.get("next", "/admin/")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


urlpatterns = [
    # Probes and metrics of the process (guichet/ops): no language prefix, no login.
    path("", include("guichet.ops.urls")),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("", include("guichet.franceconnect.urls")),  # before allauth: it answers /compte/logout/
    path("compte/", include("allauth.urls")),
    # Visitors choose their language too, signed in or not.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("regie/", include("regie.urls")),
    path("", include("regie.urls_pages")),
    path("", include("coffre.urls")),
    path("", include("demarches.urls")),
    path("", include("famille.urls")),
    path("", include("associations.urls")),
    path("", include("guichet.accounts.urls")),
    path("", include("guichet.audit.urls")),
    path("", include("guichet.notify.urls")),
    path("", include("guichet.privacy.urls")),
    path("", include("guichet.portal.urls")),
]
