"""Who may do what with the subsidies. Each function's docstring lists who may.

The association's side builds on associations.perms (members, the board, verified
associations); the back-office is the vie associative service's.
"""

from associations import perms as association_perms
from associations.models import Association


def can_manage_campaigns(user) -> bool:
    """Open and configure the campaigns (dates, envelope, score grid): administrators with the
    right to change campaigns (superusers have it)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_staff
        and user.has_perm("subsidies.change_campaign")
    )


def can_start(user, association: Association) -> bool:
    """Start a subsidy request for the association: any member, once the association is verified."""
    return association_perms.can_request(user, association)


def can_submit(user, association: Association) -> bool:
    """Send it: the board, and any member when the association lets them
    (associations.perms.can_submit_subsidy)."""
    return association_perms.can_submit_subsidy(user, association)


def can_file_report(user, association: Association) -> bool:
    """File the financial report of a granted subsidy: the board (it speaks for the accounts and opens
    the association's vault, where the report's document is)."""
    return association_perms.is_board_member(user, association)


def can_instruct(user) -> bool:
    """Score, give an opinion, record the committee's decision, check the financial reports: agents of
    the vie associative service (the campaigns' procedures belong to it)."""
    return association_perms.is_associations_agent(user)
