"""The "Mes données personnelles" card of Mon espace: no query."""

from django.utils.translation import gettext as _

from guichet.portal import dashboard


def privacy_card(user) -> dashboard.Card | None:
    if not user.is_authenticated:
        return None
    return dashboard.Card(title=_("Mes données personnelles"), template="privacy/card.html", order=90)


def register() -> None:
    dashboard.register("privacy.personal_data", privacy_card)
