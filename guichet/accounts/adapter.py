from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from guichet.accounts.models import Town


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth's e-mails name the "site": it is the town, not django.contrib.sites' example.com.
        context.setdefault(
            "current_site",
            SimpleNamespace(name=Town.current().name, domain=urlsplit(settings.SITE_URL).netloc),
        )
        super().send_mail(template_prefix, email, context)
