"""Durations in plain French: "5 ans", "6 mois", "100 jours"."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guichet.retention.enums import RetentionAction


def format_days(days: int) -> str:
    """In years when it is a whole number of 365 days, in months of 30 days, else in days."""
    if days >= 365 and days % 365 == 0:
        years = days // 365
        return ngettext("%(count)d an", "%(count)d ans", years) % {"count": years}
    if days >= 30 and days % 30 == 0:
        months = days // 30
        return ngettext("%(count)d mois", "%(count)d mois", months) % {"count": months}
    return ngettext("%(count)d jour", "%(count)d jours", days) % {"count": days}


def sentence(*, counted_from: str, days: int, action: str) -> str:
    """ "Suppression au bout de 100 jours sans activité.", "Pseudonymisation 5 ans après la décision."."""
    when = str(counted_from) % {"duration": format_days(days)}
    if action == RetentionAction.PSEUDONYMISE:
        return _("Pseudonymisation %(when)s.") % {"when": when}
    return _("Suppression %(when)s.") % {"when": when}
