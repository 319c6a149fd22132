"""Kinds of notification: a code naming its templates, and whether its e-mail may be turned off.

The templates of kind `code` are notify/<code>/subject.txt, body.txt and body.html.
Other apps register their own kinds in their AppConfig.ready().
"""

import re
from dataclasses import dataclass

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class UnknownKind(LookupError):
    pass


@dataclass(frozen=True)
class Kind:
    code: str
    # Security messages (password changed, new sign-in…) are e-mailed whatever the user chose.
    mandatory: bool = False

    def template(self, name: str) -> str:
        return f"notify/{self.code}/{name}"


_kinds: dict[str, Kind] = {}


def register(code: str, *, mandatory: bool = False) -> Kind:
    if not _CODE.match(code):
        raise ValueError(f"A notification kind is a short snake_case code, not {code!r}.")
    kind = _kinds[code] = Kind(code=code, mandatory=mandatory)
    return kind


def get(code: str) -> Kind:
    try:
        return _kinds[code]
    except KeyError:
        raise UnknownKind(f"Unknown notification kind {code!r}: register it first.") from None


MESSAGE = register("message")
WELCOME = register("welcome")
SECURITY = register("security", mandatory=True)
