"""Every read of the family app the pages need, scoped and prefetched, by part:

- family: family files for parents and agents, `missing_documents`, `quotient_on`, the card;
- the other parts add their modules below.

Callers import this package (`from famille import selectors`); each module's `__all__` is its
public interface, re-exported here (add yours with one import line and one `__all__` line).
"""

from famille.selectors import attendance, billing, bookings, family
from famille.selectors.attendance import *  # noqa: F403 (re-exports attendance.__all__)
from famille.selectors.billing import *  # noqa: F403 (re-exports billing.__all__)
from famille.selectors.bookings import *  # noqa: F403 (re-exports bookings.__all__)
from famille.selectors.family import *  # noqa: F403 (re-exports family.__all__)

__all__ = [
    *family.__all__,
    *bookings.__all__,
    *billing.__all__,
    *attendance.__all__,
]
