"""Equipment loans: every state change, one function per use case.

Public API (keyword-only arguments, `actor` first; every refusal is an
`associations.exceptions.AssociationError` with a French `message`):

The association's members
    request_loan(actor, association, start_date, end_date, quantities, purpose, delivery_mode,
                 delivery_address, contact_name, contact_phone, note, now) -> Loan
        any member of a verified association (AssociationAccessDenied, AssociationNotVerified);
        LoanRefused (period, quantities, delivery), NotEnoughStock (what is left, item by item)
    cancel_loan(actor, loan, now) -> Loan
        any member, for a pending or accepted loan, before its first day (TransitionRefused)
The vie associative service (AssociationAccessDenied for anyone else)
    approve_loan(actor, loan, now) -> Loan                 pending → accepted (NotEnoughStock if the
                                                           stock was lowered since the request)
    refuse_loan(actor, loan, reason, now) -> Loan          pending → refused, with the reason
    hand_over_loan(actor, loan, now) -> Loan               accepted → handed over (delivered or picked up)
    record_return(actor, loan, counts, note, now) -> Loan  handed over / incomplete → returned or
                                                           incomplete (ReturnRefused)
    write_off_missing(actor, loan, now) -> Loan            incomplete → returned: the missing pieces are
                                                           lost, the items' stock goes down by as many

Never lent beyond the stock, under any concurrency: a request, and an approval, lock the rows of
its items (SELECT … FOR UPDATE, in primary-key order so that two requests sharing items never
deadlock), then count what the loans holding stock hold over the period, in the same
transaction: PostgreSQL's READ COMMITTED gives that count a snapshot taken after the lock, so it
sees every request committed before. A pending request holds its quantities until an agent
decides (`enums.HOLDING_STATUSES`); CHECK constraints keep each line's figures coherent.
Lock order everywhere: the loan row, then its items' rows; nothing locks an item then a loan.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from associations import perms as association_perms
from associations.enums import MEMBER_ROLES
from associations.equipment import perms
from associations.equipment.availability import day_label, period_label, shortage_message
from associations.equipment.enums import TRANSITIONS, DeliveryMode, LoanStatus
from associations.equipment.exceptions import (
    LoanRefused,
    NotEnoughStock,
    ReturnRefused,
    Shortage,
    TransitionRefused,
)
from associations.equipment.models import Item, Loan, LoanLine
from associations.equipment.selectors import left_for
from associations.exceptions import AssociationAccessDenied, AssociationNotVerified
from associations.models import Association
from guichet import audit
from guichet.accounts.models import User
from guichet.notify import services as notify

# The workshop prepares the equipment: it needs a few days' notice.
MIN_NOTICE_DAYS = 3
# A loan lasts at most two weeks (one event, set up and cleared away), asked for up to a year ahead.
MAX_LOAN_DAYS = 14
HORIZON_DAYS = 365

REQUEST_NOTIFICATION_KIND = "equipment_loan_requested"
DECISION_NOTIFICATION_KIND = "equipment_loan_decision"


# Helpers ------------------------------------------------------------------------------------------


def _clean(value: str) -> str:
    return " ".join((value or "").split())


def _today(now: datetime) -> date:
    return timezone.localdate(now)


def _check_agent(actor) -> None:
    if not perms.can_manage_loans(actor):
        raise AssociationAccessDenied()


def _lock_loan(loan: Loan) -> Loan:
    return Loan.objects.select_for_update(of=("self",)).select_related("association__party").get(pk=loan.pk)


def _lock_items(item_ids) -> dict[int, Item]:
    """The items' rows, locked in primary-key order (two requests sharing items never deadlock)."""
    return {item.pk: item for item in Item.objects.select_for_update().filter(pk__in=item_ids).order_by("pk")}


def _move(loan: Loan, to: str, *, refused: str) -> None:
    if to not in TRANSITIONS[loan.status]:
        raise TransitionRefused(refused)
    loan.status = to


def _agents() -> list[User]:
    return list(
        User.objects.filter(
            agent_memberships__service__slug=settings.ASSOCIATIONS_SERVICE_SLUG,
            agent_memberships__service__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def _members(association: Association) -> list[User]:
    return list(
        User.objects.filter(
            party_memberships__party_id=association.party_id,
            party_memberships__role__in=MEMBER_ROLES,
            is_active=True,
        ).order_by("pk")
    )


def check_period(*, start_date: date, end_date: date, today: date) -> None:
    """The rules of a loan's period, each refusal saying what to change."""
    if end_date < start_date:
        raise LoanRefused(_("La date de fin doit être le jour du début ou après."))
    if start_date < today + timedelta(days=MIN_NOTICE_DAYS):
        raise LoanRefused(
            _(
                "Demandez le matériel au moins %(days)s jours avant le premier jour du prêt : l'atelier "
                "municipal le prépare. Premier jour possible : %(first)s."
            )
            % {
                "days": MIN_NOTICE_DAYS,
                "first": day_label(today + timedelta(days=MIN_NOTICE_DAYS), with_year=True),
            }
        )
    if start_date > today + timedelta(days=HORIZON_DAYS):
        raise LoanRefused(_("Les prêts se demandent au plus un an à l'avance."))
    if (end_date - start_date).days + 1 > MAX_LOAN_DAYS:
        raise LoanRefused(
            _("Un prêt dure %(days)s jours au plus : raccourcissez la période.") % {"days": MAX_LOAN_DAYS}
        )


def _shortages(
    items: list[Item],
    wanted: Mapping[int, int],
    *,
    start: date,
    end: date,
    exclude: int | None,
    for_agent: bool,
    today: date,
) -> list[Shortage]:
    left = left_for(items=items, start=start, end=end, exclude_loan_id=exclude, today=today)
    return [
        Shortage(
            item_id=item.pk,
            left=left[item.pk],
            requested=wanted[item.pk],
            message=shortage_message(
                item=item,
                left=left[item.pk],
                requested=wanted[item.pk],
                start=start,
                end=end,
                for_agent=for_agent,
            ),
        )
        for item in items
        if wanted[item.pk] > left[item.pk]
    ]


# The association's members ------------------------------------------------------------------------


@transaction.atomic
def request_loan(
    *,
    actor: User,
    association: Association,
    start_date: date,
    end_date: date,
    quantities: Mapping,
    purpose: str,
    delivery_mode: str = DeliveryMode.PICKUP,
    delivery_address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Loan:
    """Ask to borrow `quantities` ({item or item id: how many}) from `start_date` to `end_date`
    (both included). The request holds its quantities at once, until an agent decides."""
    now = now or timezone.now()
    if not association_perms.is_member(actor, association):
        raise AssociationAccessDenied()
    if not perms.can_request_loan(actor, association):
        raise AssociationNotVerified()
    purpose = _clean(purpose)
    if not purpose:
        raise LoanRefused(_("Indiquez la manifestation pour laquelle vous empruntez ce matériel."))
    check_period(start_date=start_date, end_date=end_date, today=_today(now))
    wanted: dict[int, int] = {}
    for key, count in quantities.items():
        count = int(count or 0)
        if count < 0:
            raise LoanRefused(_("Une quantité ne peut pas être négative."))
        if count:
            wanted[int(getattr(key, "pk", key))] = count
    if not wanted:
        raise LoanRefused(_("Indiquez combien vous empruntez d'au moins un matériel."))
    if delivery_mode not in DeliveryMode.values:
        raise LoanRefused(_("Choisissez la livraison ou le retrait à l'atelier municipal."))
    delivery_address, contact_name, contact_phone = (
        _clean(delivery_address),
        _clean(contact_name),
        _clean(contact_phone),
    )
    if delivery_mode == DeliveryMode.DELIVERY:
        if not delivery_address:
            raise LoanRefused(_("Indiquez l'adresse où livrer le matériel."))
        if not contact_phone:
            raise LoanRefused(_("Indiquez le téléphone de la personne qui recevra le matériel."))
    else:
        delivery_address = ""

    items = _lock_items(wanted)
    if set(items) != set(wanted) or not all(item.is_active for item in items.values()):
        raise LoanRefused(
            _("Une partie de ce matériel n'est plus prêtée : reprenez la demande depuis le catalogue.")
        )
    ordered = sorted(items.values(), key=lambda item: (item.position, item.name, item.pk))
    for item in ordered:
        if item.max_per_loan is not None and wanted[item.pk] > item.max_per_loan:
            raise LoanRefused(
                _("On emprunte au plus %(most)s par prêt : vous en demandez %(requested)s.")
                % {"most": item.units(item.max_per_loan), "requested": wanted[item.pk]}
            )
    if delivery_mode == DeliveryMode.DELIVERY:
        undeliverable = [item.unit_plural for item in ordered if not item.deliverable]
        if undeliverable:
            raise LoanRefused(
                _(
                    "Ce matériel ne se livre pas, il se retire à l'atelier municipal : %(items)s. Choisissez "
                    "le retrait, ou faites une demande à part pour ce matériel."
                )
                % {"items": ", ".join(undeliverable)}
            )
    # Counted after the lock, in this transaction: every request committed before is seen.
    shortages = _shortages(
        ordered, wanted, start=start_date, end=end_date, exclude=None, for_agent=False, today=_today(now)
    )
    if shortages:
        raise NotEnoughStock(shortages)

    loan = Loan.objects.create(
        association=association,
        start_date=start_date,
        end_date=end_date,
        purpose=purpose,
        delivery_mode=delivery_mode,
        delivery_address=delivery_address,
        contact_name=contact_name,
        contact_phone=contact_phone,
        note=(note or "").strip(),
        created_by=actor,
        created_at=now,
    )
    LoanLine.objects.bulk_create(
        [LoanLine(loan=loan, item_id=item.pk, quantity=wanted[item.pk]) for item in ordered]
    )
    audit.record(
        actor=actor,
        action="equipment.loan.request",
        target=loan,
        owner=association.party_id,
        items=[item.pk for item in ordered],
        quantities=[wanted[item.pk] for item in ordered],
        delivery=delivery_mode,
    )
    notify.notify_many(
        users=_agents(),
        kind=REQUEST_NOTIFICATION_KIND,
        context={"loan": loan, "association": association, "period": period_label(start_date, end_date)},
        url=reverse("associations:agent_loan", args=[loan.pk]),
    )
    return loan


@transaction.atomic
def cancel_loan(*, actor: User, loan: Loan, now: datetime | None = None) -> Loan:
    """A member cancels a request or an accepted loan before its first day: its quantities are free again."""
    now = now or timezone.now()
    loan = _lock_loan(loan)
    if not association_perms.is_member(actor, loan.association):
        raise AssociationAccessDenied()
    if loan.status not in (LoanStatus.PENDING, LoanStatus.APPROVED):
        raise TransitionRefused(
            _("Ce prêt ne peut plus être annulé : il est « %(status)s ».")
            % {"status": loan.status_enum.label}
        )
    if not loan.is_cancellable(_today(now)):
        raise TransitionRefused(
            _(
                "Le prêt a commencé : il ne s'annule plus en ligne. Appelez le service de la vie "
                "associative pour rendre le matériel plus tôt."
            )
        )
    _move(loan, LoanStatus.CANCELLED, refused=_("Ce prêt ne peut plus être annulé."))
    loan.cancelled_at, loan.cancelled_by = now, actor
    loan.save(update_fields=["status", "cancelled_at", "cancelled_by", "updated_at"])
    audit.record(actor=actor, action="equipment.loan.cancel", target=loan, owner=loan.association.party_id)
    return loan


# The vie associative service -----------------------------------------------------------------------


def _notify_decision(loan: Loan) -> None:
    notify.notify_many(
        users=_members(loan.association),
        kind=DECISION_NOTIFICATION_KIND,
        context={
            "loan": loan,
            "approved": loan.status == LoanStatus.APPROVED,
            "association": loan.association,
            "period": period_label(loan.start_date, loan.end_date, with_year=True),
            "lines": list(loan.lines.select_related("item")),
        },
        url=reverse("associations:equipment_loan", args=[loan.pk]),
    )


@transaction.atomic
def approve_loan(*, actor: User, loan: Loan, now: datetime | None = None) -> Loan:
    """Accept a pending request. It already held its quantities; they are counted again under the
    items' locks, in case the stock was lowered since (the message then says what is left)."""
    now = now or timezone.now()
    _check_agent(actor)
    loan = _lock_loan(loan)
    _move(loan, LoanStatus.APPROVED, refused=_("Cette demande a déjà été décidée."))
    lines = list(loan.lines.all())
    items = _lock_items([line.item_id for line in lines])
    ordered = sorted(items.values(), key=lambda item: (item.position, item.name, item.pk))
    wanted = {line.item_id: line.quantity for line in lines}
    shortages = _shortages(
        ordered,
        wanted,
        start=loan.start_date,
        end=loan.end_date,
        exclude=loan.pk,
        for_agent=True,
        today=_today(now),
    )
    if shortages:
        raise NotEnoughStock(shortages)
    loan.decided_at, loan.decided_by = now, actor
    loan.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    audit.record(actor=actor, action="equipment.loan.approve", target=loan, owner=loan.association.party_id)
    _notify_decision(loan)
    return loan


@transaction.atomic
def refuse_loan(*, actor: User, loan: Loan, reason: str, now: datetime | None = None) -> Loan:
    """Refuse a pending request, with the reason the association reads; its quantities are free again."""
    now = now or timezone.now()
    _check_agent(actor)
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(_("Expliquez à l'association pourquoi : le motif du refus est obligatoire."))
    loan = _lock_loan(loan)
    _move(loan, LoanStatus.REFUSED, refused=_("Cette demande a déjà été décidée."))
    loan.refusal_reason = reason
    loan.decided_at, loan.decided_by = now, actor
    loan.save(update_fields=["status", "refusal_reason", "decided_at", "decided_by", "updated_at"])
    audit.record(actor=actor, action="equipment.loan.refuse", target=loan, owner=loan.association.party_id)
    _notify_decision(loan)
    return loan


@transaction.atomic
def hand_over_loan(*, actor: User, loan: Loan, now: datetime | None = None) -> Loan:
    """The equipment of an accepted loan was delivered, or picked up at the workshop."""
    now = now or timezone.now()
    _check_agent(actor)
    loan = _lock_loan(loan)
    _move(loan, LoanStatus.HANDED_OVER, refused=_("Seul un prêt accepté peut être remis."))
    loan.handed_over_at, loan.handed_over_by = now, actor
    loan.save(update_fields=["status", "handed_over_at", "handed_over_by", "updated_at"])
    audit.record(
        actor=actor,
        action="equipment.loan.hand_over",
        target=loan,
        owner=loan.association.party_id,
        delivery=loan.delivery_mode,
    )
    return loan


@dataclass(frozen=True)
class ReturnCount:
    """What the agent counted of one line at the return check, in total since the loan went out."""

    returned: int
    damaged: int = 0
    damage_note: str = ""


@transaction.atomic
def record_return(
    *,
    actor: User,
    loan: Loan,
    counts: Mapping[int, ReturnCount],
    note: str = "",
    now: datetime | None = None,
) -> Loan:
    """The return check: for each line (by its id), how many came back in all and how many of them are
    damaged, with the damage seen. All back: returned; else incomplete, and the missing pieces stay
    out of the stock (from the loan's start, with no end) until a later check counts them back or
    they are written off. A later check may only count more back, never fewer."""
    now = now or timezone.now()
    _check_agent(actor)
    loan = _lock_loan(loan)
    if loan.status not in (LoanStatus.HANDED_OVER, LoanStatus.INCOMPLETE):
        raise TransitionRefused(_("Ce prêt n'est pas sorti : il n'y a pas de retour à vérifier."))
    lines = list(loan.lines.select_for_update(of=("self",)).select_related("item").order_by("pk"))
    for line in lines:
        count = counts.get(line.pk)
        if count is None:
            raise ReturnRefused(
                _("Indiquez le nombre rendu pour : %(units)s.") % {"units": line.item.unit_plural}
            )
        returned, damaged = int(count.returned), int(count.damaged)
        most = line.quantity - line.lost_quantity
        if returned < 0 or damaged < 0:
            raise ReturnRefused(_("Une quantité ne peut pas être négative."))
        if returned > most:
            raise ReturnRefused(
                _("%(units)s : il en a été prêté %(lent)s, il ne peut pas en revenir %(returned)s.")
                % {"units": line.item.unit_plural.capitalize(), "lent": most, "returned": returned}
            )
        if returned < line.returned_quantity:
            raise ReturnRefused(
                _(
                    "%(units)s : %(before)s étaient déjà comptés rendus : indiquez le total rendu depuis le départ."
                )
                % {"units": line.item.unit_plural.capitalize(), "before": line.returned_quantity}
            )
        if damaged > returned:
            raise ReturnRefused(
                _("%(units)s : il y en a plus d'abîmés (%(damaged)s) que de rendus (%(returned)s).")
                % {"units": line.item.unit_plural.capitalize(), "damaged": damaged, "returned": returned}
            )
        damage_note = (count.damage_note or "").strip()
        if damaged and not damage_note:
            raise ReturnRefused(
                _("%(units)s : décrivez les dégâts constatés.")
                % {"units": line.item.unit_plural.capitalize()}
            )
        line.returned_quantity, line.damaged_quantity, line.damage_note = returned, damaged, damage_note
    LoanLine.objects.bulk_update(lines, ["returned_quantity", "damaged_quantity", "damage_note"])
    complete = all(line.missing == 0 for line in lines)
    _move(
        loan,
        LoanStatus.RETURNED if complete else LoanStatus.INCOMPLETE,
        refused=_("Ce prêt n'est pas sorti : il n'y a pas de retour à vérifier."),
    )
    loan.return_note = (note or "").strip()
    loan.returned_at, loan.returned_by = now, actor
    loan.save(update_fields=["status", "return_note", "returned_at", "returned_by", "updated_at"])
    audit.record(
        actor=actor,
        action="equipment.loan.return",
        target=loan,
        owner=loan.association.party_id,
        complete=complete,
        missing=[line.missing for line in lines],
        damaged=[line.damaged_quantity for line in lines],
    )
    return loan


@transaction.atomic
def write_off_missing(*, actor: User, loan: Loan, now: datetime | None = None) -> Loan:
    """The pieces still missing after the return check will not come back: they are recorded as lost
    and the items' stock goes down by as many (never below zero). The loan is then returned."""
    now = now or timezone.now()
    _check_agent(actor)
    loan = _lock_loan(loan)
    if loan.status != LoanStatus.INCOMPLETE:
        raise TransitionRefused(_("Il ne manque rien à ce prêt."))
    _move(loan, LoanStatus.RETURNED, refused=_("Il ne manque rien à ce prêt."))
    lines = list(loan.lines.select_for_update(of=("self",)).order_by("pk"))
    _lock_items([line.item_id for line in lines])
    lost = {}
    for line in lines:
        if line.missing:
            lost[line.item_id] = line.missing
            Item.objects.filter(pk=line.item_id).update(stock=Greatest(F("stock") - line.missing, 0))
            line.lost_quantity += line.missing
    LoanLine.objects.bulk_update(lines, ["lost_quantity"])
    loan.returned_at, loan.returned_by = now, actor
    loan.save(update_fields=["status", "returned_at", "returned_by", "updated_at"])
    audit.record(
        actor=actor,
        action="equipment.loan.write_off",
        target=loan,
        owner=loan.association.party_id,
        items=list(lost),
        lost=list(lost.values()),
    )
    return loan


__all__ = [
    "DECISION_NOTIFICATION_KIND",
    "HORIZON_DAYS",
    "MAX_LOAN_DAYS",
    "MIN_NOTICE_DAYS",
    "REQUEST_NOTIFICATION_KIND",
    "ReturnCount",
    "approve_loan",
    "cancel_loan",
    "check_period",
    "hand_over_loan",
    "record_return",
    "refuse_loan",
    "request_loan",
    "write_off_missing",
]
