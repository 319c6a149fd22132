"""The associations' whole journey in a real browser, as the issue tells it (Monday 24 August 2026):

1. Lucas registers his association, Les Amis du Parc, from Mon espace, and invites Camille; Camille
   accepts the invitation from the e-mail's link with her own account.
2. The agent of the vie associative service (password and TOTP) verifies the association.
3. Lucas books the gymnasium every Tuesday 18:00–20:00 for the autumn: the result lists exactly the one
   Tuesday another association holds; he asks for 20 chairs for the neighbourhood party; he fills the
   subsidy procedure of the open campaign (its budget balanced) and sends it.
4. The agent approves the weekly slot and grants the subsidy after the score grid and the opinion; Lucas
   finds the dates confirmed and the request accepted, with its letter.

Every page visited passes axe's WCAG 2.1 A/AA rules; screenshots at 360 and 1280 px go to
/tmp/screens/associations-journey-*.png.
"""

import re
from datetime import date, datetime, time

import pytest
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from associations import perms
from associations.equipment.models import Loan
from associations.models import Association
from associations.rooms import services as rooms
from associations.rooms.enums import BookingStatus
from associations.rooms.models import Booking, OpeningHours, Room
from associations.rooms.schedule import PARIS
from associations.subsidies.models import Application
from demarches.enums import RequestStatus
from guichet.accounts.enums import PartyRole
from guichet.accounts.models import User
from tests.associations.conftest import seed_document_types
from tests.associations.equipment.factories import ItemFactory
from tests.associations.factories import associations_agent, make_association
from tests.associations.subsidies.factories import make_campaign
from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import PASSWORD, UserFactory, make_town

pytestmark = pytest.mark.e2e

LUCAS = "lucas.dupont@exemple.fr"
CAMILLE = "camille.martin@exemple.fr"
MONDAY = datetime(2026, 8, 24, 9, 0, tzinfo=PARIS)
TAKEN_TUESDAY = date(2026, 9, 15)


@pytest.fixture(autouse=True)
def vault_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "coffre"},
        },
    }


@pytest.fixture
def world(time_machine):
    """Villebelle, its vie associative service and agent, the gymnasium (open every weekday evening, free
    for associations, booked by the Chorale on Tuesday 15 September), 200 chairs, and the 2027 subsidy
    campaign, open until the end of October."""
    time_machine.move_to(MONDAY, tick=True)
    seed_document_types()
    make_town(name="Villebelle")
    agent = associations_agent(
        email="agent.vie-associative@villebelle.fr", first_name="Alex", last_name="Durand"
    )
    gym = Room.objects.create(name="Gymnase Jean-Moulin", slug="gymnase", capacity=60, step_free_access=True)
    OpeningHours.objects.bulk_create(
        [OpeningHours(room=gym, weekday=day, opens=time(17), closes=time(22)) for day in range(5)]
    )
    chorale_president = UserFactory()
    chorale = make_association(chorale_president, name="Chorale du Lac", agent=agent)
    taken = rooms.request_booking(
        actor=chorale_president,
        room=gym,
        party=chorale.party,
        day=TAKEN_TUESDAY,
        start=time(19),
        end=time(21),
        purpose="Concert de rentrée",
        attendees=40,
    )
    rooms.approve_booking(actor=agent, booking=taken)
    ItemFactory(chairs=True)
    campaign = make_campaign(
        year=2027, opens_on=date(2026, 8, 1), closes_on=date(2026, 10, 31), report_due_on=date(2027, 12, 31)
    )
    UserFactory(email=LUCAS, first_name="Lucas", last_name="Dupont")
    UserFactory(email=CAMILLE, first_name="Camille", last_name="Martin")
    return {"agent": agent, "gym": gym, "campaign": campaign}


def main(page):
    return page.get_by_role("main")


def look(page, name: str) -> None:
    check_accessibility(page)
    take_screenshots(page, name=f"associations-journey-{name}")


def log_in(page, email: str, *, next_path: str) -> None:
    page.goto(f"/compte/login/?next={next_path}")
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_role("main").locator("form button[type=submit]").click()


def log_in_agent(page, agent, *, next_path: str) -> None:
    log_in(page, agent.email, next_path=next_path)
    device = TOTPDevice.objects.get(user=agent)
    page.get_by_role("textbox", name=re.compile(r"^Code de vérification")).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Valider").click()


def log_out(page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Se déconnecter").click()


def fill(page, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.locator(f'[name="{name}"]').fill(value)


def go_on(page) -> None:
    main(page).get_by_role("button", name="Continuer", exact=True).last.click()


def test_an_association_registers_books_borrows_and_asks_for_a_subsidy_and_the_town_answers(
    page, world, time_machine
):
    agent, gym = world["agent"], world["gym"]

    # 1. Lucas registers the association from Mon espace, then invites Camille.
    log_in(page, LUCAS, next_path="/mon-espace/")
    main(page).get_by_role("link", name="Inscrire une association").click()
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Inscrire une association")
    look(page, "register")
    page.get_by_label(re.compile("^Nom de l'association")).fill("Les Amis du Parc")
    page.get_by_label(re.compile("^Numéro RNA")).fill("W77123456")
    page.get_by_label(re.compile("^Objet de l'association")).fill(
        "Faire vivre le parc : fêtes, jardin partagé."
    )
    page.get_by_role("button", name="Inscrire l'association").click()
    expect(main(page).locator(".error-summary")).to_contain_text("W suivi de 9 chiffres")
    expect(page.get_by_label(re.compile("^Nom de l'association"))).to_have_value("Les Amis du Parc")
    look(page, "register-error")
    page.get_by_label(re.compile("^Numéro RNA")).fill("W771234567")
    page.get_by_role("button", name="Inscrire l'association").click()
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Les Amis du Parc")
    expect(main(page)).to_contain_text("En attente de vérification")
    look(page, "association-pending")
    association = Association.objects.get(rna="W771234567")

    main(page).get_by_role("link", name="Inviter un membre").click()
    look(page, "invite")
    page.get_by_label(re.compile("^Adresse électronique de la personne")).fill(CAMILLE)
    page.get_by_label("Membre", exact=True).check()
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.locator(".messages")).to_contain_text(f"Invitation envoyée à {CAMILLE}")
    log_out(page)

    (invitation_mail,) = [message for message in mail.outbox if message.to == [CAMILLE]]
    link = re.search(r"https?://\S+/invitation/\S+/", invitation_mail.body).group(0)
    log_in(page, CAMILLE, next_path=re.sub(r"^https?://[^/]+", "", link))
    expect(main(page)).to_contain_text("vous invite à rejoindre « Les Amis du Parc » avec le rôle : Membre.")
    look(page, "invitation")
    main(page).get_by_role("button", name="Accepter").click()
    expect(page.locator(".messages")).to_contain_text("Bienvenue dans « Les Amis du Parc ».")
    assert perms.role_of(User.objects.get(email=CAMILLE), association) == PartyRole.MEMBER
    log_out(page)

    # 2. The vie associative service verifies the association.
    log_in_agent(page, agent, next_path="/agent/associations/")
    expect(main(page)).to_contain_text("1 association attend votre vérification.")
    look(page, "agent-associations")
    main(page).get_by_role("link", name="Les Amis du Parc").click()
    look(page, "agent-association")
    main(page).get_by_role("button", name="Vérifier l'association").click()
    expect(page.locator(".messages")).to_contain_text("« Les Amis du Parc » est vérifiée")
    log_out(page)

    # 3. Lucas books the gymnasium every Tuesday evening of the autumn.
    log_in(page, LUCAS, next_path=f"/salles/{gym.pk}/reserver-chaque-semaine/")
    page.get_by_label("Les Amis du Parc").check()
    page.get_by_label("Chaque").select_option(label="Mardi")
    page.get_by_label(re.compile(r"^De \(")).fill("18:00")
    page.get_by_label(re.compile(r"^À \(")).fill("20:00")
    page.get_by_label("À partir du").fill("2026-09-01")
    page.get_by_label("Jusqu'au").fill("2026-10-13")
    page.get_by_label(re.compile("^Objet ou nom")).fill("Atelier couture du mardi")
    page.get_by_label(re.compile("^Nombre de participants")).fill("20")
    look(page, "book-weekly")
    page.get_by_role("button", name="Demander ces dates").click()
    conflicts = main(page).get_by_role("table", name=re.compile("déjà réservée"))
    expect(conflicts.get_by_role("row")).to_have_count(2)  # its header and the one Tuesday taken
    expect(conflicts).to_contain_text("Mardi 15 septembre 2026")
    look(page, "book-weekly-result")
    series_bookings = Booking.objects.filter(series__party=association.party)
    assert sorted(b.day for b in series_bookings) == [
        date(2026, 9, 1),
        date(2026, 9, 8),
        date(2026, 9, 22),
        date(2026, 9, 29),
        date(2026, 10, 6),
        date(2026, 10, 13),
    ]

    # … asks for chairs for the neighbourhood party …
    page.goto("/mon-espace/associations/materiel/demander/")
    look(page, "equipment-request")
    page.get_by_label("Premier jour").fill("2026-09-19")
    page.get_by_label("Dernier jour").fill("2026-09-20")
    page.get_by_label("Manifestation").fill("Fête de quartier du parc")
    page.get_by_label("Chaise pliante").fill("20")
    page.get_by_label(re.compile("Retrait et retour")).check()
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(main(page)).to_contain_text("Fête de quartier du parc")
    look(page, "equipment-loan")
    loan = Loan.objects.get(association=association)
    assert loan.lines.get().quantity == 20

    # … and asks for a subsidy in the open campaign.
    page.goto(f"/mon-espace/associations/{association.pk}/")
    main(page).get_by_role("link", name="Subventions").click()
    main(page).get_by_role("button", name=re.compile("^Commencer la demande")).click()
    fill(
        page,
        {
            "rna": "W771234567",
            "siret": "732 829 320 00074",
            "objet": "Faire vivre le parc : fêtes, jardin partagé.",
            "siege-street": "12 allée des Tilleuls",
            "siege-postal_code": "77100",
            "siege-town": "Villebelle",
        },
    )
    go_on(page)
    main(page).get_by_label("Président ou présidente").check()
    fill(page, {"representant_telephone": "06 12 34 56 78"})
    go_on(page)
    fill(page, {"adherents": "80", "benevoles": "12", "salaries": "0", "budget": "9 000"})
    go_on(page)
    main(page).locator('input[name="type_subvention"][value="projet"]').check()
    fill(
        page,
        {
            "projet_intitule": "Fête du parc",
            "description": "Une journée ouverte à tous : ateliers nature, concert et pique-nique partagé au parc.",
            "montant": "1 200",
        },
    )
    go_on(page)
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Le budget prévisionnel")
    fill(
        page,
        {
            "depenses-0-depense_poste": "Location de barnums",
            "depenses-0-depense_montant": "1 500",
            "recettes-0-recette_origine": "Subvention de la commune",
            "recettes-0-recette_montant": "1 200",
        },
    )
    main(page).get_by_role("button", name="Ajouter un bloc « Recettes »").click()
    fill(page, {"recettes-1-recette_origine": "Buvette", "recettes-1-recette_montant": "300"})
    look(page, "subsidy-budget")
    go_on(page)
    fill(page, {"iban": "FR76 3000 6000 0112 3456 7890 189"})
    go_on(page)
    go_on(page)
    expect(main(page).get_by_role("heading", level=1)).to_have_text(
        "Vérifiez vos réponses avant d'envoyer la demande"
    )
    look(page, "subsidy-review")
    main(page).get_by_role("button", name="Envoyer la demande").click()
    expect(main(page)).to_contain_text("GN-")
    application = Application.objects.select_related("request").get(association=association)
    assert (application.request.status, application.requested_cents) == (RequestStatus.SUBMITTED, 120_000)
    log_out(page)

    # 4. In the afternoon (a TOTP code serves once: not the morning's), the agent approves the weekly slot
    # and grants the subsidy.
    time_machine.move_to(MONDAY.replace(hour=14), tick=True)
    log_in_agent(page, agent, next_path="/agent/associations/salles/")
    look(page, "agent-rooms")
    main(page).get_by_role("link", name=re.compile("^Chaque mardi")).click()
    look(page, "agent-series")
    page.get_by_role("button", name="Valider la série").click()
    expect(page.locator(".messages")).to_be_visible()
    assert set(series_bookings.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}

    page.goto("/agent/associations/subventions/")
    main(page).get_by_role("link", name="Les Amis du Parc").first.click()
    look(page, "agent-subsidy")
    for criterion in world["campaign"].criteria.order_by("position"):
        main(page).get_by_label(re.compile(f"^{re.escape(criterion.label)}")).fill("4")
    main(page).get_by_role("button", name="Enregistrer la grille").click()
    main(page).get_by_label("Favorable", exact=True).check()
    main(page).get_by_role("button", name="Enregistrer l'avis").click()
    fill(page, {"decision-granted_cents": "1 000", "decision-motivation": "Projet retenu par la commission."})
    main(page).get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(".messages")).to_contain_text("La subvention de 1\u202f000,00\u00a0€ est accordée")
    look(page, "agent-subsidy-granted")
    application.refresh_from_db()
    assert application.granted_cents == 100_000
    log_out(page)

    # Lucas finds his Tuesdays confirmed and the subsidy accepted, with the decision's letter.
    log_in(page, LUCAS, next_path="/mon-espace/salles/")
    expect(main(page)).to_contain_text("Atelier couture du mardi")
    look(page, "my-bookings")
    page.goto(f"/mon-espace/demandes/{application.request_id}/")
    expect(main(page)).to_contain_text("Acceptée")
    expect(
        main(page).get_by_role("link", name=re.compile("courrier|décision", re.IGNORECASE)).first
    ).to_be_visible()
    look(page, "subsidy-accepted")
