"""What the "Mes données personnelles" pages read.

Like the portal's dashboard, this app sits on top of the others and reads their data (counts,
for the person to know what deleting their account does); it changes nothing of theirs but
through their services and the personal-data registry's erasers.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from associations.enums import BOARD_ROLES
from associations.rooms.enums import ACTIVE_STATUSES as ROOM_ACTIVE_STATUSES
from associations.rooms.models import Booking as RoomBooking
from associations.rooms.models import BookingSeries
from coffre.models import Document
from demarches.enums import DemarcheStatus, RequestStatus
from demarches.models import Demarche, Request
from famille.enums import ACTIVE_BOOKING_STATUSES
from famille.models import Booking as FamilyBooking
from famille.models import ChildHousehold, Household
from guichet.accounts.enums import PartyKind, PartyRole
from guichet.accounts.models import Party, PartyMembership
from guichet.accounts.services import is_agent
from guichet.notify.models import Notification
from guichet.privacy import tokens
from guichet.privacy.exceptions import ComeBackRefused, DeletionRefused
from guichet.privacy.models import DeletionRequest
from regie import selectors as regie_selectors

# The démarche of the catalogue through which a person exercises their other rights (the DPO's).
RIGHTS_DEMARCHE_SLUG = "exercer-mes-droits"


def pending_deletion(*, user) -> DeletionRequest | None:
    if not user.is_authenticated:
        return None
    return DeletionRequest.objects.pending().filter(user=user).first()


def deletion_for_token(*, token: str) -> DeletionRequest:
    """The pending deletion that the e-mail's link names; else ComeBackRefused."""
    deletion_id = tokens.deletion_id_from(token or "")
    deletion = (
        DeletionRequest.objects.pending().select_related("user").filter(pk=deletion_id).first()
        if deletion_id is not None
        else None
    )
    if deletion is None:
        raise ComeBackRefused()
    return deletion


def pending_deletion_by_id(*, deletion_id: int | None) -> DeletionRequest:
    """A pending deletion by id (from the session of a person who just proved their password)."""
    deletion = (
        DeletionRequest.objects.pending().select_related("user").filter(pk=deletion_id).first()
        if isinstance(deletion_id, int)
        else None
    )
    if deletion is None:
        raise ComeBackRefused()
    return deletion


def deletion_refusal(user) -> str:
    """Why this account may not be deleted online ("" when it may)."""
    if user.is_staff or user.is_superuser or is_agent(user):
        return DeletionRefused.default_message
    return ""


def rights_demarche() -> Demarche | None:
    """The DPO's procedure, when the catalogue has it and it is published."""
    return Demarche.objects.filter(slug=RIGHTS_DEMARCHE_SLUG, status=DemarcheStatus.PUBLISHED).first()


# What deleting the account does ----------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdFate:
    household_id: int
    name: str
    children: int
    other_adults: int
    # Bookings to come, cancelled with the account when nobody else is left to answer for them.
    bookings_to_cancel: int

    @property
    def only_adult(self) -> bool:
        return self.other_adults == 0


@dataclass(frozen=True)
class AssociationFate:
    party_id: int
    name: str
    role: str
    other_board_members: int

    @property
    def is_board_member(self) -> bool:
        return self.role in BOARD_ROLES

    @property
    def only_board_member(self) -> bool:
        return self.is_board_member and self.other_board_members == 0

    @property
    def role_label(self) -> str:
        return PartyRole(self.role).label


@dataclass(frozen=True)
class DeletionSummary:
    documents: int
    drafts: int
    notifications: int
    requests_kept: int
    invoices_kept: int
    room_bookings_to_cancel: int
    households: list[HouseholdFate]
    associations: list[AssociationFate]

    @property
    def family_bookings_to_cancel(self) -> int:
        return sum(fate.bookings_to_cancel for fate in self.households if fate.only_adult)


def _other_active_members(party_ref, user, roles) -> Subquery:
    return Coalesce(
        Subquery(
            PartyMembership.objects.filter(party=party_ref, role__in=roles, user__is_active=True)
            .exclude(user=user)
            .order_by()
            .values("party")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _count(queryset, field: str) -> Coalesce:
    return Coalesce(
        Subquery(
            queryset.order_by().values(field).annotate(n=Count("pk")).values("n"), output_field=IntegerField()
        ),
        0,
    )


def households_of(*, user, now: datetime) -> list[HouseholdFate]:
    today = timezone.localdate(now)
    households = (
        Household.objects.filter(party__memberships__user=user, party__memberships__role=PartyRole.GUARDIAN)
        .select_related("party")
        .annotate(
            children_count=_count(ChildHousehold.objects.filter(household=OuterRef("pk")), "household"),
            other_adults=_other_active_members(OuterRef("party"), user, [PartyRole.GUARDIAN]),
            upcoming=_count(
                FamilyBooking.objects.filter(
                    household=OuterRef("pk"), status__in=ACTIVE_BOOKING_STATUSES, session__date__gte=today
                ),
                "household",
            ),
        )
        .order_by("party__name", "pk")
    )
    return [
        HouseholdFate(
            household_id=household.pk,
            name=household.party.name,
            children=household.children_count,
            other_adults=household.other_adults,
            bookings_to_cancel=household.upcoming,
        )
        for household in households
    ]


def associations_of(*, user) -> list[AssociationFate]:
    memberships = (
        PartyMembership.objects.filter(user=user, party__kind=PartyKind.ASSOCIATION)
        .select_related("party")
        .annotate(other_board=_other_active_members(OuterRef("party"), user, list(BOARD_ROLES)))
        .order_by("party__name", "pk")
    )
    return [
        AssociationFate(
            party_id=membership.party_id,
            name=membership.party.name,
            role=membership.role,
            other_board_members=membership.other_board,
        )
        for membership in memberships
    ]


def upcoming_room_bookings(*, user, now: datetime):
    """The person's own room bookings still to come (one-off or dates of a weekly series)."""
    return RoomBooking.objects.filter(
        party__person=user, status__in=ROOM_ACTIVE_STATUSES, period__startswith__gt=now
    )


def family_bookings_to_cancel(*, household_id: int, now: datetime):
    """A household's bookings still to come (confirmed or waiting), soonest first."""
    return (
        FamilyBooking.objects.filter(
            household_id=household_id,
            status__in=ACTIVE_BOOKING_STATUSES,
            session__date__gte=timezone.localdate(now),
        )
        .select_related("session__activity", "household")
        .order_by("session__date", "pk")
    )


def upcoming_series(*, user, now: datetime):
    return BookingSeries.objects.filter(
        party__person=user,
        bookings__status__in=ROOM_ACTIVE_STATUSES,
        bookings__period__startswith__gt=now,
    ).distinct()


def deletion_summary(*, user, now: datetime | None = None) -> DeletionSummary:
    """What deleting this account would do, in counts (a fixed number of queries)."""
    now = now or timezone.now()
    own = Party.objects.filter(person=user)
    requests = Request.objects.filter(applicant__in=own).aggregate(
        drafts=Count("pk", filter=Q(status=RequestStatus.DRAFT)),
        kept=Count("pk", filter=~Q(status=RequestStatus.DRAFT)),
    )
    return DeletionSummary(
        documents=Document.objects.filter(owner__in=own).count(),
        drafts=requests["drafts"],
        requests_kept=requests["kept"],
        notifications=Notification.objects.filter(user=user).count(),
        invoices_kept=regie_selectors.invoices_for_user(user).filter(payer__in=own).count(),
        room_bookings_to_cancel=upcoming_room_bookings(user=user, now=now).count(),
        households=households_of(user=user, now=now),
        associations=associations_of(user=user),
    )
