"""What FranceConnect holds about a person, how it is exported and erased (personal-data registry)."""

from guichet.accounts import registry
from guichet.franceconnect.models import PERSON_FIELDS, FranceConnectIdentity


def export(user) -> dict:
    identity = FranceConnectIdentity.objects.filter(user=user).first()
    if identity is None:
        return {"identité_certifiée": None}
    values = {}
    for name in PERSON_FIELDS:
        value = getattr(identity, name)
        values[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return {"identité_certifiée": values}


def erase(user) -> None:
    """The certified identity goes entirely: nothing of it has to be kept once the account is erased."""
    FranceConnectIdentity.objects.filter(user=user).delete()


registry.declare(
    app_label="franceconnect",
    # The link to the account goes with the row.
    personal_fields={FranceConnectIdentity: (*PERSON_FIELDS, "user")},
    exporter=export,
    eraser=erase,
)
