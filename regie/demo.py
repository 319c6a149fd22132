"""Demo data of the régie: invoices in every state for the demo parent and association member.

With `make demo` (REGIE_FAKE_PROVIDER on), "Payer" leads to the demo payment page
served by the portal itself (regie/fake_stripe.py), which sends the signed
webhook back and returns to the payment's page: the whole journey, offline.

Idempotent: each demo invoice carries a `source` of its own, and is made once.
Called by `manage.py seed_demo` after the accounts' demo data.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from guichet.accounts.models import Party, Service, User
from regie import services
from regie.enums import PaymentMethod
from regie.models import Invoice, Mandate
from regie.services import LineDraft

DEMO_DOMAIN = "demo.guichet.fr"


def _party(email: str) -> Party | None:
    return Party.objects.filter(person__email=email).first()


def _service(slug: str) -> Service | None:
    return Service.objects.filter(slug=slug).first()


def _invoice(key: str, *, payer: Party, lines: list[LineDraft], due_in_days: int) -> tuple[Invoice, bool]:
    source = f"regie.demo:{key}"
    existing = Invoice.objects.filter(source=source).first()
    if existing is not None:
        return existing, False
    due = timezone.localdate() + timedelta(days=max(due_in_days, 0))
    invoice = services.issue_invoice(actor=None, payer=payer, lines=lines, due_date=due, source=source)
    if due_in_days < 0:
        # Demo history only: an invoice issued two months ago, now past its due date.
        issued = timezone.localdate() + timedelta(days=due_in_days - 30)
        Invoice.objects.filter(pk=invoice.pk).update(
            issue_date=issued, due_date=timezone.localdate() + timedelta(days=due_in_days)
        )
        invoice.refresh_from_db()
    return invoice, True


@transaction.atomic
def seed() -> None:
    agent = User.objects.filter(email=f"agent.regie@{DEMO_DOMAIN}").first()
    parent = _party(f"parent@{DEMO_DOMAIN}")
    member = _party(f"association@{DEMO_DOMAIN}")
    enfance, education, associations = _service("enfance"), _service("education"), _service("vie-associative")
    if None in (agent, parent, member, enfance, education, associations):
        return  # the accounts' demo data is not there

    # The parent: one of each state.
    _invoice(
        "parent-canteen",
        payer=parent,
        lines=[
            LineDraft(
                label="Restauration scolaire — repas de novembre",
                service=education,
                unit_price_cents=345,
                quantity=20,
            )
        ],
        due_in_days=20,
    )
    partial, new = _invoice(
        "parent-after-school",
        payer=parent,
        lines=[
            LineDraft(
                label="Accueil périscolaire du soir — octobre",
                service=enfance,
                unit_price_cents=280,
                quantity=12,
            )
        ],
        due_in_days=10,
    )
    if new:
        services.record_counter_payment(
            actor=agent, payer=parent, invoices=[partial], method=PaymentMethod.CASH, amount_cents=1000
        )
    paid, new = _invoice(
        "parent-leisure-centre",
        payer=parent,
        lines=[
            LineDraft(
                label="Centre de loisirs — vacances de la Toussaint",
                service=enfance,
                unit_price_cents=1200,
                quantity=5,
            ),
            LineDraft(label="Sortie à la ferme pédagogique", service=enfance, unit_price_cents=450),
        ],
        due_in_days=5,
    )
    if new:
        services.record_counter_payment(
            actor=agent,
            payer=parent,
            invoices=[paid],
            method=PaymentMethod.CHEQUE,
            amount_cents=paid.total_cents,
        )
    _invoice(
        "parent-music-school",
        payer=parent,
        lines=[
            LineDraft(label="École de musique — premier trimestre", service=enfance, unit_price_cents=9500)
        ],
        due_in_days=-12,
    )
    cancelled, new = _invoice(
        "parent-nursery",
        payer=parent,
        lines=[
            LineDraft(
                label="Crèche — journée du 11 novembre (fermée)", service=enfance, unit_price_cents=3200
            )
        ],
        due_in_days=15,
    )
    if new:
        services.cancel_invoice(actor=agent, invoice=cancelled, reason="Structure fermée ce jour-là.")

    # The association member: a room to pay, one paid by transfer, one overdue.
    _invoice(
        "association-room",
        payer=member,
        lines=[
            LineDraft(
                label="Location de la salle des fêtes — 14 décembre",
                service=associations,
                unit_price_cents=15000,
            )
        ],
        due_in_days=25,
    )
    transfer, new = _invoice(
        "association-equipment",
        payer=member,
        lines=[
            LineDraft(label="Prêt de 40 chaises et 8 tables", service=associations, unit_price_cents=2500)
        ],
        due_in_days=8,
    )
    if new:
        services.record_counter_payment(
            actor=agent, payer=member, invoices=[transfer], method=PaymentMethod.TRANSFER, amount_cents=2500
        )
    # A SEPA mandate, so that the régisseur can generate a pain.008 file in the demo.
    if not Mandate.objects.filter(payer=member).exists():
        services.sign_mandate(
            actor=member.person,
            payer=member,
            holder_name="Lucas Dupont",
            iban="FR7630006000011234567890189",
            bic="AGRIFRPP",
        )
    _invoice(
        "association-cleaning",
        payer=member,
        lines=[
            LineDraft(label="Forfait ménage après manifestation", service=associations, unit_price_cents=6000)
        ],
        due_in_days=-40,
    )
