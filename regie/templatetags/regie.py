from django import template

from regie.money import format_eur

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """12,50 € from 1250."""
    return format_eur(cents)
