"""The identity pivot FranceConnect certified, as the app handles it between the callback and the model."""

import re
from dataclasses import asdict, dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from guichet.franceconnect.exceptions import TokenRejected

GENDERS = {"male": _("Masculin"), "female": _("Féminin")}
FRANCE = "99100"  # INSEE's code of France among the countries of birth

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_COG_CODE = re.compile(r"^[0-9AB]{5}$")  # INSEE's geographic codes (Corsica: 2A, 2B)


def parse_birthdate(value) -> date | None:
    """FranceConnect's YYYY-MM-DD; None when a part is unknown (written 00) or the value is not a date."""
    match = _ISO_DATE.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _text(claims: dict, name: str, limit: int) -> str:
    value = claims.get(name)
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def _code(claims: dict, name: str) -> str:
    value = claims.get(name)
    value = value.strip().upper() if isinstance(value, str) else ""
    return value if _COG_CODE.match(value) else ""


class ShownIdentity:
    """What the pages show of an identity pivot, received (CertifiedIdentity) or kept (the model)."""

    given_name: str
    family_name: str
    gender: str
    birthcountry: str

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def gender_label(self) -> str:
        return str(GENDERS.get(self.gender, self.gender))

    @property
    def born_in_france(self) -> bool:
        return self.birthcountry == FRANCE


@dataclass(frozen=True)
class CertifiedIdentity(ShownIdentity):
    sub: str
    given_name: str
    family_name: str
    preferred_username: str = ""
    birthdate: date | None = None
    birthplace: str = ""
    birthcountry: str = ""
    gender: str = ""
    email: str = ""
    acr: str = ""

    @classmethod
    def from_claims(cls, id_claims: dict, userinfo: dict) -> "CertifiedIdentity":
        """From the verified ID token and userinfo; the identity pivot's names are required."""
        claims = {**userinfo, "sub": id_claims["sub"]}
        identity = cls(
            sub=id_claims["sub"],
            given_name=_text(claims, "given_name", 255),
            family_name=_text(claims, "family_name", 255),
            preferred_username=_text(claims, "preferred_username", 255),
            birthdate=parse_birthdate(claims.get("birthdate")),
            birthplace=_code(claims, "birthplace"),
            birthcountry=_code(claims, "birthcountry"),
            gender=_text(claims, "gender", 10),
            email=_text(claims, "email", 254).lower(),
            acr=_text(id_claims, "acr", 16),
        )
        if not (identity.given_name and identity.family_name):
            raise TokenRejected(code="identity_incomplete")
        return identity

    def to_session(self) -> dict:
        data = asdict(self)
        data["birthdate"] = self.birthdate.isoformat() if self.birthdate else None
        return data

    @classmethod
    def from_session(cls, data: dict) -> "CertifiedIdentity":
        data = dict(data)
        data["birthdate"] = date.fromisoformat(data["birthdate"]) if data.get("birthdate") else None
        return cls(**data)
