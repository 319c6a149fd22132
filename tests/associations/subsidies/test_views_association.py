"""The association's subsidies pages (Mon espace › Mes associations › … › Subventions): its open campaigns
and requests, starting one (then the démarches' pages, the budget page included), and the board's
financial report. Anyone but a member gets a 404, a member who left too, at once."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from associations import services as association_services
from associations.subsidies import services
from associations.subsidies.models import Application, FinancialReport
from demarches.enums import RequestStatus
from famille.deadlines import PARIS
from tests.associations.subsidies.conftest import NOW
from tests.associations.subsidies.factories import (
    draft,
    grant,
    make_campaign,
    refreshed,
    report_document,
    submitted,
)
from tests.helpers import login

pytestmark = pytest.mark.django_db


def page_url(world) -> str:
    return reverse("associations:association_subsidies", args=[world.association.pk])


def start_url(world, campaign=None) -> str:
    return reverse("associations:subsidy_start", args=[world.association.pk, (campaign or world.campaign).pk])


def report_url(world, application) -> str:
    return reverse("associations:subsidy_report", args=[world.association.pk, application.pk])


# The subsidies page ------------------------------------------------------------------------------------


def test_a_member_sees_the_open_campaign_and_starts_the_request(client, world):
    login(client, world.member)

    page = client.get(page_url(world))
    assertContains(page, "<h1>Subventions</h1>", html=True)
    assertContains(page, "Subventions aux associations 2027")
    assertContains(page, "Demandes reçues du 27 novembre 2026 au 6 janvier 2027.")
    assertContains(page, "Décision du comité le 15 février 2027.")
    assertContains(page, "un membre du bureau l'enverra")

    response = client.post(start_url(world))

    application = Application.objects.get()
    assert (application.association, application.created_by) == (world.association, world.member)
    assertRedirects(response, reverse("demarches:page", args=[application.request.pk, 1]))
    again = client.get(page_url(world))
    assertContains(again, "Reprendre la demande")
    assertContains(again, f'href="{reverse("demarches:resume", args=[application.request.pk])}"')


def test_starting_twice_says_so_and_makes_one_request(client, world):
    login(client, world.president)
    client.post(start_url(world))

    response = client.post(start_url(world), follow=True)

    assertRedirects(response, page_url(world))
    assertContains(response, "Votre association a déjà une demande dans la campagne 2027")
    assert Application.objects.count() == 1


def test_a_closed_campaign_is_not_started(client, world, clock):
    clock.move_to(datetime(2027, 1, 7, 9, 0, tzinfo=PARIS))
    login(client, world.president)

    page = client.get(page_url(world))
    assertContains(page, "Aucune campagne ouverte en ce moment")
    response = client.post(start_url(world), follow=True)
    assertContains(response, "La campagne 2027 est close depuis le 6 janvier 2027")
    assert not Application.objects.exists()


def test_an_association_not_verified_cannot_start(client, world):
    association_services.suspend_association(
        actor=world.agent, association=world.association, reason="Pièces."
    )
    login(client, world.president)

    page = client.get(page_url(world))
    assertContains(page, "doit d'abord vérifier votre association")
    assertNotContains(page, "Commencer la demande")
    assertContains(client.post(start_url(world), follow=True), "doit d&#x27;abord être vérifiée")
    assert not Application.objects.exists()


def test_the_page_lists_the_requests_amounts_and_the_report_due(client, world):
    granted = grant(
        agent=world.agent,
        application=submitted(actor=world.president, campaign=world.campaign, association=world.association),
        amount=120_000,
    )
    login(client, world.president)

    page = client.get(page_url(world))

    assertContains(page, granted.request.reference)
    assertContains(page, "Subvention accordée")
    assertContains(page, "1\u202f500,00\u00a0€")
    assertContains(page, "1\u202f200,00\u00a0€")
    assertContains(
        page,
        "Compte rendu financier attendu pour « Subventions aux associations 2027 » avant le 25 juin 2027.",
    )
    assertContains(page, f'href="{report_url(world, granted)}"')


def test_someone_elses_association_and_a_member_who_left_get_a_404(client, world):
    login(client, world.other_president)
    assert client.get(page_url(world)).status_code == 404
    assert client.post(start_url(world)).status_code == 404

    login(client, world.member)
    assert client.get(page_url(world)).status_code == 200
    association_services.leave_association(actor=world.member, association=world.association)
    assert client.get(page_url(world)).status_code == 404
    assert client.post(start_url(world)).status_code == 404
    assert not Application.objects.exists()


def test_starting_is_a_post(client, world):
    login(client, world.president)

    assert client.get(start_url(world)).status_code == 405
    assert client.post(page_url(world)).status_code == 405


def history(world, clock, years=(2023, 2024, 2025)) -> None:
    """Earlier campaigns (each open one autumn), in each of which the association was granted a subsidy."""
    for year in years:
        campaign = make_campaign(
            year=year,
            demarche=world.demarche,
            opens_on=date(year - 1, 9, 1),
            closes_on=date(year - 1, 10, 31),
            report_due_on=date(year, 6, 30),
        )
        clock.move_to(datetime(year - 1, 9, 15, 10, 0, tzinfo=PARIS))
        grant(
            agent=world.agent,
            application=submitted(actor=world.president, campaign=campaign, association=world.association),
            amount=100_000,
        )
    clock.move_to(NOW)


def test_the_subsidies_page_keeps_a_fixed_number_of_queries(
    client, world, clock, django_assert_max_num_queries
):
    history(world, clock)
    draft(actor=world.president, campaign=world.campaign, association=world.association)
    login(client, world.president)
    client.get(page_url(world))

    with django_assert_max_num_queries(12):
        response = client.get(page_url(world))

    assert response.status_code == 200
    assertContains(response, "En retard", count=3)


# Sending through the démarches' pages: the budget page and the board rule ----------------------------


def test_the_budget_page_of_the_procedure_refuses_an_unbalanced_budget(client, world):
    application = services.start_application(
        actor=world.president, campaign=world.campaign, association=world.association
    )
    login(client, world.president)
    budget_page = next(
        page.number for page in application.request.form.pages if page.title == "Le budget prévisionnel"
    )
    data = {
        "depenses-TOTAL": "1",
        "depenses-0-depense_poste": "Location",
        "depenses-0-depense_montant": "12 500,00",
        "recettes-TOTAL": "1",
        "recettes-0-recette_origine": "Subvention",
        "recettes-0-recette_montant": "12 000,00",
    }

    response = client.post(reverse("demarches:page", args=[application.request.pk, budget_page]), data)

    assert response.status_code == 200
    assertContains(
        response,
        escape(
            "Le budget n'est pas équilibré : les dépenses font 12\u202f500,00\u00a0€ et les recettes "
            "12\u202f000,00\u00a0€, soit 500,00\u00a0€ d'écart."
        ),
        count=2,
    )
    assertContains(response, 'value="12 500,00"')


def test_a_plain_member_reads_on_the_check_page_that_the_board_sends_it(client, world):
    application = draft(actor=world.member, campaign=world.campaign, association=world.association)
    login(client, world.member)

    review = client.get(reverse("demarches:review", args=[application.request.pk]))
    assertContains(
        review, "un membre du bureau (présidence, trésorerie, secrétariat) doit envoyer cette demande"
    )
    assertNotContains(review, ">Envoyer la demande</button>")
    sent = client.post(reverse("demarches:submit", args=[application.request.pk]))
    assert sent.status_code == 200
    assert refreshed(application).request.status == RequestStatus.DRAFT

    login(client, world.treasurer)
    assertContains(
        client.get(reverse("demarches:review", args=[application.request.pk])), ">Envoyer la demande</button>"
    )
    assertRedirects(
        client.post(reverse("demarches:submit", args=[application.request.pk])),
        reverse("demarches:acknowledgement", args=[application.request.pk]),
    )
    assert refreshed(application).request.status == RequestStatus.SUBMITTED


# The financial report ------------------------------------------------------------------------------------


@pytest.fixture
def granted(world):
    return grant(
        agent=world.agent,
        application=submitted(actor=world.president, campaign=world.campaign, association=world.association),
    )


def test_the_board_files_the_financial_report(client, world, granted):
    document = report_document(actor=world.treasurer, association=world.association, title="CR fête du parc")
    login(client, world.treasurer)

    page = client.get(report_url(world, granted))
    assertContains(page, "<h1>Compte rendu financier</h1>", html=True)
    assertContains(page, "CR fête du parc")
    response = client.post(
        report_url(world, granted),
        {
            "actual_expenses_cents": "2 950,00",
            "actual_income_cents": "3 000",
            "comment": "Fête réussie.",
            "document": document.pk,
        },
    )

    assertRedirects(response, page_url(world))
    report = FinancialReport.objects.get()
    assert (report.actual_expenses_cents, report.actual_income_cents, report.comment, report.filed_by) == (
        295_000,
        300_000,
        "Fête réussie.",
        world.treasurer,
    )
    filed = client.get(report_url(world, granted))
    assertContains(filed, "Compte rendu transmis")
    assertContains(filed, "2\u202f950,00\u00a0€")


def test_an_invalid_report_shows_the_errors_and_keeps_what_was_typed(client, world, granted):
    login(client, world.president)

    response = client.post(
        report_url(world, granted),
        {"actual_expenses_cents": "beaucoup", "actual_income_cents": "3 000,00", "comment": "Notre bilan."},
    )

    assert response.status_code == 200
    assertContains(response, "Le formulaire contient des erreurs")
    assertContains(response, "Saisissez un montant en euros, par exemple 12,50.")
    assertContains(
        response, "Choisissez le compte rendu financier dans le coffre-fort de l&#x27;association."
    )
    assertContains(response, 'value="beaucoup"')
    assertContains(response, 'value="3 000,00"')
    assertContains(response, "Notre bilan.")
    assertContains(response, "Déposer le document dans le coffre-fort de l'association")
    assert not FinancialReport.objects.exists()


def test_a_plain_member_gets_a_403_on_the_report_and_anyone_else_a_404(client, world, granted):
    login(client, world.member)
    assert client.get(report_url(world, granted)).status_code == 403
    assert client.post(report_url(world, granted), {}).status_code == 403

    login(client, world.other_president)
    assert client.get(report_url(world, granted)).status_code == 404

    # Another association's request, through this association's address: 404 as well.
    other = submitted(
        actor=world.other_president, campaign=world.campaign, association=world.other_association
    )
    login(client, world.president)
    assert client.get(report_url(world, other)).status_code == 404
    assert not FinancialReport.objects.exists()


def test_no_report_page_for_a_request_not_granted(client, world):
    application = submitted(actor=world.president, campaign=world.campaign, association=world.association)
    login(client, world.president)

    assert client.get(report_url(world, application)).status_code == 404


def test_the_report_page_answers_get_and_post_only(client, world, granted):
    login(client, world.president)

    assert client.put(report_url(world, granted)).status_code == 405
