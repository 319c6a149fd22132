"""Equipment loans in a real browser, on Monday 1 June 2026 (the clock moved by time-machine):

1. A visitor looks at the catalogue for 12–14 June: 4 chairs are left (another club holds 196).
2. The president of Les Amis du Parc asks for 10 chairs and 6 tables, to be delivered: the form says
   exactly what is left under the chairs, keeps what was typed; 4 chairs and 6 tables go through. The
   loan page, "Mes prêts de matériel" and the cancel page of another request are looked at.
3. The agent of the vie associative service (password and TOTP) accepts the request, marks it
   delivered, checks it back in with one chair missing and a damaged table, and looks at the stock;
   the request form tells them, who belong to no association, what to do.

Every page passes axe's WCAG 2.1 A/AA rules; screenshots at 360 and 1280 px go to
/tmp/screens/associations-equipment-*.png.
"""

import re
from datetime import date

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from associations.equipment.enums import DeliveryMode, LoanStatus
from associations.equipment.models import Loan
from tests.associations.equipment.factories import NOW, ItemFactory, request
from tests.associations.factories import associations_agent, make_association, png_upload
from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import PASSWORD, UserFactory, make_town

pytestmark = pytest.mark.e2e

PRESIDENT = "lucas.dupont@exemple.fr"
AGENT = "agent.vie-associative@villebelle.fr"


@pytest.fixture
def world(time_machine):
    time_machine.move_to(NOW, tick=True)
    make_town(name="Villebelle")
    agent = associations_agent(email=AGENT, first_name="Alex", last_name="Durand")
    president = UserFactory(email=PRESIDENT, first_name="Lucas", last_name="Dupont")
    parc = make_association(president, name="Les Amis du Parc", agent=agent)
    other_president = UserFactory()
    basket = make_association(other_president, name="Basket Club", agent=agent)
    chairs = ItemFactory(chairs=True, description="Chaise pliante en plastique, empilable par 10.")
    chairs.photo.save("chaise.png", png_upload(size=(320, 200)), save=False)
    chairs.photo_alt = "Une pile de chaises pliantes grises."
    chairs.save()
    tables = ItemFactory(tables=True, description="Table de 180 × 75 cm, 8 places.")
    ItemFactory(barriers=True, description="Barrière métallique de 2 m.")
    request(basket, other_president, {chairs: 196}, date(2026, 6, 13), purpose="Tournoi")
    later = request(parc, president, {tables: 4}, date(2026, 6, 20), purpose="Assemblée générale")
    yield {"agent": agent, "president": president, "chairs": chairs, "tables": tables, "later": later}
    # The test settings' public storage is a folder of the checkout: leave nothing behind.
    chairs.photo.delete(save=False)


def main(page):
    return page.get_by_role("main")


def look(page, name: str) -> None:
    check_accessibility(page)
    take_screenshots(page, name=f"associations-equipment-{name}")


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


def test_an_association_borrows_chairs_and_tables_and_an_agent_lends_and_checks_them_back(page, world):
    chairs, tables = world["chairs"], world["tables"]

    # 1. The public catalogue, for the weekend of 12–14 June.
    page.goto("/associations/materiel/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Emprunter du matériel municipal")
    page.get_by_label("Premier jour").fill("2026-06-12")
    page.get_by_label("Dernier jour").fill("2026-06-14")
    page.get_by_role("button", name="Voir les disponibilités").click()
    expect(page.get_by_role("heading", name="Le matériel disponible du 12 au 14 juin 2026")).to_be_visible()
    expect(page.get_by_role("img", name="Une pile de chaises pliantes grises.")).to_be_visible()
    look(page, "catalogue")

    # 2. The president asks for the equipment, from the catalogue's button (the dates follow).
    main(page).get_by_role("link", name="Demander du matériel").click()
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill(PRESIDENT)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    main(page).locator("form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demander du matériel")
    expect(page.get_by_label("Premier jour du prêt")).to_have_value("2026-06-12")
    expect(main(page)).to_contain_text("4 disponibles du 12 au 14 juin (sur 200).")
    look(page, "request")
    page.get_by_label("Manifestation").fill("Fête de quartier du parc")
    page.get_by_label("Chaise pliante").fill("10")
    page.get_by_label("Table pliante").fill("6")
    page.get_by_label(re.compile("Livraison et reprise")).check()
    page.get_by_label("Adresse de livraison").fill("Parc municipal, allée des Tilleuls")
    page.get_by_label("Personne à contacter").fill("Lucas Dupont")
    page.get_by_label("Son téléphone").fill("06 11 22 33 44")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Il reste 4 chaises disponibles du 12 au 14 juin : vous en demandez 10."
    )
    expect(page.get_by_label("Manifestation")).to_have_value("Fête de quartier du parc")
    look(page, "request-error")
    page.get_by_label("Chaise pliante").fill("4")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fête de quartier du parc")
    expect(main(page)).to_contain_text("est envoyée")
    loan = Loan.objects.get(purpose="Fête de quartier du parc")
    assert sorted(loan.lines.values_list("item__unit_plural", "quantity")) == [("chaises", 4), ("tables", 6)]
    assert loan.delivery_mode == DeliveryMode.DELIVERY
    look(page, "loan-pending")

    page.get_by_role("link", name="Mes prêts de matériel").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes prêts de matériel")
    look(page, "loans")
    main(page).get_by_role("link", name="Annuler Assemblée générale").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuler le prêt « Assemblée générale » ?")
    look(page, "cancel")
    page.get_by_role("link", name="Garder le prêt").click()
    page.goto("/mon-espace/")
    expect(main(page)).to_contain_text("Mes prêts de matériel")
    look(page, "dashboard")
    log_out(page)

    # 3. The agent decides, delivers, checks back in.
    agent = world["agent"]
    log_in_agent(page, agent, next_path="/agent/associations/materiel/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Prêts de matériel")
    look(page, "agent-list")
    main(page).get_by_role("link", name=loan.reference).click()
    expect(main(page)).to_contain_text("Parc municipal, allée des Tilleuls")
    look(page, "agent-loan-pending")
    page.get_by_role("button", name="Accepter la demande").click()
    expect(main(page)).to_contain_text("accepté : l'association est prévenue")
    page.get_by_role("button", name="Le matériel est livré").click()
    expect(main(page)).to_contain_text("livré")
    main(page).get_by_role("link", name="Vérifier le retour").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier le retour")
    chair_group = main(page).get_by_role("group", name="Chaise pliante : 4 prêtés")
    table_group = main(page).get_by_role("group", name="Table pliante : 6 prêtés")
    chair_group.get_by_label("Rendus en tout").fill("3")
    table_group.get_by_label("Dont abîmés").fill("1")
    page.get_by_role("button", name="Enregistrer le retour").click()
    expect(page.get_by_role("alert")).to_contain_text("Décrivez les dégâts constatés.")
    expect(
        main(page).get_by_role("group", name="Chaise pliante : 4 prêtés").get_by_label("Rendus en tout")
    ).to_have_value("3")
    look(page, "agent-return-error")
    main(page).get_by_role("group", name="Table pliante : 6 prêtés").get_by_label("Dégâts constatés").fill(
        "Plateau rayé."
    )
    page.get_by_role("button", name="Enregistrer le retour").click()
    expect(main(page)).to_contain_text("incomplet")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.INCOMPLETE
    look(page, "agent-loan-incomplete")
    page.goto("/agent/associations/materiel/stock/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Stock de matériel semaine par semaine")
    look(page, "agent-stock")

    # Someone without a verified association of their own (the agent here) is told what to do.
    page.goto("/mon-espace/associations/materiel/demander/")
    expect(main(page)).to_contain_text("Le matériel municipal se prête aux associations")
    look(page, "request-unavailable")
    assert (chairs.stock, tables.stock) == (200, 40)
