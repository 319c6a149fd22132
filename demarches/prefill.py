"""The prefill registry: answers proposed from what the portal already knows.

A form field names a source by its key (FormField.prefill); when a request is
started, the engine asks the source for a value and puts it in the draft, where
the person can change it. Sources are registered at import time by the app that
knows the data, so other apps extend the list without demarches importing them:

    # famille/prefill.py, imported by famille's AppConfig.ready()
    from demarches import prefill

    def household_children(user, party):
        return [{"child.first_name": c.first_name, "child.birth_date": c.birth_date.isoformat()} for c in …]

    prefill.register("household.children", household_children, label=_("Enfants du foyer"))

A source returns the value as the engine stores it (see demarches.engine): a
string, True/False, an ISO date, cents for an amount, a dict for an address
({"street", "complement", "postal_code", "town"}), or None when it has nothing.
For a repeated group it returns a list of blocks; each field of the group takes
from a block the entry named by its own prefill key (or else by its field key).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from demarches.normalise import parse_phone

# The address token tells the engine to put address-line1, postal-code… on the parts of an address.
ADDRESS_AUTOCOMPLETE = "address"


@dataclass(frozen=True)
class PrefillSource:
    key: str
    label: str | Promise
    func: Callable[..., Any]
    # HTML autocomplete token for a field fed by this source (a field about the person themselves,
    # as RGAA 11.13 asks), or "" when the data is not the person's own.
    autocomplete: str = ""


_sources: dict[str, PrefillSource] = {}


def register(
    source_key: str, func: Callable[..., Any], *, label: str | Promise, autocomplete: str = ""
) -> None:
    """Add (or replace) a source: `func(user, party)` returns the proposed answer or None."""
    _sources[source_key] = PrefillSource(key=source_key, label=label, func=func, autocomplete=autocomplete)


def unregister(source_key: str) -> None:
    _sources.pop(source_key, None)


def get(source_key: str) -> PrefillSource | None:
    return _sources.get(source_key)


def sources() -> list[PrefillSource]:
    return sorted(_sources.values(), key=lambda source: source.key)


def choices() -> list[tuple[str, str]]:
    """The model field's choices: evaluated when the admin form is built, so late registrations show."""
    return [(source.key, f"{source.label} ({source.key})") for source in sources()]


def resolve(source_key: str, *, user, party) -> Any:
    """The source's value for this person and applicant party; None for an unknown source."""
    source = _sources.get(source_key)
    if source is None or user is None or not getattr(user, "is_authenticated", False):
        return None
    return source.func(user, party)


# The foundation's sources: the signed-in person's profile --------------------------------------


def _text(attribute: str) -> Callable[..., str | None]:
    def read(user, party) -> str | None:
        return getattr(user, attribute, "") or None

    return read


def _phone(user, party) -> str | None:
    if not user.phone:
        return None
    try:
        return parse_phone(user.phone)
    except ValueError:
        return user.phone  # shown as typed; the field asks for a valid number


def _address(user, party) -> dict | None:
    if not (user.address_line or user.postal_code or user.city):
        return None
    return {
        "street": user.address_line,
        "complement": user.address_complement,
        "postal_code": user.postal_code,
        "town": user.city,
    }


def _full_name(user, party) -> str | None:
    return user.get_full_name() or None


def _party_name(user, party) -> str | None:
    return party.name if party is not None else None


register("profile.first_name", _text("first_name"), label=_("Prénom"), autocomplete="given-name")
register("profile.last_name", _text("last_name"), label=_("Nom de famille"), autocomplete="family-name")
register("profile.full_name", _full_name, label=_("Prénom et nom"), autocomplete="name")
register("profile.email", _text("email"), label=_("Adresse électronique"), autocomplete="email")
register("profile.phone", _phone, label=_("Téléphone"), autocomplete="tel")
register("profile.address", _address, label=_("Adresse"), autocomplete=ADDRESS_AUTOCOMPLETE)
# The applicant party's name: the association's when filing for one, the household's…
register("applicant.name", _party_name, label=_("Nom du demandeur (association, foyer)"))
