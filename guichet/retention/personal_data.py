"""What the retention app holds about a person: the administrator who last changed a rule, nothing else."""

from guichet.accounts import registry
from guichet.retention.models import RetentionOverride, RetentionRule, RetentionRun


def export(user) -> dict:
    return {
        "règles_modifiées": list(
            RetentionRule.objects.filter(updated_by=user).order_by("code").values_list("code", flat=True)
        )
    }


def erase(user) -> None:
    """Nothing to erase: a rule keeps the id of the administrator who last changed it, whose account
    itself is anonymised by accounts' eraser (the town's configuration stays as it was set)."""


registry.declare(
    app_label="retention",
    personal_fields={
        RetentionRule: ("updated_by",),
        RetentionOverride: (),
        # Counts per kind of data, never what was purged.
        RetentionRun: (),
    },
    exporter=export,
    eraser=erase,
    not_personal={
        RetentionRule: {"code": "The code of a kind of data in the retention schedule ('audit.events')."},
        RetentionRun: {
            "counts": "How many rows each kind of data lost in a run: counts, no person.",
            "errors": "Which kinds of data failed in a run, and the exception's class.",
        },
    },
)
