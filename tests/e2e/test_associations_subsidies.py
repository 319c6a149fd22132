"""Subsidies in a real browser:

1. The president of the Amis du Parc opens the association's subsidies page, starts its request in the
   open campaign and fills the procedure page by page; on the budget page an unbalanced budget is refused
   with the difference, then balanced; they check the answers and send it. They then file the financial
   report of last year's granted subsidy, picking its document from the association's vault.
2. A plain member of the Basket Club, which keeps the sending to its board, reads on the check page that a
   board member must send its draft.
3. The agent of the vie associative service (password and TOTP) opens the subsidies, the request, fills
   the score grid and the opinion, records the committee's decision (more than the envelope holds first,
   refused with what remains), and reads the financial reports.

Every page passes axe's WCAG 2.1 A/AA rules; screenshots at 360 and 1280 px go to
/tmp/screens/associations-subsidies-*.png.
"""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from associations.subsidies.models import Application, Campaign, FinancialReport
from demarches.enums import RequestStatus
from tests.associations.conftest import seed_document_types
from tests.associations.factories import add_member, associations_agent, make_association
from tests.associations.subsidies.factories import (
    draft,
    grant,
    make_campaign,
    report_document,
    submitted,
    subsidy_demarche,
)
from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import PASSWORD, UserFactory, make_town

pytestmark = pytest.mark.e2e

PRESIDENT = "lucas.dupont@exemple.fr"
MEMBER = "camille.martin@exemple.fr"
AGENT = "agent.vie-associative@villebelle.fr"


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
def world():
    """Les Amis du Parc (granted 1 500 € last year, report due in 20 days, its document in the vault), the
    coming year's campaign (envelope 50 000 €, 4 criteria, 48 000 € already granted to others), and the
    Basket Club's draft, prepared by a plain member."""
    # The live server's tests empty the tables: the vault's types again.
    seed_document_types()
    make_town(name="Villebelle")
    today = timezone.localdate()
    agent = associations_agent(email=AGENT, first_name="Alex", last_name="Durand")
    president = UserFactory(email=PRESIDENT, first_name="Lucas", last_name="Dupont")
    parc = make_association(president, name="Les Amis du Parc", agent=agent, city="Villebelle")
    member = UserFactory(email=MEMBER, first_name="Camille", last_name="Martin")
    basket = make_association(UserFactory(), name="Basket Club", agent=agent)
    add_member(basket, member)
    demarche = subsidy_demarche()
    # Last year's campaign: open while the request is sent and decided, then moved back to last autumn.
    past = make_campaign(
        year=today.year,
        demarche=demarche,
        opens_on=today - timedelta(days=1),
        closes_on=today,
        report_due_on=today + timedelta(days=20),
    )
    grant(agent=agent, application=submitted(actor=president, campaign=past, association=parc))
    Campaign.objects.filter(pk=past.pk).update(
        opens_on=date(today.year - 1, 9, 1), closes_on=date(today.year - 1, 10, 31)
    )
    report_document(actor=president, association=parc, title="Compte rendu financier de la fête du parc")
    coming = make_campaign(year=today.year + 1, demarche=demarche, committee_on=today + timedelta(days=60))
    for index in range(2):
        other_president = UserFactory()
        other = make_association(other_president, agent=agent, name=f"Club n° {index + 1}")
        grant(
            agent=agent,
            application=submitted(
                actor=other_president, campaign=coming, association=other, amount=2_400_000
            ),
        )
    draft(actor=member, campaign=coming, association=basket)
    return {"agent": agent, "parc": parc, "basket": basket, "coming": coming, "past": past}


def main(page):
    return page.get_by_role("main")


def look(page, name: str) -> None:
    check_accessibility(page)
    take_screenshots(page, name=f"associations-subsidies-{name}")


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


def fill(page, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.locator(f'[name="{name}"]').fill(value)


def go_on(page) -> None:
    main(page).get_by_role("button", name="Continuer", exact=True).last.click()


def test_an_association_requests_a_subsidy_and_the_agent_decides_it(page, live_server, world):
    parc, agent = world["parc"], world["agent"]
    subsidies_path = f"/mon-espace/associations/{parc.pk}/subventions/"

    # 1. The president: the subsidies page, then the procedure page by page.
    log_in(page, PRESIDENT, next_path=subsidies_path)
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Subventions")
    expect(main(page)).to_contain_text("Compte rendu financier attendu")
    look(page, "association")
    main(page).get_by_role("button", name=re.compile("^Commencer la demande")).click()

    expect(main(page).get_by_role("heading", level=1)).to_have_text("L'association")
    fill(
        page,
        {
            "rna": parc.rna,
            "siret": "732 829 320 00074",
            "objet": "Faire vivre le parc municipal : fêtes, jardin partagé, ateliers nature.",
            "siege-street": "12 allée des Tilleuls",
            "siege-postal_code": "77100",
            "siege-town": "Villebelle",
        },
    )
    look(page, "procedure-association")
    go_on(page)

    expect(main(page).get_by_role("heading", level=1)).to_have_text("Son représentant")
    main(page).get_by_label("Président ou présidente").check()
    fill(page, {"representant_telephone": "06 12 34 56 78"})
    go_on(page)

    expect(main(page).get_by_role("heading", level=1)).to_have_text("L'activité en chiffres")
    fill(page, {"adherents": "140", "benevoles": "22", "salaries": "0", "budget": "18 500"})
    go_on(page)

    expect(main(page).get_by_role("heading", level=1)).to_have_text("La demande")
    main(page).locator('input[name="type_subvention"][value="projet"]').check()
    fill(
        page,
        {
            "projet_intitule": "Fête du parc",
            "description": "Une journée ouverte à tous les habitants : ateliers nature, concert et pique-nique partagé.",
            "montant": "2 500",
        },
    )
    go_on(page)

    # The budget page: an unbalanced budget is refused with the difference, what was typed kept.
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Le budget prévisionnel")
    fill(
        page,
        {
            "depenses-0-depense_poste": "Location de barnums",
            "depenses-0-depense_montant": "3 000",
            "recettes-0-recette_origine": "Subvention de la commune",
            "recettes-0-recette_montant": "2 500",
        },
    )
    go_on(page)
    expect(main(page).locator(".error-summary")).to_contain_text("Le budget n'est pas équilibré")
    expect(main(page).locator(".error-summary")).to_contain_text("soit 500,00\u00a0€ d'écart")
    expect(page.locator('[name="depenses-0-depense_montant"]')).to_have_value("3 000")
    look(page, "procedure-budget-refused")
    main(page).get_by_role("button", name="Ajouter un bloc « Recettes »").click()
    fill(page, {"recettes-1-recette_origine": "Cotisations", "recettes-1-recette_montant": "500"})
    look(page, "procedure-budget")
    go_on(page)

    expect(main(page).get_by_role("heading", level=1)).to_have_text("Le versement")
    fill(page, {"iban": "FR76 3000 6000 0112 3456 7890 189"})
    go_on(page)

    expect(main(page).get_by_role("heading", level=1)).to_have_text("Les justificatifs")
    look(page, "procedure-documents")
    go_on(page)

    expect(main(page).get_by_role("heading", level=1)).to_have_text(
        "Vérifiez vos réponses avant d'envoyer la demande"
    )
    expect(main(page)).to_contain_text("Total : 3\u202f000,00\u00a0€")
    look(page, "review")
    main(page).get_by_role("button", name="Envoyer la demande").click()
    expect(main(page)).to_contain_text("GN-")
    look(page, "acknowledgement")
    application = Application.objects.select_related("request").get(
        campaign=world["coming"], association=parc
    )
    assert (application.request.status, application.requested_cents, application.expenses_cents) == (
        RequestStatus.SUBMITTED,
        250_000,
        300_000,
    )

    # The financial report of last year's subsidy.
    page.goto(subsidies_path)
    look(page, "association-sent")
    main(page).get_by_role("link", name="Transmettre le compte rendu").first.click()
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Compte rendu financier")
    main(page).get_by_role("button", name="Transmettre le compte rendu").click()
    expect(main(page).locator(".error-summary")).to_be_visible()
    look(page, "report-errors")
    fill(
        page,
        {"actual_expenses_cents": "2 950", "actual_income_cents": "3 000", "comment": "650 participants."},
    )
    main(page).get_by_label("Compte rendu financier de la fête du parc").check()
    look(page, "report")
    main(page).get_by_role("button", name="Transmettre le compte rendu").click()
    expect(main(page)).to_contain_text("Le compte rendu financier est transmis")
    assert FinancialReport.objects.filter(application__association=parc).exists()
    page.get_by_role("button", name="Se déconnecter").click()

    # 2. A plain member of the Basket Club: the board sends the draft.
    basket_draft = Application.objects.get(association=world["basket"]).request
    log_in(page, MEMBER, next_path=f"/mon-espace/demandes/{basket_draft.pk}/verifier/")
    expect(main(page).locator(".error-summary")).to_contain_text("un membre du bureau")
    expect(main(page).get_by_role("button", name="Envoyer la demande")).to_have_count(0)
    look(page, "review-board-only")
    page.get_by_role("button", name="Se déconnecter").click()

    # 3. The agent instructs and decides.
    log_in_agent(page, agent, next_path="/agent/associations/subventions/")
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Subventions aux associations")
    look(page, "agent-list")
    main(page).get_by_role("link", name="Les Amis du Parc").first.click()
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Les Amis du Parc")
    look(page, "agent-request")
    for criterion, score in zip(
        world["coming"].criteria.order_by("position"), ("5", "4", "4", "3"), strict=True
    ):
        main(page).get_by_label(re.compile(f"^{re.escape(criterion.label)}")).fill(score)
    main(page).get_by_role("button", name="Enregistrer la grille").click()
    expect(main(page)).to_contain_text("Total pondéré")
    main(page).get_by_label("Favorable", exact=True).check()
    main(page).get_by_role("button", name="Enregistrer l'avis").click()
    expect(page.locator(".messages")).to_contain_text("L'avis du service est enregistré.")
    # 48 000 € of 50 000 € granted already: 2 500 € is more than what remains.
    fill(page, {"decision-granted_cents": "2 500", "decision-motivation": "Projet retenu."})
    main(page).get_by_role("button", name="Enregistrer la décision").click()
    expect(main(page).locator(".error-summary")).to_contain_text("Il ne reste que 2\u202f000,00\u00a0€")
    look(page, "agent-decision-refused")
    fill(page, {"decision-granted_cents": "1 500"})
    main(page).get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(".messages")).to_contain_text("La subvention de 1\u202f500,00\u00a0€ est accordée")
    look(page, "agent-request-decided")
    application.refresh_from_db()
    assert application.granted_cents == 150_000
    page.goto("/agent/associations/subventions/comptes-rendus/")
    expect(main(page)).to_contain_text("Reçu, à contrôler")
    look(page, "agent-reports")
