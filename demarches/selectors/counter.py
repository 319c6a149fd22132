"""What the agent's pages at the counter read, scoped to the agent's active services.

counter_demarches(*, user) -> QuerySet[Demarche]
citizen_by_email(*, actor, email) -> User | None      (audited)
counter_request_for_agent(*, user, pk) -> Request      (DoesNotExist for anyone else's)
counter_drafts(*, user) -> list[Request]
"""

from django.db.models import QuerySet

from demarches.enums import Channel, DemarcheKind, DemarcheStatus, RequestStatus
from demarches.models import Demarche, Request
from guichet import audit
from guichet.accounts.models import Party, Service, User

RECENT_DRAFTS = 20


def _services(user) -> QuerySet[Service]:
    return Service.objects.filter(agent_memberships__user=user, is_active=True)


def counter_demarches(*, user) -> QuerySet[Demarche]:
    """The procedures an agent may start at the counter: published online forms of their services that a
    private person may file."""
    return (
        Demarche.objects.filter(
            service__in=_services(user),
            status=DemarcheStatus.PUBLISHED,
            kind=DemarcheKind.FORM,
            for_person=True,
            current_revision__isnull=False,
        )
        .select_related("service")
        .order_by("service__name", "title", "pk")
    )


def citizen_by_email(*, actor, email: str) -> User | None:
    """The active account with exactly this address (letter case aside: addresses are unique that way),
    or None; nothing partial, so a search lists nobody. Each search is audited (ids, never the address)."""
    email = (email or "").strip()
    user = User.objects.with_email(email).filter(is_active=True).first() if email else None
    owner = Party.objects.filter(person=user).values_list("pk", flat=True).first() if user else None
    audit.record(
        actor=actor,
        action="demarches.counter.search",
        target=user,
        owner=owner,
        found=user is not None,
    )
    return user


def counter_request_for_agent(*, user, pk: int) -> Request:
    """A request filed at the counter for a procedure of one of the agent's services (DoesNotExist else)."""
    return (
        Request.objects.filter(channel=Channel.COUNTER, demarche__service__in=_services(user))
        .select_related("demarche__service", "revision", "applicant")
        .get(pk=pk)
    )


def counter_drafts(*, user) -> list[Request]:
    """The drafts this agent started at the counter and has not sent yet, most recent first."""
    return list(
        Request.objects.filter(
            channel=Channel.COUNTER,
            status=RequestStatus.DRAFT,
            created_by=user,
            demarche__service__in=_services(user),
        )
        .select_related("demarche", "applicant")
        .order_by("-updated_at", "-pk")[:RECENT_DRAFTS]
    )
