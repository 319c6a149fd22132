"""Who may do what with equipment loans. Each function's docstring lists who may.

Selectors and services call these; views never decide alone. They build on `associations.perms`.
"""

from datetime import date

from associations import perms as association_perms
from associations.equipment.models import Loan
from associations.models import Association


def can_request_loan(user, association: Association) -> bool:
    """Ask to borrow equipment in the association's name: any member, once the vie associative
    service has verified the association."""
    return association_perms.can_request(user, association)


def can_cancel_loan(user, loan: Loan, today: date) -> bool:
    """Cancel a request or an accepted loan before its first day: any member of the association
    (even a suspended one's: giving the equipment back to others is always welcome)."""
    return association_perms.is_member(user, loan.association) and loan.is_cancellable(today)


def can_manage_loans(user) -> bool:
    """Decide, hand over and check back in: the agents of the vie associative service."""
    return association_perms.is_associations_agent(user)
