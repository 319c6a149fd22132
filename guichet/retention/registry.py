"""What the town keeps, for how long, and why: the kinds of data with a retention rule, and the
processing activities of the public register. Each app registers its own in its AppConfig.ready().

Kinds of data (the retention schedule)
    register_kind(Kind(code=…, label=…, covers=…, counted_from=…, legal_basis=…, default_days=…,
                       purge=…))
    kinds() -> list[Kind]            in schedule order
    kind(code) -> Kind               (UnknownKind)

    A kind's `purge(*, policy, now)` applies its rule once: it deletes (or pseudonymises)
    what is past `policy.days`, in batches each committed on its own, and YIELDS how
    many items each committed batch purged, so that a failure half-way still reports
    what was done. Safe to run twice: a second run finds nothing more.

Processing activities (the register, RGPD article 30)
    register_section(Section(code=…, title=…, provider=…))
    sections() -> list[Section]

    A section's `provider(schedule)` returns its Processing entries, built with a fixed
    number of queries however many procedures or activities there are; `schedule`
    (guichet.retention.selectors.Schedule) words the retention of each.
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.functional import Promise

from guichet.retention.enums import RetentionAction


class UnknownKind(LookupError):
    pass


@dataclass(frozen=True)
class Policy:
    """A kind's rule as the administrators set it, handed to its purge function."""

    code: str
    days: int
    action: str = RetentionAction.DELETE
    # Per-procedure durations filed under this rule: demarche id → (days, action).
    overrides: Mapping[int, tuple[int, str]] = field(default_factory=dict)
    # Every procedure with a duration of its own, whichever rule it is filed under.
    overridden: frozenset[int] = frozenset()

    def cutoff(self, now: datetime, days: int | None = None) -> datetime:
        """What is older than this is past the rule."""
        return now - timedelta(days=self.days if days is None else days)

    def cutoff_date(self, today: date, days: int | None = None) -> date:
        return today - timedelta(days=self.days if days is None else days)


Purge = Callable[..., Iterator[int]]


@dataclass(frozen=True)
class Kind:
    code: str
    label: Promise | str
    # What it covers, and the starting point of the duration: "%(duration)s après la décision".
    covers: Promise | str
    counted_from: Promise | str
    legal_basis: Promise | str
    default_days: int
    purge: Purge
    # Below this the law (or the trigger of the audit log) does not let an administrator go.
    min_days: int = 1
    actions: tuple[str, ...] = (RetentionAction.DELETE,)
    default_action: str = RetentionAction.DELETE
    # Its rule takes durations per procedure (an inline in the admin).
    per_demarche: bool = False
    position: int = 100


_kinds: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    """Add (or replace) a kind of data; its rule row is created with the defaults if missing."""
    if kind.default_action not in kind.actions:
        raise ValueError(f"{kind.code}: the default action must be one of its actions")
    if kind.default_days < kind.min_days:
        raise ValueError(f"{kind.code}: the default duration is below its minimum")
    _kinds[kind.code] = kind
    return kind


def unregister_kind(code: str) -> None:
    _kinds.pop(code, None)


def kinds() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda kind: (kind.position, kind.code))


def kind(code: str) -> Kind:
    try:
        return _kinds[code]
    except KeyError:
        raise UnknownKind(code) from None


# The public register ------------------------------------------------------------------------


@dataclass(frozen=True)
class Processing:
    """One processing activity of the register (RGPD, art. 30): what, why, on what basis, for how long."""

    anchor: str
    name: str
    purpose: str
    legal_basis: str
    people: str
    data: Sequence[str]
    recipients: str
    retention: Sequence[str]
    service: str = ""
    # (label, url) of pages that say more (the vault's security page…).
    links: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class Section:
    code: str
    title: Promise | str
    provider: Callable[..., list[Processing]]
    intro: Promise | str = ""
    position: int = 100


_sections: dict[str, Section] = {}


def register_section(section: Section) -> Section:
    _sections[section.code] = section
    return section


def unregister_section(code: str) -> None:
    _sections.pop(code, None)


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda section: (section.position, section.code))


# Helpers for purge functions ---------------------------------------------------------------


def without_protected_references(queryset: models.QuerySet) -> models.QuerySet:
    """The rows no PROTECT foreign key points at: deleting them cannot fail on a reference.

    Such a row is another record's (a subsidy's request, a request's document):
    it follows that record's retention, not this one's. Hidden relations
    (related_name="+") count too, without importing the apps that hold them.
    """
    model = queryset.model
    for relation in model._meta.get_fields(include_hidden=True):
        if (
            relation.auto_created
            and not relation.concrete
            and relation.is_relation
            and getattr(relation, "on_delete", None) is models.PROTECT
        ):
            holders = relation.related_model._base_manager.filter(**{relation.field.name: OuterRef("pk")})
            queryset = queryset.exclude(Exists(holders))
    return queryset


def in_batches(
    queryset: models.QuerySet, handle: Callable[[list[int]], int], *, batch_size: int = 500
) -> Iterator[int]:
    """Hand the matching ids to `handle` a batch at a time, in id order, and yield what each purged.

    The cursor only moves forward, so a row `handle` leaves (locked, or refused)
    is not offered again in the same run.
    """
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return
        yield handle(ids)
        last = ids[-1]
        if len(ids) < batch_size:
            return
