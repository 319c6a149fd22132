"""The public catalogue and the members' pages: request form, "Mes prêts de matériel", loan page, cancel."""

from datetime import date, timedelta

from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from associations import services as association_services
from associations.equipment import services
from associations.equipment.enums import DeliveryMode, LoanStatus
from associations.equipment.models import Loan
from associations.views.common import CURRENT_ASSOCIATION_SESSION_KEY
from tests.associations.equipment.factories import ItemFactory, at, handed_over, request, returned
from tests.associations.factories import add_member, make_association
from tests.factories import UserFactory
from tests.helpers import login

JUNE_12, JUNE_14 = date(2026, 6, 12), date(2026, 6, 14)
CATALOGUE = reverse("associations:equipment")
REQUEST = reverse("associations:equipment_request")
LOANS = reverse("associations:equipment_loans")


def loan_url(loan, name="associations:equipment_loan"):
    return reverse(name, args=[loan.pk])


def form_data(world, **changes) -> dict:
    data = {
        "association": world.association.pk,
        "debut": "2026-06-12",
        "fin": "2026-06-14",
        "purpose": "Fête de quartier du parc",
        f"article_{world.chairs.pk}": "40",
        f"article_{world.tables.pk}": "",
        f"article_{world.barriers.pk}": "",
        "delivery_mode": DeliveryMode.PICKUP,
        "delivery_address": "",
        "contact_name": "Lucas Dupont",
        "contact_phone": "06 11 22 33 44",
        "note": "",
    }
    data.update(changes)
    return data


# The public catalogue ------------------------------------------------------------------------------


def test_the_catalogue_is_public_and_lists_the_items_with_their_stock(client, world):
    world.tables.max_per_loan = 20
    world.tables.save()
    ItemFactory(name="Vieux podium", is_active=False)

    response = client.get(CATALOGUE)

    assertContains(response, "<h1>Emprunter du matériel municipal</h1>", html=True)
    assertContains(response, "<h3>Chaise pliante</h3>", html=True)
    assertContains(response, "<div><dt>En tout</dt><dd>200</dd></div>", html=True)
    assertContains(response, "<div><dt>Au plus par prêt</dt><dd>20</dd></div>", html=True)
    assertContains(response, "<div><dt>Livraison</dt><dd>À retirer à l'atelier</dd></div>", html=True)
    assertNotContains(response, "Vieux podium")
    assertContains(response, f'href="{REQUEST}"')


def test_the_catalogue_shows_what_is_left_over_chosen_dates(client, world):
    request(
        world.other_association,
        world.other_president,
        {world.chairs: 150, world.tables: 40},
        date(2026, 6, 13),
    )

    response = client.get(CATALOGUE, {"debut": "2026-06-12", "fin": "2026-06-14"})

    assertContains(response, "<h2>Le matériel disponible du 12 au 14 juin 2026</h2>", html=True)
    assertContains(
        response,
        "<div><dt>Disponibles du 12 au 14 juin 2026</dt><dd><strong>50</strong></dd></div>",
        html=True,
    )
    assertContains(
        response,
        '<div><dt>Disponibles du 12 au 14 juin 2026</dt><dd><span class="badge badge--danger">Plus rien</span></dd></div>',
        html=True,
    )
    assertContains(response, f'href="{REQUEST}?debut=2026-06-12&amp;fin=2026-06-14"')


def test_wrong_dates_in_the_catalogue_are_explained_and_kept(client, world):
    response = client.get(CATALOGUE, {"debut": "2026-06-14", "fin": "2026-06-12"})

    assertContains(response, "Le dernier jour est le premier jour ou après.")
    assertContains(response, 'value="2026-06-14"')
    assertContains(response, "<h2>Le matériel prêté</h2>", html=True)

    response = client.get(CATALOGUE, {"debut": "2026-06-14", "fin": ""})
    assertContains(response, "Indiquez aussi le dernier jour.")


def test_the_catalogue_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    items = [ItemFactory(stock=500) for _ in range(25)]
    for index in range(30):
        request(
            world.association, world.president, {items[index % 25]: 2, items[(index + 1) % 25]: 3}, JUNE_12
        )
    with django_assert_max_num_queries(6):
        response = client.get(CATALOGUE, {"debut": "2026-06-12", "fin": "2026-06-14"})
    assert response.status_code == 200


def test_the_catalogue_answers_only_get(client, world):
    assert client.post(CATALOGUE).status_code == 405


# The request form ------------------------------------------------------------------------------------


def test_the_request_form_offers_the_verified_associations_with_the_dates_and_what_is_left(client, world):
    make_association(world.member, name="Club pas encore vérifié", verified=False)
    request(world.other_association, world.other_president, {world.chairs: 150}, JUNE_12)
    login(client, world.member)

    response = client.get(REQUEST, {"debut": "2026-06-12", "fin": "2026-06-14"})

    assertContains(response, "<h1>Demander du matériel</h1>", html=True)
    assertContains(
        response, f'<option value="{world.association.pk}" selected>Les Amis du Parc</option>', html=True
    )
    assertNotContains(response, "Club pas encore vérifié")
    assertContains(response, 'value="2026-06-12"')
    assertContains(response, "50 disponibles du 12 au 14 juin (sur 200).")
    assertContains(response, "À retirer à l&#x27;atelier (ne se livre pas).")


def test_the_form_preselects_the_association_the_member_switched_to(client, world):
    second = make_association(world.president, name="Comité des fêtes", agent=world.agent)
    login(client, world.president)
    session = client.session
    session[CURRENT_ASSOCIATION_SESSION_KEY] = second.pk
    session.save()

    response = client.get(REQUEST)

    assertContains(response, f'<option value="{second.pk}" selected>Comité des fêtes</option>', html=True)


def test_sending_the_request_holds_the_equipment_and_shows_the_loan(client, world):
    login(client, world.member)

    response = client.post(
        REQUEST, form_data(world, **{f"article_{world.tables.pk}": "5", "note": "Avant 9 h."})
    )

    loan = Loan.objects.get()
    assertRedirects(response, loan_url(loan), fetch_redirect_response=False)
    assert (loan.association, loan.created_by, loan.status) == (
        world.association,
        world.member,
        LoanStatus.PENDING,
    )
    assert (loan.start_date, loan.end_date, loan.note) == (JUNE_12, JUNE_14, "Avant 9 h.")
    assert sorted(loan.lines.values_list("item__unit_plural", "quantity")) == [("chaises", 40), ("tables", 5)]
    page = client.get(loan_url(loan))
    assertContains(page, f"Votre demande {loan.reference} est envoyée")
    assertContains(page, '<span class="badge badge--warning">En attente de décision</span>', html=True)


def test_invalid_input_shows_the_french_errors_and_keeps_what_was_typed(client, world):
    login(client, world.member)

    response = client.post(
        REQUEST,
        form_data(
            world,
            fin="2026-06-10",
            delivery_mode=DeliveryMode.DELIVERY,
            contact_phone="",
            **{f"article_{world.chairs.pk}": "-3"},
        ),
    )

    assert response.status_code == 200
    assertContains(response, "Le formulaire contient des erreurs")
    assertContains(response, "La date de fin doit être le jour du début ou après.")
    assertContains(response, "Le nombre ne peut pas être négatif.")
    assertContains(response, "Indiquez l&#x27;adresse où livrer le matériel.")
    assertContains(response, "Indiquez le téléphone de la personne qui recevra le matériel.")
    assertContains(response, 'value="Fête de quartier du parc"')
    assertContains(response, 'value="-3"')
    assertContains(response, 'value="Lucas Dupont"')
    assert not Loan.objects.exists()


def test_a_request_beyond_the_stock_says_what_is_left_under_the_item(client, world):
    request(world.other_association, world.other_president, {world.chairs: 196}, date(2026, 6, 13))
    login(client, world.member)

    response = client.post(REQUEST, form_data(world, **{f"article_{world.chairs.pk}": "10"}))

    assert response.status_code == 200
    assertContains(
        response,
        f'<a href="#id_article_{world.chairs.pk}">Chaise pliante : '
        "Il reste 4 chaises disponibles du 12 au 14 juin : vous en demandez 10.</a>",
        html=True,
    )
    assertContains(response, "4 disponibles du 12 au 14 juin (sur 200).")
    assertContains(response, 'value="10"')
    assert Loan.objects.filter(association=world.association).count() == 0


def test_a_rule_of_the_service_shows_at_the_top_and_nothing_is_requested(client, world):
    login(client, world.member)

    response = client.post(REQUEST, form_data(world, debut="2026-06-02", fin="2026-06-02"))

    assertContains(response, "Demandez le matériel au moins 3 jours avant")
    assert not Loan.objects.exists()


def test_nothing_asked_for_is_an_error(client, world):
    login(client, world.member)
    response = client.post(REQUEST, form_data(world, **{f"article_{world.chairs.pk}": ""}))
    assertContains(response, "Indiquez combien vous empruntez d&#x27;au moins un matériel.")


def test_an_association_of_someone_else_cannot_be_chosen(client, world):
    login(client, world.member)
    response = client.post(REQUEST, form_data(world, association=world.other_association.pk))
    assertContains(response, "Choisissez une de vos associations vérifiées.")
    assert not Loan.objects.exists()


def test_without_a_verified_association_the_page_explains_what_to_do(client, world):
    loner = UserFactory()
    login(client, loner)
    response = client.get(REQUEST)
    assertContains(response, "Le matériel municipal se prête aux associations")
    assert client.post(REQUEST, {"association": world.association.pk}).status_code == 200
    assert not Loan.objects.exists()

    make_association(loner, verified=False)
    assertContains(client.get(REQUEST), "Votre association doit d'abord être vérifiée")


def test_the_request_form_wants_a_signed_in_user_and_get_or_post(client, world):
    response = client.get(REQUEST)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    login(client, world.member)
    assert client.put(REQUEST).status_code == 405


# "Mes prêts de matériel" and the loan page -------------------------------------------------------------


def test_my_loans_lists_every_association_s_loans_and_nobody_else_s(client, world):
    second = make_association(world.member, name="Comité des fêtes", agent=world.agent)
    mine = request(world.association, world.president, {world.chairs: 40, world.tables: 4}, JUNE_12, JUNE_14)
    other_club = request(second, world.member, {world.tables: 2}, date(2026, 6, 20), purpose="Brocante")
    request(world.other_association, world.other_president, {world.chairs: 10}, JUNE_12, purpose="Tournoi")
    old = request(world.association, world.president, {world.chairs: 1}, date(2026, 6, 5), purpose="Réunion")
    services.refuse_loan(actor=world.agent, loan=old, reason="Non.")
    login(client, world.member)

    response = client.get(LOANS)

    assertContains(response, "<h1>Mes prêts de matériel</h1>", html=True)
    assertContains(response, f'<a href="{loan_url(mine)}">Fête de quartier</a>', html=True)
    assertContains(response, f'<a href="{loan_url(other_club)}">Brocante</a>', html=True)
    assertContains(response, '<td data-label="Matériel">40 chaises, 4 tables</td>', html=True)
    assertContains(response, '<td data-label="Période">Du 12 au 14 juin 2026</td>', html=True)
    assertNotContains(response, "Tournoi")
    assertContains(response, "<h2>Terminés</h2>", html=True)
    assertContains(response, '<span class="badge badge--danger">Refusé</span>', html=True)
    assertContains(response, loan_url(mine, "associations:equipment_loan_cancel"))
    assertNotContains(response, loan_url(old, "associations:equipment_loan_cancel"))


def test_my_loans_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    items = [ItemFactory(stock=500) for _ in range(5)]
    for index in range(30):
        request(world.association, world.president, {items[index % 5]: 1, items[(index + 2) % 5]: 2}, JUNE_12)
    login(client, world.member)
    with django_assert_max_num_queries(12):
        response = client.get(LOANS)
    assert response.status_code == 200


def test_the_loan_page_shows_the_request_its_return_and_its_history(client, world):
    loan = request(
        world.association,
        world.member,
        {world.chairs: 80},
        JUNE_12,
        delivery_mode=DeliveryMode.DELIVERY,
        delivery_address="Parc municipal, allée des Tilleuls",
        contact_phone="06 11 22 33 44",
    )
    handed_over(loan, world.agent)
    line = loan.lines.get()
    services.record_return(
        actor=world.agent,
        loan=loan,
        counts={line.pk: services.ReturnCount(returned=75, damaged=2, damage_note="Pieds tordus.")},
        now=at(date(2026, 6, 13)),
    )
    login(client, world.member)

    response = client.get(loan_url(loan))

    assertContains(response, "<h1>Fête de quartier</h1>", html=True)
    assertContains(response, '<span class="badge badge--danger">Retour incomplet</span>', html=True)
    assertContains(response, "Parc municipal, allée des Tilleuls")
    assertContains(response, '<td data-label="Dégâts constatés">Pieds tordus.</td>', html=True)
    assertContains(
        response, '<td class="stats-number" data-label="Manquants"><strong>5</strong></td>', html=True
    )
    assertContains(response, "Une partie du matériel n'est pas revenue")
    assertContains(response, '<p class="timeline__by">par le service de la vie associative</p>', html=True)
    assertNotContains(response, "Alex Durand")


def test_the_loan_page_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    items = [ItemFactory(stock=50) for _ in range(12)]
    loan = request(world.association, world.member, dict.fromkeys(items, 3), JUNE_12)
    services.approve_loan(actor=world.agent, loan=loan)
    login(client, world.member)
    with django_assert_max_num_queries(10):
        response = client.get(loan_url(loan))
    assertContains(response, items[-1].name)


def test_someone_else_s_loan_is_not_found(client, world):
    loan = request(world.other_association, world.other_president, {world.chairs: 10}, JUNE_12)
    login(client, world.member)
    assert client.get(loan_url(loan)).status_code == 404
    assert client.get(loan_url(loan, "associations:equipment_loan_cancel")).status_code == 404
    assert client.post(loan_url(loan, "associations:equipment_loan_cancel")).status_code == 404
    login(client, world.agent)
    assert client.get(loan_url(loan)).status_code == 404


def test_a_member_who_left_loses_the_loans_at_once(client, world):
    leaver = add_member(world.association)
    loan = request(world.association, leaver, {world.chairs: 10}, JUNE_12)
    login(client, leaver)
    assert client.get(loan_url(loan)).status_code == 200

    association_services.leave_association(actor=leaver, association=world.association)

    assert client.get(loan_url(loan)).status_code == 404
    assert client.post(loan_url(loan, "associations:equipment_loan_cancel")).status_code == 404
    assertNotContains(client.get(LOANS), "Fête de quartier")


def test_the_loan_pages_answer_only_their_methods(client, world):
    loan = request(world.association, world.member, {world.chairs: 10}, JUNE_12)
    login(client, world.member)
    assert client.post(loan_url(loan)).status_code == 405
    assert client.post(LOANS).status_code == 405
    assert client.put(loan_url(loan, "associations:equipment_loan_cancel")).status_code == 405


# Cancelling ------------------------------------------------------------------------------------------


def test_a_member_cancels_a_loan_before_it_starts(client, world):
    loan = request(world.association, world.president, {world.chairs: 150}, JUNE_12)
    login(client, world.member)

    page = client.get(loan_url(loan, "associations:equipment_loan_cancel"))
    assertContains(page, "<h1>Annuler le prêt « Fête de quartier » ?</h1>", html=True)

    response = client.post(loan_url(loan, "associations:equipment_loan_cancel"))

    assertRedirects(response, LOANS, fetch_redirect_response=False)
    loan.refresh_from_db()
    assert (loan.status, loan.cancelled_by) == (LoanStatus.CANCELLED, world.member)
    assertContains(client.get(LOANS), f"Le prêt {loan.reference} est annulé")


def test_cancelling_once_the_loan_started_is_refused_with_the_reason(client, world, clock):
    loan = request(world.association, world.president, {world.chairs: 10}, JUNE_12)
    clock.move_to(at(JUNE_12, 10))
    login(client, world.member)

    assertContains(
        client.get(loan_url(loan, "associations:equipment_loan_cancel")), "ne peut plus être annulé en ligne"
    )
    response = client.post(loan_url(loan, "associations:equipment_loan_cancel"))

    assertContains(response, "Le prêt a commencé : il ne s&#x27;annule plus en ligne.")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.PENDING


def test_the_card_of_mon_espace_lists_the_loans_under_way(client, world):
    loan = request(world.association, world.president, {world.chairs: 10}, JUNE_12)
    done = handed_over(
        request(world.association, world.president, {world.chairs: 1}, date(2026, 6, 5), purpose="AG"),
        world.agent,
    )
    returned(done, world.agent, {})
    login(client, world.member)

    response = client.get(reverse("portal:dashboard"))

    assertContains(response, "Mes prêts de matériel")
    assertContains(response, f'<a href="{loan_url(loan)}">Fête de quartier</a>', html=True)
    assertNotContains(response, f'href="{loan_url(done)}"')
    login(client, UserFactory())
    assertNotContains(client.get(reverse("portal:dashboard")), "Mes prêts de matériel")


def test_dates_far_ahead_are_in_the_form_s_reach(client, world):
    login(client, world.member)
    start = date(2026, 6, 1) + timedelta(days=300)
    response = client.post(
        REQUEST, form_data(world, debut=start.isoformat(), fin=(start + timedelta(days=1)).isoformat())
    )
    assert response.status_code == 302
