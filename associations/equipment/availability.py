"""The arithmetic of availability, apart from the database so that it can be checked on its own.

What a loan holds is a `Hold`: a quantity over a period of days, both ends included (an
incomplete return holds its missing pieces with no end). The availability of an item over a
period is its stock minus the `peak` of its holds: the most they hold together on any single
day of the period. Two loans that do not meet (1–3 June and 5–7 June) never add up, even when
both fall inside the period asked for.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext


@dataclass(frozen=True)
class Hold:
    start: date
    end: date | None  # None: from `start` on, with no end (pieces missing after a return check)
    quantity: int

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def peak(holds: Iterable[Hold], start: date, end: date) -> int:
    """The most held on any one day from `start` to `end` (both included): a sweep over the days
    where a hold begins or stops, so the cost follows the number of holds, not of days."""
    changes: dict[date, int] = defaultdict(int)
    for hold in holds:
        first = max(hold.start, start)
        last = end if hold.end is None else min(hold.end, end)
        if first > last or hold.quantity <= 0:
            continue
        changes[first] += hold.quantity
        if last < end:
            changes[last + timedelta(days=1)] -= hold.quantity
    running = highest = 0
    for day in sorted(changes):
        running += changes[day]
        highest = max(highest, running)
    return highest


def available(stock: int, holds: Iterable[Hold], start: date, end: date) -> int:
    """What is left to lend on every day of the period (never below zero)."""
    return max(stock - peak(holds, start, end), 0)


def day_label(day: date, *, with_year: bool = False) -> str:
    """ "12 juin", "1er juillet", "2 janvier 2027"."""
    # French writes the first of the month "1er".
    number = pgettext("first day of a month", "1er") if day.day == 1 else str(day.day)
    month = formats.date_format(day, "F")
    return f"{number} {month} {day.year}" if with_year else f"{number} {month}"


def period_label(start: date, end: date, *, with_year: bool = False) -> str:
    """ "le 12 juin", "du 12 au 14 juin", "du 30 juin au 2 juillet", "du 30 décembre 2026 au
    2 janvier 2027" (the year is shown when the period spans two, or when asked)."""
    with_year = with_year or start.year != end.year
    if start == end:
        return _("le %(day)s") % {"day": day_label(start, with_year=with_year)}
    if (start.year, start.month) == (end.year, end.month):
        first = pgettext("first day of a month", "1er") if start.day == 1 else str(start.day)
        return _("du %(first)s au %(last)s") % {"first": first, "last": day_label(end, with_year=with_year)}
    return _("du %(first)s au %(last)s") % {
        "first": day_label(start, with_year=with_year),
        "last": day_label(end, with_year=with_year),
    }


def shortage_message(
    *, item, left: int, requested: int, start: date, end: date, for_agent: bool = False
) -> str:
    """ "Il reste 4 chaises disponibles du 12 au 14 juin : vous en demandez 10." (to an agent
    deciding: "… : cette demande en compte 10.")"""
    values = {
        "left": left,
        "unit": item.unit_singular if left == 1 else item.unit_plural,
        "units": item.unit_plural,
        "period": period_label(start, end),
        "requested": requested,
    }
    if for_agent:
        if left <= 0:
            return (
                _(
                    "Il ne reste plus de %(units)s disponibles %(period)s : cette demande en compte %(requested)s."
                )
                % values
            )
        return (
            ngettext(
                "Il reste %(left)s %(unit)s disponible %(period)s : cette demande en compte %(requested)s.",
                "Il reste %(left)s %(unit)s disponibles %(period)s : cette demande en compte %(requested)s.",
                left,
            )
            % values
        )
    if left <= 0:
        return (
            _("Il ne reste plus de %(units)s disponibles %(period)s : vous en demandez %(requested)s.")
            % values
        )
    return (
        ngettext(
            "Il reste %(left)s %(unit)s disponible %(period)s : vous en demandez %(requested)s.",
            "Il reste %(left)s %(unit)s disponibles %(period)s : vous en demandez %(requested)s.",
            left,
        )
        % values
    )
