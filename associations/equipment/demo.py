"""Demo data of equipment loans (idempotent), through the services, on the associations' demo
(`associations.demo.demo_associations()`):

    the items: 200 folding chairs, 40 tables, 6 stands, 1 sound system, 30 barriers;
    Les Amis du Parc: a neighbourhood party last month, returned with two chairs damaged (a damage
        note), and a garden day next month, accepted (to be delivered);
    Basket Club: a tournament in three weeks, waiting for the agent's decision.
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from associations.equipment import services
from associations.equipment.enums import DeliveryMode, LoanStatus
from associations.equipment.models import Item, Loan, LoanLine
from associations.models import Association

ITEMS = [
    {
        "name": "Chaise pliante",
        "unit_singular": "chaise",
        "unit_plural": "chaises",
        "description": "Chaise pliante en plastique, empilable par 10.",
        "stock": 200,
        "max_per_loan": 150,
        "deliverable": True,
        "position": 10,
    },
    {
        "name": "Table pliante",
        "unit_singular": "table",
        "unit_plural": "tables",
        "description": "Table de 180 × 75 cm, 8 places, sur tréteaux pliants.",
        "stock": 40,
        "max_per_loan": None,
        "deliverable": True,
        "position": 20,
    },
    {
        "name": "Stand parapluie 3 × 3 m",
        "unit_singular": "stand",
        "unit_plural": "stands",
        "description": "Barnum à monter à deux en 10 minutes, avec ses lests.",
        "stock": 6,
        "max_per_loan": 4,
        "deliverable": True,
        "position": 30,
    },
    {
        "name": "Sonorisation portable",
        "unit_singular": "sonorisation",
        "unit_plural": "sonorisations",
        "description": "Enceinte sur batterie, deux micros sans fil, pour 200 personnes en plein air.",
        "stock": 1,
        "max_per_loan": None,
        "deliverable": False,
        "position": 40,
    },
    {
        "name": "Barrière de police",
        "unit_singular": "barrière",
        "unit_plural": "barrières",
        "description": "Barrière métallique de 2 m pour fermer une rue ou canaliser un public.",
        "stock": 30,
        "max_per_loan": None,
        "deliverable": True,
        "position": 50,
    },
]


def _items() -> dict[str, Item]:
    items = {}
    for spec in ITEMS:
        item, _created = Item.objects.get_or_create(name=spec["name"], defaults=spec)
        items[spec["unit_singular"]] = item
    return items


def _saturday(after: date) -> date:
    return after + timedelta(days=(5 - after.weekday()) % 7)


def _past_loan(*, demo, items, today: date, now) -> None:
    """Last month's neighbourhood party: requested, accepted, picked up, returned with damage.
    A loan in the past cannot be requested now: its rows are written as the services would have."""
    start = _saturday(today - timedelta(days=35))
    loan = Loan.objects.create(
        association=demo.parc,
        status=LoanStatus.RETURNED,
        start_date=start,
        end_date=start + timedelta(days=1),
        purpose="Fête de quartier du parc",
        delivery_mode=DeliveryMode.PICKUP,
        contact_name="Lucas Dupont",
        contact_phone="06 11 22 33 44",
        created_by=demo.president,
        created_at=now - timedelta(days=50),
        decided_at=now - timedelta(days=48),
        decided_by=demo.agent,
        handed_over_at=now - timedelta(days=35),
        handed_over_by=demo.agent,
        returned_at=now - timedelta(days=33),
        returned_by=demo.agent,
        return_note="Rendu propre et à l'heure, merci.",
    )
    LoanLine.objects.create(
        loan=loan,
        item=items["chaise"],
        quantity=80,
        returned_quantity=80,
        damaged_quantity=2,
        damage_note="Deux chaises au dossier fendu : à réparer à l'atelier.",
    )
    LoanLine.objects.create(loan=loan, item=items["table"], quantity=10, returned_quantity=10)


@transaction.atomic
def seed() -> None:
    from associations import demo as associations_demo

    if not Association.objects.filter(rna=associations_demo.PARC_RNA).exists():
        associations_demo.seed()
    demo = associations_demo.demo_associations()
    items = _items()
    if Loan.objects.filter(association__in=[demo.parc, demo.basket]).exists():
        return
    now = timezone.now()
    today = timezone.localdate(now)
    _past_loan(demo=demo, items=items, today=today, now=now)

    # Next month: the shared garden's open day, accepted, to be delivered to the park.
    garden_day = _saturday(today + timedelta(days=32))
    garden = services.request_loan(
        actor=demo.president,
        association=demo.parc,
        start_date=garden_day,
        end_date=garden_day,
        quantities={items["chaise"]: 60, items["table"]: 12, items["stand"]: 2},
        purpose="Journée portes ouvertes du jardin partagé",
        delivery_mode=DeliveryMode.DELIVERY,
        delivery_address="Parc municipal, entrée allée des Tilleuls, 77100 Villebelle",
        contact_name="Lucas Dupont",
        contact_phone="06 11 22 33 44",
        note="Livraison avant 9 h s'il vous plaît : l'installation commence à 9 h 30.",
        now=now,
    )
    services.approve_loan(actor=demo.agent, loan=garden, now=now)

    # In three weeks: the basket club's tournament, waiting for the agent's decision.
    tournament = _saturday(today + timedelta(days=21))
    services.request_loan(
        actor=demo.treasurer,
        association=demo.basket,
        start_date=tournament,
        end_date=tournament + timedelta(days=1),
        quantities={items["chaise"]: 120, items["barrière"]: 20, items["sonorisation"]: 1},
        purpose="Tournoi des jeunes au gymnase",
        delivery_mode=DeliveryMode.PICKUP,
        contact_name="Nadia Keller",
        contact_phone="06 55 44 33 22",
        now=now,
    )
