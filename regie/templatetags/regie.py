from django import template

from regie.enums import PAYMENT_TONES, STATE_TONES
from regie.money import format_eur

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """12,50 € from 1250."""
    return format_eur(cents)


@register.filter
def state_tone(state: str) -> str:
    """The badge tone of an invoice's derived state (components/status_badge.html)."""
    return STATE_TONES.get(state, "neutral")


@register.filter
def payment_tone(status: str) -> str:
    return PAYMENT_TONES.get(status, "neutral")
