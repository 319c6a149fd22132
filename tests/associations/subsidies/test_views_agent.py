"""The vie associative service's subsidies pages: the campaigns and requests (envelope, granted,
remaining), a request's page (grid, opinion, committee's decision), the financial reports. Citizens
and other services' agents get a 403, a draft or an unknown request a 404."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from associations.subsidies import services
from associations.subsidies.enums import Opinion
from associations.subsidies.models import Application, Campaign
from demarches.enums import RequestStatus
from famille.deadlines import PARIS
from guichet.audit.models import AuditEvent
from tests.associations.factories import make_association
from tests.associations.subsidies.factories import (
    draft,
    grant,
    make_campaign,
    refreshed,
    report_document,
    submitted,
)
from tests.factories import ServiceFactory, UserFactory, make_agent
from tests.helpers import login

pytestmark = pytest.mark.django_db

NBSP, NNBSP = "\u00a0", "\u202f"
LIST = reverse("associations:agent_subsidies")
REPORTS = reverse("associations:agent_subsidy_reports")


def page(application) -> str:
    return reverse("associations:agent_subsidy", args=[application.pk])


def action(name: str, application) -> str:
    return reverse(f"associations:agent_subsidy_{name}", args=[application.pk])


@pytest.fixture
def sent(world):
    return submitted(
        actor=world.president, campaign=world.campaign, association=world.association, amount=250_000
    )


@pytest.fixture
def agent_client(client, world):
    login(client, world.agent)
    return client


# The list --------------------------------------------------------------------------------------------


def test_the_list_shows_the_envelope_what_was_granted_what_remains_and_the_requests(
    agent_client, world, sent
):
    other = submitted(
        actor=world.other_president,
        campaign=world.campaign,
        association=world.other_association,
        amount=400_000,
    )
    grant(agent=world.agent, application=other, amount=1_250_000 // 10)
    draft(
        actor=world.member,
        campaign=world.campaign,
        association=make_association(world.member, agent=world.agent),
    )

    response = agent_client.get(LIST)

    assertContains(response, "<h1>Subventions aux associations</h1>", html=True)
    assertContains(response, f"50{NNBSP}000,00{NBSP}€")
    assertContains(response, f"1{NNBSP}250,00{NBSP}€")
    assertContains(response, f"48{NNBSP}750,00{NBSP}€")
    assertContains(response, "2 (1 décidée)")
    assertContains(response, "Les Amis du Parc")
    assertContains(response, "Basket Club")
    assertContains(response, f'href="{page(sent)}"')
    # Drafts are the associations' own: not listed.
    assert response.context["page_obj"].paginator.count == 2
    assert response.context["agent_section"] == "subsidies"


def test_the_list_filters_by_state_opinion_and_association(agent_client, world, sent):
    other = submitted(
        actor=world.other_president, campaign=world.campaign, association=world.other_association
    )
    services.give_opinion(actor=world.agent, application=other, opinion=Opinion.FAVOURABLE)

    def names(**query) -> list[str]:
        return [a.association.party.name for a in agent_client.get(LIST, query).context["page_obj"]]

    assert names(avis="favourable") == ["Basket Club"]
    assert names(avis="none") == ["Les Amis du Parc"]
    assert names(etat="in_review") == ["Basket Club"]
    assert names(q="amis") == ["Les Amis du Parc"]
    assert names(q=sent.request.reference) == ["Les Amis du Parc"]
    assert sorted(names(campagne=str(world.campaign.pk))) == ["Basket Club", "Les Amis du Parc"]
    # An unknown value is ignored rather than refused.
    assert sorted(names(etat="n-importe")) == ["Basket Club", "Les Amis du Parc"]


def test_the_list_keeps_a_fixed_number_of_queries(agent_client, world, django_assert_max_num_queries):
    for index in range(8):
        president = UserFactory()
        association = make_association(president, agent=world.agent, name=f"Association {index}")
        application = submitted(actor=president, campaign=world.campaign, association=association)
        if index % 2:
            grant(agent=world.agent, application=application, amount=10_000)
    agent_client.get(LIST)

    with django_assert_max_num_queries(14):
        response = agent_client.get(LIST)

    assert response.context["page_obj"].paginator.count == 8


def test_citizens_and_other_services_agents_get_a_403(client, world, sent):
    for user in (world.president, make_agent(ServiceFactory(slug="urbanisme"))):
        login(client, user)
        for url in (LIST, page(sent), REPORTS):
            assert client.get(url).status_code == 403, (user, url)
        assert client.post(action("decision", sent), {}).status_code == 403
    assert refreshed(sent).granted_cents is None


def test_a_draft_or_an_unknown_request_is_a_404(agent_client, world):
    application = draft(actor=world.president, campaign=world.campaign, association=world.association)

    assert agent_client.get(page(application)).status_code == 404
    assert agent_client.get(reverse("associations:agent_subsidy", args=[99999])).status_code == 404


def test_the_pages_answer_their_methods_only(agent_client, sent):
    assert agent_client.post(LIST).status_code == 405
    assert agent_client.post(page(sent)).status_code == 405
    for name in ("scores", "opinion", "decision", "report_check"):
        assert agent_client.get(action(name, sent)).status_code == 405, name
    assert agent_client.post(action("report_document", sent)).status_code == 405


# A request's page -------------------------------------------------------------------------------------


def test_the_request_page_shows_the_summary_the_association_and_the_envelope(agent_client, world, sent):
    response = agent_client.get(page(sent))

    assertContains(response, "<h1>Les Amis du Parc</h1>", html=True)
    assertContains(response, f'href="{reverse("demarches:agent_request", args=[sent.request.pk])}"')
    assertContains(response, f"2{NNBSP}500,00{NBSP}€")
    assertContains(response, "Équilibré")
    assertContains(response, "Vérifiée")
    assertContains(response, "Statuts de l&#x27;association")
    assertContains(response, f"50{NNBSP}000,00{NBSP}€")
    read = AuditEvent.objects.get(action="subsidies.application.view")
    assert (read.actor_id, read.owner_party_id) == (world.agent.pk, world.association.party_id)


def test_the_request_page_keeps_a_fixed_number_of_queries(
    agent_client, world, clock, django_assert_max_num_queries
):
    # Earlier subsidies of the association, each with its scores.
    for year in (2024, 2025, 2026):
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
        )
    clock.move_to(datetime(2026, 12, 7, 10, 0, tzinfo=PARIS))
    sent = submitted(actor=world.president, campaign=world.campaign, association=world.association)
    agent_client.get(page(sent))

    with django_assert_max_num_queries(26):
        response = agent_client.get(page(sent))

    assertContains(response, "Ses autres demandes")
    assert len(response.context["page"].other_applications) == 3


def test_the_agent_fills_the_grid(agent_client, world, sent):
    criteria = list(world.campaign.criteria.order_by("position"))
    data = {f"grille-criterion_{c.pk}": score for c, score in zip(criteria, (5, 4, 3, 2), strict=True)}

    response = agent_client.post(action("scores", sent), {**data, "grille-comment": "Solide."})

    assertRedirects(response, page(sent))
    application = refreshed(sent)
    assert (application.score_points, application.score_max, application.score_comment) == (31, 40, "Solide.")
    assert application.request.status == RequestStatus.IN_REVIEW
    assertContains(agent_client.get(page(sent)), "31 / 40</strong> (78 %)")


def test_a_wrong_score_shows_the_page_again_with_the_error_and_what_was_typed(agent_client, world, sent):
    criteria = list(world.campaign.criteria.order_by("position"))
    data = {f"grille-criterion_{c.pk}": 3 for c in criteria}
    data[f"grille-criterion_{criteria[1].pk}"] = 9

    response = agent_client.post(action("scores", sent), {**data, "grille-comment": "À revoir."})

    assert response.status_code == 200
    assertContains(response, "La note va de 0 à 5.", count=2)
    assertContains(response, 'value="9"')
    assertContains(response, "À revoir.")
    assert refreshed(sent).score_points is None


def test_the_agent_gives_an_opinion_a_reserved_one_explained(agent_client, sent):
    refused = agent_client.post(action("opinion", sent), {"avis-opinion": "reserved", "avis-text": ""})
    assert refused.status_code == 200
    assertContains(refused, "Motivez un avis réservé ou défavorable : le comité le lira.", count=2)
    assertContains(
        refused,
        '<input type="radio" name="avis-opinion" value="reserved" required id="id_avis-opinion_1" checked>',
    )

    response = agent_client.post(
        action("opinion", sent), {"avis-opinion": "reserved", "avis-text": "Budget fragile."}
    )

    assertRedirects(response, page(sent))
    assert (refreshed(sent).opinion, refreshed(sent).opinion_text) == ("reserved", "Budget fragile.")


def test_the_committees_decision_accepts_the_request_and_prepares_its_letter(
    agent_client, world, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = agent_client.post(
            action("decision", sent), {"decision-granted_cents": "1 500,00", "decision-motivation": "Retenu."}
        )

    assertRedirects(response, page(sent), fetch_redirect_response=False)
    assert len(callbacks) >= 1
    application = refreshed(sent)
    assert (application.granted_cents, application.request.status) == (150_000, RequestStatus.ACCEPTED)
    followed = agent_client.get(page(sent))
    assertContains(followed, f"La subvention de 1{NNBSP}500,00{NBSP}€ est accordée")
    assertContains(followed, "En préparation")
    assertContains(followed, f"48{NNBSP}500,00{NBSP}€")
    assertNotContains(followed, "Enregistrer la décision")


def test_a_decision_beyond_the_envelope_is_refused_with_what_remains_and_what_was_typed(
    agent_client, world, sent
):
    campaign = Campaign.objects.get(pk=world.campaign.pk)
    campaign.envelope_cents = 230_000
    services.save_campaign(actor=None, campaign=campaign)

    response = agent_client.post(
        action("decision", sent),
        {"decision-granted_cents": "2 500,00", "decision-motivation": "Tout accordé."},
    )

    assert response.status_code == 200
    assertContains(
        response, f"Il ne reste que 2{NNBSP}300,00{NBSP}€ dans l&#x27;enveloppe de la campagne 2027.", count=2
    )
    assertContains(response, 'value="2 500,00"')
    assertContains(response, "Tout accordé.")
    assert refreshed(sent).granted_cents is None
    assert refreshed(sent).request.status == RequestStatus.SUBMITTED


def test_a_decision_above_the_amount_asked_or_without_motivation_is_refused(agent_client, sent):
    response = agent_client.post(
        action("decision", sent), {"decision-granted_cents": "3 000", "decision-motivation": ""}
    )

    assert response.status_code == 200
    assertContains(response, "ne peut pas dépasser le montant demandé")
    assertContains(response, "Ce champ est obligatoire.")
    assert refreshed(sent).granted_cents is None


def test_a_zero_decision_refuses_the_subsidy(agent_client, sent):
    response = agent_client.post(
        action("decision", sent), {"decision-granted_cents": "0", "decision-motivation": "Hors critères."}
    )

    assertRedirects(response, page(sent))
    application = refreshed(sent)
    assert (application.granted_cents, application.request.status) == (0, RequestStatus.REFUSED)


# Financial reports ------------------------------------------------------------------------------------


@pytest.fixture
def reported(world, sent):
    granted = grant(agent=world.agent, application=sent, amount=150_000)
    services.file_report(
        actor=world.president,
        application=granted,
        actual_expenses_cents=290_000,
        actual_income_cents=300_000,
        comment="Fête réussie.",
        document=report_document(actor=world.president, association=world.association, title="CR 2027"),
    )
    return refreshed(granted)


def test_the_reports_list_shows_overdue_received_due_and_checked(agent_client, world, reported, clock):
    other = grant(
        agent=world.agent,
        application=submitted(
            actor=world.other_president, campaign=world.campaign, association=world.other_association
        ),
    )

    response = agent_client.get(REPORTS)
    rows = [(a.association.party.name, a.report_status) for a in response.context["applications"]]
    assert rows == [("Les Amis du Parc", "received"), ("Basket Club", "due")]
    assertContains(response, "Reçu, à contrôler")
    assert [a.pk for a in agent_client.get(REPORTS, {"etat": "due"}).context["applications"]] == [other.pk]

    clock.move_to(datetime(2027, 7, 1, 9, 0, tzinfo=PARIS))
    # Back on the portal that day: a new session (the idle one of the fixture has ended).
    login(agent_client, world.agent)
    overdue = agent_client.get(REPORTS, {"etat": "overdue"})
    assert [a.pk for a in overdue.context["applications"]] == [other.pk]
    assertContains(overdue, "En retard")


def test_the_agent_downloads_the_report_and_marks_it_checked(agent_client, world, reported):
    page_response = agent_client.get(page(reported))
    assertContains(page_response, "CR 2027")
    assertContains(page_response, f"2{NNBSP}900,00{NBSP}€")

    download = agent_client.get(action("report_document", reported))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    read = AuditEvent.objects.get(action="subsidies.report.read")
    assert read.owner_party_id == world.association.party_id

    assertRedirects(agent_client.post(action("report_check", reported)), page(reported))
    report = Application.objects.get(pk=reported.pk).report
    assert (report.checked_by, report.checked_at is not None) == (world.agent, True)
    assertContains(agent_client.get(page(reported)), "Contrôlé le")


def test_no_report_yet_is_said_and_nothing_is_downloaded(agent_client, world, sent):
    granted = grant(agent=world.agent, application=sent)

    response = agent_client.post(action("report_check", granted), follow=True)

    assertContains(response, "L&#x27;association n&#x27;a pas encore transmis son compte rendu financier.")
    assert agent_client.get(action("report_document", granted)).status_code == 404


def test_the_reports_list_keeps_a_fixed_number_of_queries(agent_client, world, django_assert_max_num_queries):
    for index in range(6):
        president = UserFactory()
        association = make_association(president, agent=world.agent, name=f"Association {index}")
        granted = grant(
            agent=world.agent,
            application=submitted(actor=president, campaign=world.campaign, association=association),
            amount=10_000,
        )
        if index % 2:
            services.file_report(
                actor=president,
                application=granted,
                actual_expenses_cents=10_000,
                actual_income_cents=10_000,
                comment="",
                document=report_document(actor=president, association=association),
            )
    agent_client.get(REPORTS)

    with django_assert_max_num_queries(10):
        response = agent_client.get(REPORTS)

    assert len(response.context["applications"]) == 6
