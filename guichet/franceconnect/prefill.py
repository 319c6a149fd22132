"""The démarches' prefill sources of the identity FranceConnect certified.

`franceconnect.*` read the certified identity only (None without one). The profile's name sources
(`profile.first_name`, `profile.last_name`, `profile.full_name`) are registered again here so that
they prefer the certified names when there are some, and read the profile otherwise: registering a
key again replaces the source (demarches.prefill.register), the label and autocomplete token stay.
"""

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from demarches import prefill
from guichet.franceconnect import selectors


def _certified(attribute: str) -> Callable:
    def read(user, party):
        identity = selectors.identity_for_user(user)
        value = getattr(identity, attribute, None) if identity is not None else None
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value or None

    return read


def _preferring_certified(key: str, certified: Callable, profile: Callable) -> None:
    """Replace the source `key` by one that prefers the certified value, keeping its label and token."""
    original = prefill.get(key)

    def read(user, party):
        return certified(user, party) or profile(user, party)

    if original is not None:
        prefill.register(key, read, label=original.label, autocomplete=original.autocomplete)


def _full_name(user, party):
    identity = selectors.identity_for_user(user)
    return identity.full_name if identity is not None else None


def _profile_attribute(attribute: str) -> Callable:
    def read(user, party):
        return getattr(user, attribute, "") or None

    return read


def _profile_full_name(user, party):
    return user.get_full_name() or None


# The pivot identity, certified: (claim, label, autocomplete token).
CERTIFIED_FIELDS = (
    ("given_name", _("Prénoms (certifiés par FranceConnect)"), "given-name"),
    ("family_name", _("Nom de naissance (certifié par FranceConnect)"), "family-name"),
    ("preferred_username", _("Nom d'usage (certifié par FranceConnect)"), "family-name"),
    ("birthdate", _("Date de naissance (certifiée par FranceConnect)"), "bday"),
    ("birthplace", _("Code INSEE de la commune de naissance (certifié par FranceConnect)"), ""),
    ("birthcountry", _("Code INSEE du pays de naissance (certifié par FranceConnect)"), ""),
)
for claim, label, autocomplete in CERTIFIED_FIELDS:
    prefill.register(f"franceconnect.{claim}", _certified(claim), label=label, autocomplete=autocomplete)

_preferring_certified("profile.first_name", _certified("given_name"), _profile_attribute("first_name"))
_preferring_certified("profile.last_name", _certified("family_name"), _profile_attribute("last_name"))
_preferring_certified("profile.full_name", _full_name, _profile_full_name)
