"""The back-office of equipment loans: the list by step, a loan's page and its moves (accept, refuse,
hand over, return check, write-off), and the stock week by week."""

from datetime import date

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from associations.equipment import services
from associations.equipment.enums import DeliveryMode, LoanStatus
from associations.equipment.models import Item, Loan
from guichet.audit.models import AuditEvent
from tests.associations.equipment.factories import ItemFactory, at, handed_over, request, returned
from tests.factories import ServiceFactory, make_admin, make_agent
from tests.helpers import login

JUNE_12, JUNE_14 = date(2026, 6, 12), date(2026, 6, 14)
LIST = reverse("associations:agent_loans")
STOCK = reverse("associations:agent_equipment_stock")


def url(name: str, loan: Loan) -> str:
    return reverse(f"associations:{name}", args=[loan.pk])


@pytest.fixture
def agent_client(client, world):
    return login(client, world.agent)


@pytest.fixture
def pending(world):
    return request(
        world.association,
        world.member,
        {world.chairs: 40, world.tables: 6},
        JUNE_12,
        JUNE_14,
        delivery_mode=DeliveryMode.DELIVERY,
        delivery_address="Parc municipal, allée des Tilleuls",
        contact_name="Lucas Dupont",
        contact_phone="06 11 22 33 44",
    )


# Who may -----------------------------------------------------------------------------------------------


def test_the_back_office_is_closed_to_citizens_other_services_and_administrators(client, world, pending):
    pages = [
        ("get", LIST),
        ("get", STOCK),
        ("get", url("agent_loan", pending)),
        ("post", url("agent_loan_approve", pending)),
        ("post", url("agent_loan_refuse", pending)),
        ("post", url("agent_loan_hand_over", pending)),
        ("get", url("agent_loan_return", pending)),
        ("post", url("agent_loan_write_off", pending)),
    ]
    for user in (world.president, make_agent(ServiceFactory(slug="urbanisme")), make_admin()):
        login(client, user)
        for method, address in pages:
            assert getattr(client, method)(address).status_code == 403, (user, address)
    pending.refresh_from_db()
    assert pending.status == LoanStatus.PENDING


def test_an_unknown_loan_is_not_found(agent_client, world):
    assert agent_client.get(reverse("associations:agent_loan", args=[999999])).status_code == 404
    assert agent_client.post(reverse("associations:agent_loan_approve", args=[999999])).status_code == 404


def test_the_moves_answer_only_post(agent_client, world, pending):
    for name in ("agent_loan_approve", "agent_loan_refuse", "agent_loan_hand_over", "agent_loan_write_off"):
        assert agent_client.get(url(name, pending)).status_code == 405
    assert agent_client.post(LIST).status_code == 405
    assert agent_client.post(STOCK).status_code == 405
    assert agent_client.post(url("agent_loan", pending)).status_code == 405
    assert agent_client.put(url("agent_loan_return", pending)).status_code == 405


# The list ---------------------------------------------------------------------------------------------


def test_the_list_shows_the_requests_to_decide_first_with_each_tab_s_count(agent_client, world, pending):
    accepted = request(
        world.other_association, world.other_president, {world.tables: 2}, JUNE_12, purpose="Tournoi"
    )
    services.approve_loan(actor=world.agent, loan=accepted)

    response = agent_client.get(LIST)

    assertContains(response, "<h1>Prêts de matériel</h1>", html=True)
    assertContains(response, '<a href="?vue=a-decider" aria-current="page">À décider (1)</a>', html=True)
    assertContains(response, '<a href="?vue=a-remettre">À remettre (1)</a>', html=True)
    assertContains(response, f'<a href="{url("agent_loan", pending)}">{pending.reference}</a>', html=True)
    assertContains(response, '<td data-label="Matériel">40 chaises, 6 tables</td>', html=True)
    assertNotContains(response, "Tournoi")
    assertContains(response, 'aria-current="page">Matériel</a>')

    response = agent_client.get(LIST, {"vue": "a-remettre"})
    assertContains(response, "Tournoi")
    assertNotContains(response, pending.reference)


def test_loans_not_back_on_time_are_flagged_late(agent_client, world, clock):
    loan = handed_over(request(world.association, world.member, {world.chairs: 10}, JUNE_12), world.agent)
    clock.move_to(at(date(2026, 6, 15)))
    # Back on the portal that day: a new session (the idle one of the fixture has ended).
    login(agent_client, world.agent)

    response = agent_client.get(LIST, {"vue": "a-recuperer"})

    assertContains(response, "1 prêt n'est pas revenu à la date prévue.")
    assertContains(response, '<span class="badge badge--danger">En retard</span>', html=True)
    assertContains(response, loan.reference)


def test_the_list_costs_a_fixed_number_of_queries(agent_client, world, django_assert_max_num_queries):
    items = [ItemFactory(stock=1000) for _ in range(6)]
    for index in range(40):
        association = world.association if index % 2 else world.other_association
        actor = world.member if index % 2 else world.other_president
        request(association, actor, {items[index % 6]: 2, items[(index + 1) % 6]: 1}, JUNE_12)
    with django_assert_max_num_queries(14):
        response = agent_client.get(LIST, {"vue": "tous"})
    assertContains(response, "Tous les prêts")


# A loan's page and its moves ------------------------------------------------------------------------------


def test_a_request_s_page_shows_the_contact_and_what_the_stock_allows_and_is_audited(
    agent_client, world, pending
):
    request(world.other_association, world.other_president, {world.chairs: 150}, JUNE_14)
    Item.objects.filter(pk=world.chairs.pk).update(stock=170)

    response = agent_client.get(url("agent_loan", pending))

    assertContains(response, "Parc municipal, allée des Tilleuls")
    assertContains(response, '<a href="tel:0611223344">06 11 22 33 44</a>', html=True)
    assertContains(
        response,
        '<td class="stats-number" data-label="Disponibles hors cette demande">20 '
        '<span class="badge badge--danger">Stock insuffisant</span></td>',
        html=True,
    )
    assertContains(
        response, '<td class="stats-number" data-label="Disponibles hors cette demande">40</td>', html=True
    )
    assertContains(response, "Accepter la demande")
    event = AuditEvent.objects.get(action="equipment.loan.read")
    assert (event.actor_id, event.target_id) == (world.agent.pk, str(pending.pk))


def test_the_loan_page_costs_a_fixed_number_of_queries(agent_client, world, django_assert_max_num_queries):
    items = [ItemFactory(stock=100) for _ in range(15)]
    loan = request(world.association, world.member, dict.fromkeys(items, 2), JUNE_12)
    for _ in range(10):
        request(world.other_association, world.other_president, dict.fromkeys(items, 1), JUNE_12)
    with django_assert_max_num_queries(14):
        response = agent_client.get(url("agent_loan", loan))
    assertContains(response, items[-1].name)


def test_accepting_a_request(agent_client, world, pending):
    response = agent_client.post(url("agent_loan_approve", pending))

    assertRedirects(response, url("agent_loan", pending), fetch_redirect_response=False)
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (LoanStatus.APPROVED, world.agent)
    page = agent_client.get(url("agent_loan", pending))
    assertContains(page, f"Prêt {pending.reference} accepté : l&#x27;association est prévenue.")
    assertContains(page, "Le matériel est livré")


def test_accepting_beyond_a_lowered_stock_shows_what_is_left(agent_client, world, pending):
    Item.objects.filter(pk=world.chairs.pk).update(stock=30)

    response = agent_client.post(url("agent_loan_approve", pending))

    assert response.status_code == 200
    assertContains(response, "Il reste 30 chaises disponibles du 12 au 14 juin : cette demande en compte 40.")
    pending.refresh_from_db()
    assert pending.status == LoanStatus.PENDING


def test_refusing_needs_a_reason_and_keeps_what_was_typed_on_error(agent_client, world, pending):
    response = agent_client.post(url("agent_loan_refuse", pending), {"reason": ""})
    assert response.status_code == 200
    assertContains(response, "Indiquez le motif du refus : l&#x27;association le lira.")

    response = agent_client.post(
        url("agent_loan_refuse", pending), {"reason": "Les chaises partent à la fête de la ville."}
    )

    assertRedirects(response, url("agent_loan", pending), fetch_redirect_response=False)
    pending.refresh_from_db()
    assert (pending.status, pending.refusal_reason) == (
        LoanStatus.REFUSED,
        "Les chaises partent à la fête de la ville.",
    )
    response = agent_client.post(url("agent_loan_refuse", pending), {"reason": "Encore non."})
    assertContains(response, "Cette demande a déjà été décidée.")


def test_handing_over_an_accepted_loan(agent_client, world, pending):
    response = agent_client.post(url("agent_loan_hand_over", pending))
    assertContains(response, "Seul un prêt accepté peut être remis.")
    services.approve_loan(actor=world.agent, loan=pending)

    response = agent_client.post(url("agent_loan_hand_over", pending))

    assertRedirects(response, url("agent_loan", pending), fetch_redirect_response=False)
    pending.refresh_from_db()
    assert pending.status == LoanStatus.HANDED_OVER
    assertContains(agent_client.get(url("agent_loan", pending)), "Vérifier le retour")


def test_the_return_check_keeps_what_was_typed_on_error_then_records_an_incomplete_return(
    agent_client, world, pending
):
    handed_over(pending, world.agent)
    chairs, tables = pending.lines.order_by("item__position")
    page = agent_client.get(url("agent_loan_return", pending))
    assertContains(page, "<legend>Chaise pliante : 40 prêtés</legend>", html=True)
    assertContains(page, f'name="rendus_{chairs.pk}" value="40"')

    data = {
        f"rendus_{chairs.pk}": "37",
        f"abimes_{chairs.pk}": "39",
        f"degats_{chairs.pk}": "",
        f"rendus_{tables.pk}": "6",
        f"abimes_{tables.pk}": "1",
        f"degats_{tables.pk}": "",
        "note": "Revenu en retard.",
    }
    response = agent_client.post(url("agent_loan_return", pending), data)

    assert response.status_code == 200
    assertContains(response, "Il y en a plus d&#x27;abîmés que de rendus.")
    assertContains(response, "Décrivez les dégâts constatés.")
    assertContains(response, f'name="rendus_{chairs.pk}" value="37"')
    assertContains(response, "Revenu en retard.")
    pending.refresh_from_db()
    assert pending.status == LoanStatus.HANDED_OVER

    data.update(
        {
            f"abimes_{chairs.pk}": "2",
            f"degats_{chairs.pk}": "Dossiers fendus.",
            f"degats_{tables.pk}": "Plateau rayé.",
        }
    )
    response = agent_client.post(url("agent_loan_return", pending), data)

    assertRedirects(response, url("agent_loan", pending), fetch_redirect_response=False)
    pending.refresh_from_db()
    chairs.refresh_from_db()
    assert (pending.status, pending.return_note) == (LoanStatus.INCOMPLETE, "Revenu en retard.")
    assert (chairs.returned_quantity, chairs.damaged_quantity, chairs.damage_note) == (
        37,
        2,
        "Dossiers fendus.",
    )
    page = agent_client.get(url("agent_loan", pending))
    assertContains(page, "le matériel manquant reste compté sorti")
    assertContains(page, "Déclarer le manquant perdu")
    assertContains(agent_client.get(LIST, {"vue": "incomplets"}), pending.reference)


def test_the_return_check_of_a_loan_not_out_says_so(agent_client, world, pending):
    response = agent_client.get(url("agent_loan_return", pending))
    assertContains(response, "Ce prêt n&#x27;est pas sorti : il n&#x27;y a pas de retour à vérifier.")


def test_writing_off_what_is_missing(agent_client, world, pending):
    handed_over(pending, world.agent)
    returned(pending, world.agent, {world.chairs.pk: 37})

    response = agent_client.post(url("agent_loan_write_off", pending))

    assertRedirects(response, url("agent_loan", pending), fetch_redirect_response=False)
    pending.refresh_from_db()
    world.chairs.refresh_from_db()
    assert (pending.status, world.chairs.stock) == (LoanStatus.RETURNED, 197)
    response = agent_client.post(url("agent_loan_write_off", pending))
    assertContains(response, "Il ne manque rien à ce prêt.")


# The stock -----------------------------------------------------------------------------------------------


def test_the_stock_shows_each_week_what_is_left_and_what_is_over(agent_client, world, pending):
    handed_over(
        request(world.other_association, world.other_president, {world.chairs: 100}, date(2026, 6, 5)),
        world.agent,
    )
    out = handed_over(
        request(world.other_association, world.other_president, {world.tables: 40}, date(2026, 6, 5)),
        world.agent,
    )
    returned(out, world.agent, {world.tables.pk: 30})
    Item.objects.filter(pk=world.tables.pk).update(stock=12)

    response = agent_client.get(STOCK)

    assertContains(response, "Matériel restant à prêter, du 1 juin 2026 au 26 juillet 2026")
    assertContains(response, '<th scope="col">Semaine du 1er juin</th>', html=True)
    assertContains(response, '<th scope="row">Chaise pliante (200)</th>', html=True)
    # Week of 1 June: 100 chairs out on the 5th; week of 8 June: 40 asked for the 12th–14th.
    assertContains(response, '<span class="equipment-stock__left">100 restent</span>', html=True)
    assertContains(response, '<span class="equipment-stock__left">160 restent</span>', html=True)
    # Tables: 10 missing since the 5th and 6 asked for: 16 held for a stock lowered to 12.
    assertContains(response, '<span class="badge badge--danger">4 de plus que le stock</span>', html=True)

    later = agent_client.get(STOCK, {"debut": "2026-07-29"})
    assertContains(later, '<th scope="col">Semaine du 27 juillet</th>', html=True)
    assertContains(agent_client.get(STOCK, {"debut": "pas une date"}), "Saisissez une date valide")


def test_the_stock_costs_a_fixed_number_of_queries(agent_client, world, django_assert_max_num_queries):
    items = [ItemFactory(stock=1000) for _ in range(12)]
    for index in range(30):
        request(world.association, world.member, {items[index % 12]: 3}, date(2026, 6, 5 + index % 20))
    with django_assert_max_num_queries(9):
        response = agent_client.get(STOCK)
    assert response.status_code == 200
