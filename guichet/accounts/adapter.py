from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings

from guichet.accounts.models import Town
from guichet.notify import services as notify_services


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render in the request, send through Celery: the page never waits for the mail server."""
        # allauth's e-mails name the "site": it is the town, not django.contrib.sites' example.com.
        site = SimpleNamespace(name=Town.current().name, domain=urlsplit(settings.SITE_URL).netloc)
        ctx = {"request": allauth_context.request, "email": email, **context, "current_site": site}
        message = self.render_mail(template_prefix, email, ctx)
        notify_services.queue_account_email(message)
