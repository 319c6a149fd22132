"""Every state change of the family app, one function per use case, by part:

- family: the family file (household, adults and invitations, children, documents, quotient familial);
- the other parts (enrolments and bookings, billing, attendance) add their modules below.

Callers import this package (`from famille import services`); each module's `__all__` is its
public interface, re-exported here (add yours with one import line and one `__all__` line).
"""

from famille.services import attendance, billing, bookings, enrolments, family, sessions
from famille.services.attendance import *  # noqa: F403 (re-exports attendance.__all__)
from famille.services.billing import *  # noqa: F403 (re-exports billing.__all__)
from famille.services.bookings import *  # noqa: F403 (re-exports bookings.__all__)
from famille.services.enrolments import *  # noqa: F403 (re-exports enrolments.__all__)
from famille.services.family import *  # noqa: F403 (re-exports family.__all__)
from famille.services.sessions import *  # noqa: F403 (re-exports sessions.__all__)

__all__ = [
    *family.__all__,
    *bookings.__all__,
    *enrolments.__all__,
    *sessions.__all__,
    *billing.__all__,
    *attendance.__all__,
]
