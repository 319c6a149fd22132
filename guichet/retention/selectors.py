"""Reads of the retention schedule: the rules as administrators set them, worded for people.

load_schedule() -> Schedule     two queries, whatever the number of rules and procedures
latest_runs(limit) -> list[RetentionRun]
"""

from dataclasses import dataclass, field

from guichet.retention import durations, registry
from guichet.retention.models import RetentionOverride, RetentionRule, RetentionRun


@dataclass(frozen=True)
class OverrideLine:
    demarche_id: int
    demarche_title: str
    days: int
    action: str
    sentence: str


@dataclass(frozen=True)
class ScheduleLine:
    """One kind of data, for the public schedule and the register."""

    kind: registry.Kind
    days: int
    action: str
    duration: str
    sentence: str
    overrides: list[OverrideLine] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.kind.code

    @property
    def anchor(self) -> str:
        return "conservation-" + self.kind.code.replace(".", "-").replace("_", "-")


class Schedule:
    """Every registered kind with its duration: the administrators' value, else the default."""

    def __init__(self, rules: dict[str, RetentionRule], overrides: list[RetentionOverride]) -> None:
        self._rules = rules
        self._overrides = overrides
        self.lines: list[ScheduleLine] = []
        self._by_code: dict[str, ScheduleLine] = {}
        for kind in registry.kinds():
            days, action = self._values(kind)
            line = ScheduleLine(
                kind=kind,
                days=days,
                action=action,
                duration=durations.format_days(days),
                sentence=durations.sentence(counted_from=kind.counted_from, days=days, action=action),
                overrides=[
                    OverrideLine(
                        demarche_id=override.demarche_id,
                        demarche_title=override.demarche.title,
                        days=override.days,
                        action=override.action,
                        sentence=durations.sentence(
                            counted_from=kind.counted_from, days=override.days, action=override.action
                        ),
                    )
                    for override in overrides
                    if override.rule.code == kind.code
                ],
            )
            self.lines.append(line)
            self._by_code[kind.code] = line

    def _values(self, kind: registry.Kind) -> tuple[int, str]:
        rule = self._rules.get(kind.code)
        if rule is None:
            return kind.default_days, kind.default_action
        action = rule.action if rule.action in kind.actions else kind.default_action
        return max(rule.days, kind.min_days), action

    def line(self, code: str) -> ScheduleLine:
        try:
            return self._by_code[code]
        except KeyError:
            raise registry.UnknownKind(code) from None

    def sentence(self, code: str, *, demarche_id: int | None = None) -> str:
        """How this kind is kept; for a procedure with a duration of its own, that one."""
        if demarche_id is not None:
            for override in self._overrides:
                if override.demarche_id == demarche_id:
                    kind = registry.kind(override.rule.code)
                    return durations.sentence(
                        counted_from=kind.counted_from, days=override.days, action=override.action
                    )
        return self.line(code).sentence

    def policy(self, code: str) -> registry.Policy:
        line = self.line(code)
        return registry.Policy(
            code=code,
            days=line.days,
            action=line.action,
            overrides={
                override.demarche_id: (max(override.days, line.kind.min_days), override.action)
                for override in self._overrides
                if override.rule.code == code
            },
            overridden=frozenset(override.demarche_id for override in self._overrides),
        )


def line_of(code: str) -> ScheduleLine:
    """One kind's line, in one query (a page that states a single duration)."""
    return Schedule({rule.code: rule for rule in RetentionRule.objects.filter(code=code)}, []).line(code)


def load_schedule() -> Schedule:
    rules = {rule.code: rule for rule in RetentionRule.objects.all()}
    overrides = list(
        RetentionOverride.objects.select_related("rule", "demarche").order_by("demarche__title", "pk")
    )
    return Schedule(rules, overrides)


def latest_runs(limit: int = 10) -> list[RetentionRun]:
    return list(RetentionRun.objects.order_by("-started_at", "-pk")[:limit])


@dataclass(frozen=True)
class RegisterSection:
    code: str
    title: str
    intro: str
    entries: list[registry.Processing]

    @property
    def anchor(self) -> str:
        return f"traitements-{self.code}"


def processing_register(schedule: Schedule | None = None) -> list[RegisterSection]:
    """Every section of the register with its entries, each app's provider reading what is configured.

    A fixed number of queries: the schedule's two, and a few per section whatever its size.
    """
    schedule = schedule or load_schedule()
    return [
        RegisterSection(
            code=section.code,
            title=str(section.title),
            intro=str(section.intro),
            entries=section.provider(schedule),
        )
        for section in registry.sections()
    ]


def last_run() -> RetentionRun | None:
    return RetentionRun.objects.exclude(finished_at=None).order_by("-started_at", "-pk").first()
