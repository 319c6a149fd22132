"""One action on several requests ticked in the queue, each through the instruction services.

    apply_batch(*, actor, requests, action, assignee=None, label=None) -> BatchResult

Each request is changed in its own transaction, so that one refusal (a request
already decided, a colleague of another service) leaves the others done. Only
requests of the actor's active services are found; any other id is refused as
not found, like a page of someone else's request answers 404.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from demarches.enums import RequestStatus
from demarches.exceptions import DemarcheError, IllegalTransition
from demarches.models import Label, Request
from demarches.selectors import queues
from demarches.services.instruction import assign_request, change_status, set_labels
from demarches.services.requests import lock_request

ASSIGN_TO_ME = "assign_to_me"
ASSIGN = "assign"
ADD_LABEL = "add_label"
START_REVIEW = "start_review"
BATCH_ACTIONS = (ASSIGN_TO_ME, ASSIGN, ADD_LABEL, START_REVIEW)


@dataclass
class BatchResult:
    """What a batch did: the references updated, and each refusal with its reason (in French)."""

    updated: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)

    @property
    def reasons(self) -> dict[str, list[str]]:
        """The refusals grouped by reason, in the order first met: {reason: [reference, …]}."""
        grouped: dict[str, list[str]] = {}
        for reference, reason in self.refused:
            grouped.setdefault(reason, []).append(reference)
        return grouped


def _add_label(*, actor, request: Request, label: Label) -> None:
    request = lock_request(request)
    set_labels(actor=actor, request=request, labels=[*request.labels.all(), label])


def _start_review(*, actor, request: Request) -> None:
    request = lock_request(request)
    # Only the new arrivals: resuming a request that waits for the applicant is a decision of its own.
    if request.status != RequestStatus.SUBMITTED:
        raise IllegalTransition(
            _("Seule une demande déposée passe en instruction ; celle-ci est « %(status)s ».")
            % {"status": RequestStatus(request.status).label}
        )
    change_status(actor=actor, request=request, status=RequestStatus.IN_REVIEW)


def _apply(*, actor, request: Request, action: str, assignee, label: Label | None) -> None:
    if action == ASSIGN_TO_ME:
        assign_request(actor=actor, request=request, assignee=actor)
    elif action == ASSIGN:
        assign_request(actor=actor, request=request, assignee=assignee)
    elif action == ADD_LABEL:
        _add_label(actor=actor, request=request, label=label)
    else:
        _start_review(actor=actor, request=request)


def apply_batch(
    *,
    actor,
    requests: Iterable[Request | int],
    action: str,
    assignee=None,
    label: Label | None = None,
) -> BatchResult:
    """Apply `action` to each request of the actor's services, one transaction each.

    `assignee` is the colleague for ASSIGN, `label` the label for ADD_LABEL.
    """
    if action not in BATCH_ACTIONS:
        raise ValueError(f"Unknown batch action {action!r}.")
    if action == ASSIGN and assignee is None:
        raise ValueError("ASSIGN needs an assignee.")
    if action == ADD_LABEL and label is None:
        raise ValueError("ADD_LABEL needs a label.")
    ids = sorted({item.pk if isinstance(item, Request) else int(item) for item in requests})
    found = {
        request.pk: request
        for request in queues.requests_for_agent(user=actor).filter(pk__in=ids).only("pk", "reference")
    }
    result = BatchResult()
    for pk in ids:
        request = found.get(pk)
        if request is None:
            result.refused.append((_("n° %(id)d") % {"id": pk}, _("introuvable dans vos services")))
            continue
        try:
            with transaction.atomic():
                _apply(actor=actor, request=request, action=action, assignee=assignee, label=label)
        except DemarcheError as error:
            result.refused.append((request.reference, " ".join(error.messages)))
        except PermissionDenied:
            result.refused.append((request.reference, _("vous n'êtes pas agent de son service")))
        else:
            result.updated.append(request.reference)
    return result
