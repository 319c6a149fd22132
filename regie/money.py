"""Euros shown the French way: 1 234,50 € (narrow no-break space for thousands)."""


def format_eur(cents: int | None) -> str:
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{euros:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0€"
