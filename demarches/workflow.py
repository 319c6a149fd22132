"""The one table of a request's allowed status moves, and who may make each.

    Brouillon ──submit──► Déposée ──► En cours d'instruction ◄──► En attente de compléments
                              │                 │                          │
                              └────────► Acceptée / Refusée / Classée sans suite ◄┘
                                                ▲                 │
                                                └──── reopen ─────┘ (a manager of the service)

The applicant makes two kinds of moves: answering a request for more
information (En attente de compléments → En cours d'instruction) and
withdrawing (any status in progress → Classée sans suite). The service (its
agents) makes every move of a request sent; submitting a draft is
`submit_request`'s. Only a manager of the service reopens a decided request
(back to En cours d'instruction).
"""

from demarches.enums import RequestStatus as S

ALLOWED: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.AWAITING_INFORMATION, S.ACCEPTED, S.REFUSED, S.CLOSED}),
    S.IN_REVIEW: frozenset({S.AWAITING_INFORMATION, S.ACCEPTED, S.REFUSED, S.CLOSED}),
    S.AWAITING_INFORMATION: frozenset({S.IN_REVIEW, S.ACCEPTED, S.REFUSED, S.CLOSED}),
    S.ACCEPTED: frozenset({S.IN_REVIEW}),
    S.REFUSED: frozenset({S.IN_REVIEW}),
    S.CLOSED: frozenset({S.IN_REVIEW}),
}

# (from, to) moves the applicant makes; the service makes the others (but submitting).
BY_APPLICANT: frozenset[tuple[str, str]] = frozenset(
    {
        (S.AWAITING_INFORMATION, S.IN_REVIEW),
        (S.SUBMITTED, S.CLOSED),
        (S.IN_REVIEW, S.CLOSED),
        (S.AWAITING_INFORMATION, S.CLOSED),
    }
)
# Reopening a decided request: a manager of the service only.
BY_MANAGER: frozenset[tuple[str, str]] = frozenset(
    (source, S.IN_REVIEW) for source in (S.ACCEPTED, S.REFUSED, S.CLOSED)
)
# The service makes every other move of a request sent (closing one too, when nobody answers).
BY_SERVICE: frozenset[tuple[str, str]] = frozenset(
    (source, target)
    for source, targets in ALLOWED.items()
    for target in targets
    if source != S.DRAFT and (source, target) not in BY_MANAGER
)
# A status the service moves to must be explained to the applicant.
NEEDS_MOTIVATION = frozenset({S.AWAITING_INFORMATION, S.REFUSED, S.CLOSED})
WITHDRAWABLE = frozenset({S.SUBMITTED, S.IN_REVIEW, S.AWAITING_INFORMATION})
# Messages are exchanged while the request is being processed.
OPEN_FOR_MESSAGES = WITHDRAWABLE


def is_allowed(source: str, target: str) -> bool:
    return target in ALLOWED.get(source, frozenset())


def applicant_may(source: str, target: str) -> bool:
    return (source, target) in BY_APPLICANT


def service_may(source: str, target: str) -> bool:
    return (source, target) in BY_SERVICE


def manager_may(source: str, target: str) -> bool:
    """A manager makes every move an agent makes, and reopens."""
    return (source, target) in BY_SERVICE or (source, target) in BY_MANAGER


def service_targets(source: str, *, manager: bool) -> list[str]:
    """The statuses an agent (or a manager) may move a request in `source` to, in the table's order."""
    allowed = manager_may if manager else service_may
    return [target for target in S.values if target in ALLOWED.get(source, ()) and allowed(source, target)]
