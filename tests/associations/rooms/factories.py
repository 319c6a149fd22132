"""Factories and helpers of the rooms' tests: rooms with their hours, the service, associations, bookings
made through the services (never written by hand)."""

from datetime import date, datetime, time, timedelta

import factory
from django.conf import settings

from associations import services as association_services
from associations.rooms import services
from associations.rooms.models import OpeningHours, Room
from associations.rooms.schedule import PARIS
from guichet.accounts.models import AgentMembership
from tests.factories import ServiceFactory, UserFactory, make_agent, person_party


def vie_associative():
    return ServiceFactory(slug=settings.ASSOCIATIONS_SERVICE_SLUG, name="Vie associative")


def regie_service():
    return ServiceFactory(slug=settings.REGIE_SERVICE_SLUG, name="Régie unique")


def rooms_agent(**kwargs):
    """An agent of the vie associative service (not of the régie)."""
    return make_agent(vie_associative(), **kwargs)


def regie_agent(**kwargs):
    return make_agent(regie_service(), **kwargs)


def both_agent(**kwargs):
    """An agent of the vie associative service who is also one of the régie's."""
    agent = rooms_agent(**kwargs)
    AgentMembership.objects.create(user=agent, service=regie_service())
    return agent


_rna = iter(range(751_200_000, 751_999_999))


def association_of(president=None, *, name: str = "Les Amis du Parc", verified: bool = True, agent=None):
    """An association (verified by default) whose president is `president` (a new user if none)."""
    president = president or UserFactory()
    association = association_services.create_association(
        actor=president, name=name, rna=f"W{next(_rna)}", purpose="Animer le quartier."
    )
    if verified:
        association = association_services.verify_association(
            actor=agent or rooms_agent(), association=association
        )
    return association


def join(association, user, role: str = "member"):
    from guichet.accounts.models import PartyMembership

    PartyMembership.objects.create(user=user, party=association.party, role=role)
    return user


class RoomFactory(factory.django.DjangoModelFactory):
    """A room open every day from 08:00 to 23:00 (pass `hours=[(weekday, opens, closes), …]` to change)."""

    class Meta:
        model = Room
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Salle {n}")
    slug = factory.Sequence(lambda n: f"salle-{n}")
    capacity = 50
    association_hourly_cents = 0
    private_allowed = False
    private_hourly_cents = 0
    deposit_cents = 0
    needs_approval = True
    free_cancellation_days = 7

    @factory.post_generation
    def hours(self, create, extracted, **kwargs):
        if not create:
            return
        spans = extracted if extracted is not None else [(day, time(8), time(23)) for day in range(7)]
        OpeningHours.objects.bulk_create(
            [OpeningHours(room=self, weekday=day, opens=opens, closes=closes) for day, opens, closes in spans]
        )


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def request(
    actor,
    room,
    *,
    party=None,
    day: date,
    start=(18, 0),
    end=(20, 0),
    purpose="Réunion",
    attendees=10,
    now=None,
):
    """A one-off request through the service (for the actor themself unless `party`)."""
    return services.request_booking(
        actor=actor,
        room=room,
        party=party or person_party(actor),
        day=day,
        start=time(*start),
        end=time(*end),
        purpose=purpose,
        attendees=attendees,
        now=now,
    )


def confirmed(
    room, *, day: date, start=(18, 0), end=(20, 0), party=None, actor=None, agent=None, purpose="Réunion"
):
    """A confirmed booking of an association (a new one unless `party`), asked then approved."""
    if party is None:
        association = association_of(agent=agent)
        party, actor = association.party, association.created_by
    booking = request(actor, room, party=party, day=day, start=start, end=end, purpose=purpose)
    if booking.status != "confirmed":
        booking = services.approve_booking(actor=agent or rooms_agent(), booking=booking)
    return booking


def next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)
