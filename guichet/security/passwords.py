"""Passwords: Django's list of 20,000 common passwords, a French supplement, and their disguises.

With 12 characters at least, few entries of a list are long enough to match as they
are; what people type is a common word made longer: "Motdepasse2024!", "Azertyuiop123",
"P@ssw0rd-1234", "soleilsoleil". The password is therefore also checked once the
digits and symbols around it, the separators inside it and the usual look-alike
characters are undone, and as a word typed twice or more.
"""

import re
from pathlib import Path

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FRENCH_LIST = Path(__file__).resolve().parent / "common_passwords_fr.txt"
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SEPARATORS = re.compile(r"[\s._\-+*/\\|,;:]+")
_LOOK_ALIKES = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "3": "e", "1": "i", "!": "i", "$": "s", "5": "s", "7": "t"}
)


def disguises(password: str) -> set[str]:
    """The password and the common words it may be built on, lowercased."""
    base = password.lower().strip()
    found = {base, _EDGES.sub("", base)}
    found |= {_EDGES.sub("", word.translate(_LOOK_ALIKES)) for word in found}
    found |= {_SEPARATORS.sub("", word) for word in found}
    for word in list(found):
        # "soleilsoleil", "azerty-azerty": one word typed again.
        for size in range(3, len(word) // 2 + 1):
            if len(word) % size == 0 and word == word[:size] * (len(word) // size):
                found.add(word[:size])
                break
    return {word for word in found if word}


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with FRENCH_LIST.open(encoding="utf-8") as lines:
            self.passwords |= {
                line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
            }

    def validate(self, password: str, user=None) -> None:
        if not disguises(password).isdisjoint(self.passwords):
            raise ValidationError(self.get_error_message(), code="password_too_common")

    def get_error_message(self) -> str:
        return _(
            "Ce mot de passe est trop courant, même avec des chiffres ou des symboles ajoutés. "
            "Choisissez plutôt une phrase de plusieurs mots que vous retiendrez facilement."
        )

    def get_help_text(self) -> str:
        return _(
            "Il ne doit pas être un mot de passe courant, même déguisé avec des chiffres ou des symboles."
        )
