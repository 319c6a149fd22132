"""Items and loans for the equipment tests, built through the equipment's own services."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import factory

from associations.equipment import services
from associations.equipment.enums import DeliveryMode
from associations.equipment.models import Item, Loan

PARIS = ZoneInfo("Europe/Paris")
# Monday 1 June 2026, 9:00 in Paris: "today" of most equipment tests (time-machine).
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=PARIS)
TODAY = NOW.date()


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Matériel {n}")
    unit_singular = factory.Sequence(lambda n: f"pièce {n}")
    unit_plural = factory.Sequence(lambda n: f"pièces {n}")
    stock = 10
    position = factory.Sequence(lambda n: n)

    class Params:
        chairs = factory.Trait(
            name="Chaise pliante", unit_singular="chaise", unit_plural="chaises", stock=200, position=1
        )
        tables = factory.Trait(
            name="Table pliante", unit_singular="table", unit_plural="tables", stock=40, position=2
        )
        barriers = factory.Trait(
            name="Barrière de police",
            unit_singular="barrière",
            unit_plural="barrières",
            stock=30,
            position=5,
            deliverable=False,
        )


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS)


def request(
    association,
    actor,
    quantities: dict,
    start: date,
    end: date | None = None,
    *,
    now: datetime = NOW,
    purpose: str = "Fête de quartier",
    **details,
) -> Loan:
    """A loan request as a member sends it (pick-up at the workshop unless told)."""
    details.setdefault("delivery_mode", DeliveryMode.PICKUP)
    return services.request_loan(
        actor=actor,
        association=association,
        start_date=start,
        end_date=end or start,
        quantities=quantities,
        purpose=purpose,
        now=now,
        **details,
    )


def handed_over(loan: Loan, agent, *, now: datetime = NOW) -> Loan:
    services.approve_loan(actor=agent, loan=loan, now=now)
    return services.hand_over_loan(actor=agent, loan=loan, now=now)


def returned(loan: Loan, agent, counts: dict[int, int], *, now: datetime = NOW) -> Loan:
    """Checked back in: {item id: how many back} (the lines not named come back whole)."""
    figures = {
        line.pk: services.ReturnCount(returned=counts.get(line.item_id, line.quantity))
        for line in loan.lines.all()
    }
    return services.record_return(actor=agent, loan=loan, counts=figures, now=now)
