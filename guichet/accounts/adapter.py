from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from guichet.accounts.models import Town
from guichet.notify import services as notify_services
from guichet.security import reauth


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render in the request, send through Celery: the page never waits for the mail server."""
        # allauth's e-mails name the "site": it is the town, not django.contrib.sites' example.com.
        site = SimpleNamespace(name=Town.current().name, domain=urlsplit(settings.SITE_URL).netloc)
        ctx = {"request": allauth_context.request, "email": email, **context, "current_site": site}
        message = self.render_mail(template_prefix, email, ctx)
        notify_services.queue_account_email(message)

    def get_reauthentication_methods(self, user) -> list[dict]:
        """The password (allauth's page), and the authenticator's code for whoever has one.

        The first is where a sensitive action sends the user: the password, unless they have none.
        """
        from guichet.accounts import services

        methods = [
            {**method, "description": _("Avec mon mot de passe")}
            for method in super().get_reauthentication_methods(user)
            if method["id"] == "reauthenticate"
        ]
        if user.is_authenticated and services.has_second_factor(user):
            methods.append(
                {
                    "id": "totp",
                    "description": _("Avec un code de mon application d'authentification"),
                    "url": reverse("accounts:reauthenticate_code"),
                }
            )
        if user.is_authenticated:
            methods.extend(reauth.extra_methods(user))
        return methods
