"""The equipment loans' services: requests that hold stock, refusals that say what is left, the
agents' decisions, hand-over, the return check and write-off, with their audit and notifications."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from associations import services as association_services
from associations.equipment import selectors, services
from associations.equipment.enums import DeliveryMode, LoanStatus
from associations.equipment.exceptions import LoanRefused, NotEnoughStock, ReturnRefused, TransitionRefused
from associations.equipment.models import Item, Loan, LoanLine
from associations.exceptions import AssociationAccessDenied, AssociationNotVerified
from guichet.audit.models import AuditEvent
from guichet.notify.models import Notification
from tests.associations.equipment.factories import NOW, at, handed_over, request, returned
from tests.associations.factories import add_member, make_association
from tests.factories import ServiceFactory, UserFactory, make_agent

JUNE_12, JUNE_14 = date(2026, 6, 12), date(2026, 6, 14)


def left(item: Item, start: date, end: date | None = None) -> int:
    item.refresh_from_db()
    return selectors.left_for(items=[item], start=start, end=end or start)[item.pk]


# Requests -------------------------------------------------------------------------------------------


def test_a_request_holds_its_quantities_at_once_and_is_audited(world):
    loan = request(
        world.association,
        world.member,
        {world.chairs: 40, world.tables.pk: 6},
        JUNE_12,
        JUNE_14,
        contact_name="  Lucas   Dupont ",
        note="Avant 9 h.",
    )

    loan.refresh_from_db()
    assert loan.status == LoanStatus.PENDING
    assert (loan.created_by, loan.contact_name, loan.note) == (world.member, "Lucas Dupont", "Avant 9 h.")
    assert sorted(loan.lines.values_list("item__unit_plural", "quantity")) == [("chaises", 40), ("tables", 6)]
    assert (left(world.chairs, JUNE_12, JUNE_14), left(world.tables, JUNE_12, JUNE_14)) == (160, 34)
    event = AuditEvent.objects.get(action="equipment.loan.request")
    assert (event.target_id, event.owner_party_id) == (str(loan.pk), world.association.party_id)
    assert event.details["quantities"] == [40, 6]


def test_a_request_beyond_what_is_left_says_exactly_what_is_left(world):
    request(world.other_association, world.other_president, {world.chairs: 196}, date(2026, 6, 13))

    with pytest.raises(NotEnoughStock) as refusal:
        request(world.association, world.president, {world.chairs: 10, world.tables: 2}, JUNE_12, JUNE_14)

    assert refusal.value.message == "Il reste 4 chaises disponibles du 12 au 14 juin : vous en demandez 10."
    assert [(s.item_id, s.left, s.requested) for s in refusal.value.shortages] == [(world.chairs.pk, 4, 10)]
    assert not Loan.objects.filter(association=world.association).exists()


def test_loans_that_only_touch_both_get_the_whole_stock(world):
    request(world.association, world.president, {world.chairs: 200}, JUNE_12, JUNE_14)
    request(
        world.other_association,
        world.other_president,
        {world.chairs: 200},
        date(2026, 6, 15),
        date(2026, 6, 16),
    )

    with pytest.raises(NotEnoughStock, match="Il ne reste plus de chaises disponibles le 14 juin"):
        request(world.other_association, world.other_president, {world.chairs: 1}, JUNE_14)


def test_loans_inside_the_period_that_do_not_meet_do_not_add_up(world):
    request(world.association, world.president, {world.chairs: 150}, date(2026, 6, 5), date(2026, 6, 7))
    request(world.association, world.president, {world.chairs: 150}, date(2026, 6, 9), date(2026, 6, 11))

    loan = request(
        world.other_association,
        world.other_president,
        {world.chairs: 50},
        date(2026, 6, 5),
        date(2026, 6, 11),
    )

    assert loan.status == LoanStatus.PENDING
    assert left(world.chairs, date(2026, 6, 5), date(2026, 6, 11)) == 0
    assert left(world.chairs, date(2026, 6, 8)) == 150


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 6, 3), date(2026, 6, 3), "au moins 3 jours avant"),
        (date(2026, 5, 20), date(2026, 5, 21), "au moins 3 jours avant"),
        (date(2026, 6, 10), date(2026, 6, 9), "La date de fin doit être le jour du début ou après."),
        (date(2026, 6, 10), date(2026, 6, 24), "Un prêt dure 14 jours au plus"),
        (date(2027, 6, 10), date(2027, 6, 11), "au plus un an à l'avance"),
    ],
)
def test_a_period_outside_the_rules_is_refused(world, start, end, message):
    with pytest.raises(LoanRefused, match=message):
        request(world.association, world.president, {world.chairs: 1}, start, end)


def test_the_first_possible_day_is_three_days_ahead(world):
    with pytest.raises(LoanRefused, match="Premier jour possible : 4 juin 2026"):
        request(world.association, world.president, {world.chairs: 1}, date(2026, 6, 3))
    assert request(world.association, world.president, {world.chairs: 1}, date(2026, 6, 4)).pk


def test_a_request_without_quantities_or_purpose_or_with_negative_ones_is_refused(world):
    with pytest.raises(LoanRefused, match="au moins un matériel"):
        request(world.association, world.president, {world.chairs: 0}, JUNE_12)
    with pytest.raises(LoanRefused, match="négative"):
        request(world.association, world.president, {world.chairs: -2, world.tables: 1}, JUNE_12)
    with pytest.raises(LoanRefused, match="Indiquez la manifestation"):
        request(world.association, world.president, {world.chairs: 1}, JUNE_12, purpose="  ")


def test_more_than_the_most_per_loan_is_refused(world):
    world.chairs.max_per_loan = 150
    world.chairs.save()
    with pytest.raises(LoanRefused, match="On emprunte au plus 150 chaises par prêt : vous en demandez 160."):
        request(world.association, world.president, {world.chairs: 160}, JUNE_12)


def test_a_delivery_needs_an_address_a_phone_and_deliverable_items(world):
    with pytest.raises(LoanRefused, match="l'adresse où livrer"):
        request(
            world.association,
            world.president,
            {world.chairs: 10},
            JUNE_12,
            delivery_mode=DeliveryMode.DELIVERY,
        )
    with pytest.raises(LoanRefused, match="téléphone"):
        request(
            world.association,
            world.president,
            {world.chairs: 10},
            JUNE_12,
            delivery_mode=DeliveryMode.DELIVERY,
            delivery_address="Parc municipal",
        )
    with pytest.raises(LoanRefused, match="ne se livre pas, il se retire à l'atelier municipal : barrières"):
        request(
            world.association,
            world.president,
            {world.chairs: 10, world.barriers: 5},
            JUNE_12,
            delivery_mode=DeliveryMode.DELIVERY,
            delivery_address="Parc municipal",
            contact_phone="06 11 22 33 44",
        )
    loan = request(
        world.association,
        world.president,
        {world.barriers: 5},
        JUNE_12,
        delivery_address="ignorée pour un retrait",
    )
    assert loan.delivery_address == ""


def test_an_item_taken_out_of_the_catalogue_cannot_be_requested(world):
    world.tables.is_active = False
    world.tables.save()
    with pytest.raises(LoanRefused, match="n'est plus prêtée"):
        request(world.association, world.president, {world.tables: 1}, JUNE_12)


def test_only_members_of_a_verified_association_may_request(world):
    with pytest.raises(AssociationAccessDenied):
        request(world.association, world.other_president, {world.chairs: 1}, JUNE_12)
    pending = make_association(world.president, verified=False)
    with pytest.raises(AssociationNotVerified):
        request(pending, world.president, {world.chairs: 1}, JUNE_12)
    association_services.suspend_association(
        actor=world.agent, association=world.association, reason="Statuts."
    )
    world.association.refresh_from_db()
    with pytest.raises(AssociationNotVerified):
        request(world.association, world.member, {world.chairs: 1}, JUNE_12)


def test_a_request_tells_the_agents_of_the_service(world):
    other_agent = make_agent(world.agent.agent_memberships.get().service)
    make_agent(ServiceFactory(slug="urbanisme"))

    loan = request(world.association, world.member, {world.chairs: 10}, JUNE_12)

    notified = Notification.objects.filter(kind=services.REQUEST_NOTIFICATION_KIND)
    assert sorted(notified.values_list("user_id", flat=True)) == sorted([world.agent.pk, other_agent.pk])
    assert "Les Amis du Parc demande du matériel" in notified.first().body
    assert notified.first().url == f"/agent/associations/materiel/{loan.pk}/"


# Cancelling -----------------------------------------------------------------------------------------


def test_a_member_cancels_before_the_start_and_the_stock_is_free_again(world):
    loan = request(world.association, world.president, {world.chairs: 150}, JUNE_12)
    services.approve_loan(actor=world.agent, loan=loan)

    services.cancel_loan(actor=world.member, loan=loan, now=at(date(2026, 6, 11), 20))

    loan.refresh_from_db()
    assert (loan.status, loan.cancelled_by) == (LoanStatus.CANCELLED, world.member)
    assert left(world.chairs, JUNE_12) == 200
    assert AuditEvent.objects.filter(action="equipment.loan.cancel", target_id=str(loan.pk)).exists()


def test_cancelling_on_the_first_day_or_after_an_end_or_by_someone_else_is_refused(world):
    loan = request(world.association, world.president, {world.chairs: 10}, JUNE_12)
    with pytest.raises(TransitionRefused, match="Le prêt a commencé"):
        services.cancel_loan(actor=world.president, loan=loan, now=at(JUNE_12, 7))
    with pytest.raises(AssociationAccessDenied):
        services.cancel_loan(actor=world.other_president, loan=loan)
    services.refuse_loan(actor=world.agent, loan=loan, reason="Stock réservé à la fête de la ville.")
    with pytest.raises(TransitionRefused, match="« Refusé »"):
        services.cancel_loan(actor=world.president, loan=loan)


def test_a_member_who_left_can_no_longer_cancel(world):
    loan = request(world.association, world.member, {world.chairs: 10}, JUNE_12)
    association_services.leave_association(actor=world.member, association=world.association)
    with pytest.raises(AssociationAccessDenied):
        services.cancel_loan(actor=world.member, loan=loan)


# Decisions ------------------------------------------------------------------------------------------


def test_approving_tells_every_member_and_is_audited(world):
    loan = request(world.association, world.member, {world.chairs: 10, world.tables: 2}, JUNE_12, JUNE_14)

    services.approve_loan(actor=world.agent, loan=loan)

    loan.refresh_from_db()
    assert (loan.status, loan.decided_by, loan.decided_at) == (LoanStatus.APPROVED, world.agent, NOW)
    notified = Notification.objects.filter(kind=services.DECISION_NOTIFICATION_KIND)
    assert sorted(notified.values_list("user_id", flat=True)) == sorted([world.president.pk, world.member.pk])
    message = notified.first()
    assert message.subject == "Prêt de matériel accepté : Fête de quartier"
    assert "du 12 au 14 juin 2026, est acceptée" in message.body
    assert "10 chaises" in message.body
    assert message.url == f"/mon-espace/associations/materiel/{loan.pk}/"
    assert AuditEvent.objects.filter(action="equipment.loan.approve", actor_id=world.agent.pk).exists()


def test_refusing_needs_a_reason_releases_the_stock_and_tells_the_members(world):
    loan = request(world.association, world.member, {world.chairs: 150}, JUNE_12)
    with pytest.raises(TransitionRefused, match="motif du refus est obligatoire"):
        services.refuse_loan(actor=world.agent, loan=loan, reason=" ")

    services.refuse_loan(actor=world.agent, loan=loan, reason="Les chaises partent à la fête de la ville.")

    loan.refresh_from_db()
    assert (loan.status, loan.refusal_reason) == (
        LoanStatus.REFUSED,
        "Les chaises partent à la fête de la ville.",
    )
    assert left(world.chairs, JUNE_12) == 200
    message = Notification.objects.filter(kind=services.DECISION_NOTIFICATION_KIND).first()
    assert message.subject == "Prêt de matériel refusé : Fête de quartier"
    assert "Les chaises partent à la fête de la ville." in message.body


def test_deciding_twice_is_refused(world):
    loan = request(world.association, world.member, {world.chairs: 1}, JUNE_12)
    services.approve_loan(actor=world.agent, loan=loan)
    with pytest.raises(TransitionRefused, match="déjà été décidée"):
        services.approve_loan(actor=world.agent, loan=loan)
    with pytest.raises(TransitionRefused, match="déjà été décidée"):
        services.refuse_loan(actor=world.agent, loan=loan, reason="Non.")


def test_an_approval_counts_again_when_the_stock_was_lowered_since(world):
    request(world.other_association, world.other_president, {world.chairs: 100}, JUNE_12)
    loan = request(world.association, world.member, {world.chairs: 100}, JUNE_12)
    Item.objects.filter(pk=world.chairs.pk).update(stock=150)

    with pytest.raises(NotEnoughStock) as refusal:
        services.approve_loan(actor=world.agent, loan=loan)

    assert (
        refusal.value.message == "Il reste 50 chaises disponibles le 12 juin : cette demande en compte 100."
    )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.PENDING


@pytest.mark.parametrize("who", ["president", "other_service_agent", "administrator"])
def test_only_the_service_agents_decide_hand_over_and_check_back_in(world, who):
    from tests.factories import make_admin

    actor = {
        "president": world.president,
        "other_service_agent": make_agent(ServiceFactory(slug="urbanisme")),
        "administrator": make_admin(),
    }[who]
    loan = request(world.association, world.member, {world.chairs: 1}, JUNE_12)
    for action in (services.approve_loan, services.hand_over_loan, services.write_off_missing):
        with pytest.raises(AssociationAccessDenied):
            action(actor=actor, loan=loan)
    with pytest.raises(AssociationAccessDenied):
        services.refuse_loan(actor=actor, loan=loan, reason="Non.")
    with pytest.raises(AssociationAccessDenied):
        services.record_return(actor=actor, loan=loan, counts={})


# Hand-over and return check ---------------------------------------------------------------------------


def test_only_an_accepted_loan_is_handed_over(world):
    loan = request(world.association, world.member, {world.chairs: 10}, JUNE_12)
    with pytest.raises(TransitionRefused, match="Seul un prêt accepté"):
        services.hand_over_loan(actor=world.agent, loan=loan)
    services.approve_loan(actor=world.agent, loan=loan)

    services.hand_over_loan(actor=world.agent, loan=loan, now=at(JUNE_12, 8))

    loan.refresh_from_db()
    assert (loan.status, loan.handed_over_by, loan.handed_over_at) == (
        LoanStatus.HANDED_OVER,
        world.agent,
        at(JUNE_12, 8),
    )
    assert left(world.chairs, JUNE_12) == 190


def test_a_full_return_frees_the_stock_and_records_the_damage(world):
    loan = handed_over(
        request(world.association, world.member, {world.chairs: 80, world.tables: 10}, JUNE_12), world.agent
    )
    chairs, tables = loan.lines.order_by("item__position")

    services.record_return(
        actor=world.agent,
        loan=loan,
        counts={
            chairs.pk: services.ReturnCount(returned=80, damaged=2, damage_note="Dossiers fendus."),
            tables.pk: services.ReturnCount(returned=10),
        },
        note="Rendu à l'heure.",
        now=at(date(2026, 6, 13), 17),
    )

    loan.refresh_from_db()
    assert (loan.status, loan.return_note, loan.returned_by) == (
        LoanStatus.RETURNED,
        "Rendu à l'heure.",
        world.agent,
    )
    chairs.refresh_from_db()
    assert (chairs.returned_quantity, chairs.damaged_quantity, chairs.damage_note) == (
        80,
        2,
        "Dossiers fendus.",
    )
    assert left(world.chairs, JUNE_12) == 200
    event = AuditEvent.objects.get(action="equipment.loan.return")
    assert (event.details["complete"], event.details["missing"], event.details["damaged"]) == (
        True,
        [0, 0],
        [2, 0],
    )


def test_an_incomplete_return_keeps_the_missing_pieces_out_of_the_stock_until_they_come_back(world):
    loan = handed_over(request(world.association, world.member, {world.chairs: 80}, JUNE_12), world.agent)

    returned(loan, world.agent, {world.chairs.pk: 75})

    loan.refresh_from_db()
    assert loan.status == LoanStatus.INCOMPLETE
    # Missing from the loan's first day on, with no end: every later period lacks them.
    assert left(world.chairs, date(2026, 6, 11)) == 200
    assert left(world.chairs, date(2026, 7, 20), date(2026, 7, 22)) == 195
    assert left(world.chairs, date(2027, 3, 1)) == 195
    assert [(s.item_id, s.left) for s in _shortages(world, 196)] == [(world.chairs.pk, 195)]

    returned(loan, world.agent, {world.chairs.pk: 80})

    loan.refresh_from_db()
    assert loan.status == LoanStatus.RETURNED
    assert left(world.chairs, date(2026, 7, 20)) == 200


def _shortages(world, count: int):
    try:
        request(world.other_association, world.other_president, {world.chairs: count}, date(2026, 7, 20))
    except NotEnoughStock as refusal:
        return refusal.shortages
    return []


def test_writing_off_the_missing_pieces_lowers_the_stock_and_closes_the_loan(world):
    loan = handed_over(
        request(world.association, world.member, {world.chairs: 80, world.tables: 10}, JUNE_12), world.agent
    )
    returned(loan, world.agent, {world.chairs.pk: 77, world.tables.pk: 10})

    services.write_off_missing(actor=world.agent, loan=loan)

    loan.refresh_from_db()
    world.chairs.refresh_from_db()
    assert (loan.status, world.chairs.stock) == (LoanStatus.RETURNED, 197)
    assert list(loan.lines.order_by("item__position").values_list("lost_quantity", flat=True)) == [3, 0]
    assert left(world.chairs, date(2026, 7, 20)) == 197
    assert AuditEvent.objects.get(action="equipment.loan.write_off").details["lost"] == [3]
    with pytest.raises(TransitionRefused, match="Il ne manque rien"):
        services.write_off_missing(actor=world.agent, loan=loan)


@pytest.mark.parametrize(
    ("returned_count", "damaged", "note", "message"),
    [
        (81, 0, "", "il en a été prêté 80, il ne peut pas en revenir 81"),
        (-1, 0, "", "négative"),
        (70, 71, "Cassées.", "plus d'abîmés \\(71\\) que de rendus \\(70\\)"),
        (80, 2, " ", "décrivez les dégâts constatés"),
    ],
)
def test_return_figures_that_do_not_add_up_are_refused(world, returned_count, damaged, note, message):
    loan = handed_over(request(world.association, world.member, {world.chairs: 80}, JUNE_12), world.agent)
    line = loan.lines.get()
    with pytest.raises(ReturnRefused, match=message):
        services.record_return(
            actor=world.agent,
            loan=loan,
            counts={
                line.pk: services.ReturnCount(returned=returned_count, damaged=damaged, damage_note=note)
            },
        )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.HANDED_OVER


def test_a_later_check_counts_more_back_never_fewer_and_every_line_is_needed(world):
    loan = handed_over(
        request(world.association, world.member, {world.chairs: 80, world.tables: 4}, JUNE_12), world.agent
    )
    returned(loan, world.agent, {world.chairs.pk: 70})
    chairs = loan.lines.get(item=world.chairs)
    with pytest.raises(ReturnRefused, match="70 étaient déjà comptés rendus"):
        services.record_return(
            actor=world.agent,
            loan=loan,
            counts={
                line.pk: services.ReturnCount(returned=60 if line.pk == chairs.pk else 4)
                for line in loan.lines.all()
            },
        )
    with pytest.raises(ReturnRefused, match="Indiquez le nombre rendu pour : tables"):
        services.record_return(
            actor=world.agent, loan=loan, counts={chairs.pk: services.ReturnCount(returned=80)}
        )


def test_a_loan_not_handed_over_has_no_return_check(world):
    loan = request(world.association, world.member, {world.chairs: 10}, JUNE_12)
    with pytest.raises(TransitionRefused, match="n'est pas sorti"):
        services.record_return(actor=world.agent, loan=loan, counts={})


# The database's own guards --------------------------------------------------------------------------


def test_check_constraints_refuse_incoherent_lines_and_periods(world):
    loan = request(world.association, world.member, {world.chairs: 10}, JUNE_12)
    line = loan.lines.get()
    for changes in (
        {"quantity": 0},
        {"returned_quantity": 11},
        {"returned_quantity": 8, "lost_quantity": 3},
        {"damaged_quantity": 1},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            LoanLine.objects.filter(pk=line.pk).update(**changes)
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.filter(pk=loan.pk).update(end_date=JUNE_12 - timedelta(days=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.filter(pk=loan.pk).update(delivery_mode=DeliveryMode.DELIVERY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.filter(pk=world.chairs.pk).update(max_per_loan=0)


def test_new_members_see_their_association_s_loans_at_once_and_leavers_lose_them(world):
    loan = request(world.association, world.president, {world.chairs: 10}, JUNE_12)
    newcomer = add_member(world.association, UserFactory())
    assert list(selectors.loans_for_user(user=newcomer)) == [loan]
    association_services.leave_association(actor=newcomer, association=world.association)
    assert list(selectors.loans_for_user(user=newcomer)) == []


def test_a_loan_late_back_keeps_its_equipment_out_of_the_stock_until_it_is_checked_in(world, clock):
    late = handed_over(
        request(world.association, world.member, {world.chairs: 120}, JUNE_12, JUNE_14), world.agent
    )
    assert left(world.chairs, date(2026, 6, 20)) == 200

    clock.move_to(at(date(2026, 6, 16)))

    assert left(world.chairs, date(2026, 6, 20)) == 80
    with pytest.raises(
        NotEnoughStock, match="Il reste 80 chaises disponibles le 20 juin : vous en demandez 100."
    ):
        request(
            world.other_association,
            world.other_president,
            {world.chairs: 100},
            date(2026, 6, 20),
            now=at(date(2026, 6, 16)),
        )
    returned(late, world.agent, {})
    assert left(world.chairs, date(2026, 6, 20)) == 200
