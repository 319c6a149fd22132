"""The subsidies' services, through the real démarches engine: starting, sending (the submit checks),
what is recorded once sent, the instruction (grid, opinion), the committee's decision within the
envelope and its letter, the financial report and its reminders."""

import io
from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from associations import services as association_services
from associations.exceptions import AssociationAccessDenied, AssociationNotVerified, NotBoardMember
from associations.subsidies import services
from associations.subsidies.enums import ApplicationState, Opinion, ReportState
from associations.subsidies.exceptions import (
    ApplicationExists,
    CampaignClosed,
    CampaignRefused,
    EnvelopeExceeded,
    InstructionRefused,
    ReportRefused,
)
from associations.subsidies.models import Application, Campaign, Score
from coffre import services as vault
from coffre.models import DocumentType
from demarches import letters
from demarches import services as demarches
from demarches.enums import RequestStatus
from demarches.exceptions import IllegalTransition, SubmissionRefused
from demarches.models import LetterTemplate, Request, ServiceSpace
from famille.deadlines import PARIS
from guichet.accounts.enums import AgentRole
from guichet.audit.models import AuditEvent
from guichet.notify.models import Notification
from tests.associations.factories import add_member, make_association
from tests.associations.subsidies.factories import (
    answers,
    draft,
    fill,
    grant,
    make_campaign,
    refreshed,
    report_document,
    submitted,
)
from tests.factories import UserFactory, make_agent, person_party

pytestmark = pytest.mark.django_db

S = RequestStatus


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# Campaigns ------------------------------------------------------------------------------------------


def test_a_campaign_gets_its_grid_and_gives_its_procedure_letters_mentioning_the_amount(world):
    campaign = world.campaign

    assert [(c.label, c.max_score, c.weight) for c in campaign.criteria.order_by("position")] == [
        ("Intérêt pour les habitants", 5, 3),
        ("Qualité du projet", 5, 2),
        ("Budget réaliste", 5, 2),
        ("Vie de l'association", 5, 1),
    ]
    templates = {t.outcome: t for t in LetterTemplate.objects.filter(demarche=world.demarche)}
    assert set(templates) == {S.ACCEPTED, S.REFUSED}
    assert "{{ subvention.montant_accorde }}" in templates[S.ACCEPTED].body
    # A second campaign of the procedure keeps the letters the administrators may have changed.
    LetterTemplate.objects.filter(pk=templates[S.ACCEPTED].pk).update(subject="Notre objet")
    assert services.ensure_letter_templates(demarche=world.demarche) == 0
    assert LetterTemplate.objects.get(pk=templates[S.ACCEPTED].pk).subject == "Notre objet"


def test_two_campaigns_of_one_procedure_never_receive_requests_on_the_same_day(world):
    with pytest.raises(CampaignRefused, match="ne se chevauchent pas"):
        make_campaign(
            year=2028, demarche=world.demarche, opens_on=date(2027, 1, 5), closes_on=date(2027, 3, 1)
        )

    later = make_campaign(
        year=2028, demarche=world.demarche, opens_on=date(2027, 1, 7), closes_on=date(2027, 3, 1)
    )
    assert later.pk


def test_a_campaign_refuses_bad_dates_and_a_procedure_without_amount(world):
    with pytest.raises(CampaignRefused, match="se clôt après son ouverture"):
        make_campaign(
            year=2030, demarche=world.demarche, opens_on=date(2029, 5, 1), closes_on=date(2029, 4, 1)
        )
    from tests.demarches.factories import DemarcheFactory, add_page, publish

    other = DemarcheFactory(service=world.demarche.service, for_person=False, for_association=True)
    add_page(other, "Le projet", {"key": "projet", "kind": "short_text", "label": "Projet"})
    publish(other)
    with pytest.raises(CampaignRefused, match="champ « montant »"):
        make_campaign(
            year=2031,
            demarche=other,
            opens_on=date(2030, 1, 1),
            closes_on=date(2030, 2, 1),
            report_due_on=date(2031, 6, 30),
        )


def test_the_envelope_cannot_go_below_what_was_granted(world):
    application = submitted(actor=world.president, campaign=world.campaign, association=world.association)
    grant(agent=world.agent, application=application)
    campaign = Campaign.objects.get(pk=world.campaign.pk)
    campaign.envelope_cents = 100_000

    with pytest.raises(CampaignRefused, match="1\u202f500,00\u00a0€ déjà accordés"):
        services.save_campaign(actor=None, campaign=campaign)


# Starting a request ---------------------------------------------------------------------------------


def test_a_member_starts_the_associations_request_as_a_draft_of_the_procedure(world):
    application = services.start_application(
        actor=world.member, campaign=world.campaign, association=world.association
    )

    request = application.request
    assert (request.status, request.applicant_id, request.demarche_id) == (
        S.DRAFT,
        world.association.party_id,
        world.demarche.pk,
    )
    assert request.answers["association_nom"] == "Les Amis du Parc"
    assert application.state == ApplicationState.DRAFT
    assert AuditEvent.objects.filter(
        action="subsidies.application.start", target_id=str(application.pk)
    ).exists()


def test_one_request_per_association_and_campaign(world):
    services.start_application(actor=world.member, campaign=world.campaign, association=world.association)

    with pytest.raises(ApplicationExists, match="déjà une demande dans la campagne 2027"):
        services.start_application(
            actor=world.president, campaign=world.campaign, association=world.association
        )
    assert Application.objects.count() == 1


def test_starting_needs_a_verified_association_an_open_campaign_and_a_member(world, clock):
    pending = make_association(UserFactory(), verified=False)
    with pytest.raises(AssociationNotVerified):
        services.start_application(
            actor=pending.party.memberships.get().user, campaign=world.campaign, association=pending
        )
    with pytest.raises(AssociationAccessDenied):
        services.start_application(
            actor=world.other_president, campaign=world.campaign, association=world.association
        )
    clock.move_to(datetime(2027, 1, 7, 9, 0, tzinfo=PARIS))
    with pytest.raises(CampaignClosed, match="La campagne 2027 est close depuis le 6 janvier 2027"):
        services.start_application(
            actor=world.president, campaign=world.campaign, association=world.association
        )
    assert not Request.objects.exists()


# Sending: the submit checks -------------------------------------------------------------------------


def test_sending_records_the_amount_asked_and_the_budgets_totals(world):
    application = submitted(
        actor=world.president, campaign=world.campaign, association=world.association, amount=250_000
    )

    assert application.request.status == S.SUBMITTED
    assert application.request.reference.startswith("GN-")
    assert (application.requested_cents, application.expenses_cents, application.income_cents) == (
        250_000,
        300_000,
        300_000,
    )
    assert application.state == ApplicationState.SUBMITTED
    assert AuditEvent.objects.filter(action="subsidies.application.submit").count() == 1


def test_a_plain_member_cannot_send_when_the_association_keeps_it_to_its_board(world):
    application = draft(actor=world.member, campaign=world.campaign, association=world.association)
    assert world.association.subsidies_board_only

    with pytest.raises(SubmissionRefused) as refused:
        demarches.submit_request(actor=world.member, request=application.request)

    assert (
        "un membre du bureau (présidence, trésorerie, secrétariat) doit envoyer cette demande"
        in refused.value.messages[0]
    )
    request = Request.objects.get(pk=application.request.pk)
    assert (request.status, request.reference, request.events.count()) == (S.DRAFT, "", 0)
    # The draft stays for the board: the treasurer sends it.
    demarches.submit_request(actor=world.treasurer, request=request)
    assert Request.objects.get(pk=request.pk).status == S.SUBMITTED


def test_a_plain_member_sends_it_when_the_association_lets_its_members(world):
    association_services.set_subsidy_rule(
        actor=world.president, association=world.association, board_only=False
    )
    application = draft(actor=world.member, campaign=world.campaign, association=world.association)

    demarches.submit_request(actor=world.member, request=application.request)

    assert refreshed(application).request.status == S.SUBMITTED


def test_a_request_of_an_association_suspended_meanwhile_is_not_sent(world):
    application = draft(actor=world.president, campaign=world.campaign, association=world.association)
    association_services.suspend_association(
        actor=world.agent, association=world.association, reason="RNA radié."
    )

    with pytest.raises(SubmissionRefused, match="doit d'abord être vérifiée"):
        demarches.submit_request(actor=world.president, request=application.request)
    assert Request.objects.get(pk=application.request.pk).status == S.DRAFT


def test_a_request_is_not_sent_once_its_campaign_closed(world, clock):
    application = draft(actor=world.president, campaign=world.campaign, association=world.association)
    clock.move_to(datetime(2027, 1, 7, 9, 0, tzinfo=PARIS))

    with pytest.raises(SubmissionRefused) as refused:
        demarches.submit_request(actor=world.president, request=application.request)

    assert refused.value.messages[0].startswith("La campagne 2027 est close depuis le 6 janvier 2027 : ")
    assert Request.objects.get(pk=application.request.pk).status == S.DRAFT


def test_sent_on_the_closing_day_it_is_received(world, clock):
    application = draft(actor=world.president, campaign=world.campaign, association=world.association)
    clock.move_to(datetime(2027, 1, 6, 23, 50, tzinfo=PARIS))

    demarches.submit_request(actor=world.president, request=application.request)

    assert refreshed(application).request.status == S.SUBMITTED


def test_a_draft_from_the_catalogue_joins_the_open_campaign_when_sent(world):
    request = demarches.start_request(
        actor=world.president, demarche=world.demarche, applicant=world.association.party
    )
    request = fill(actor=world.president, request=request, values=answers(world.association, amount=90_000))

    demarches.submit_request(actor=world.president, request=request)

    application = Application.objects.get(request=request)
    assert (application.campaign, application.association, application.requested_cents) == (
        world.campaign,
        world.association,
        90_000,
    )


def test_a_draft_from_the_catalogue_is_refused_without_an_open_campaign_or_beside_another_request(
    world, clock
):
    submitted(actor=world.president, campaign=world.campaign, association=world.association)
    request = demarches.start_request(
        actor=world.president, demarche=world.demarche, applicant=world.association.party
    )
    request = fill(actor=world.president, request=request, values=answers(world.association))
    with pytest.raises(SubmissionRefused, match="déjà une demande dans la campagne 2027"):
        demarches.submit_request(actor=world.president, request=request)

    other = demarches.start_request(
        actor=world.other_president, demarche=world.demarche, applicant=world.other_association.party
    )
    other = fill(actor=world.other_president, request=other, values=answers(world.other_association))
    clock.move_to(datetime(2027, 2, 1, 9, 0, tzinfo=PARIS))
    with pytest.raises(SubmissionRefused, match="La campagne 2027 est close depuis le 6 janvier 2027"):
        demarches.submit_request(actor=world.other_president, request=other)
    assert Application.objects.count() == 1


def test_a_procedure_no_campaign_uses_is_left_alone(world):
    """The checks concern the campaigns' procedures only: another association procedure is sent as usual."""
    Campaign.objects.all().delete()
    LetterTemplate.objects.all().delete()
    request = demarches.start_request(
        actor=world.president, demarche=world.demarche, applicant=world.association.party
    )
    request = fill(actor=world.president, request=request, values=answers(world.association))

    demarches.submit_request(actor=world.president, request=request)

    assert Request.objects.get(pk=request.pk).status == S.SUBMITTED
    assert not Application.objects.exists()


# Instruction --------------------------------------------------------------------------------------------


@pytest.fixture
def sent(world):
    return submitted(
        actor=world.president, campaign=world.campaign, association=world.association, amount=250_000
    )


def test_the_score_grid_keeps_each_score_and_the_weighted_total(world, sent):
    criteria = list(world.campaign.criteria.order_by("position"))

    services.score_application(
        actor=world.agent,
        application=sent,
        scores={criteria[0].pk: 5, criteria[1].pk: 3, criteria[2].pk: 4, criteria[3].pk: 2},
        comment="Projet solide.",
    )

    application = refreshed(sent)
    # 5×3 + 3×2 + 4×2 + 2×1 = 31 points out of 5×(3+2+2+1) = 40.
    assert (application.score_points, application.score_max, application.score_percent) == (31, 40, 78)
    assert Score.objects.filter(application=application).count() == 4
    # The first step of the instruction takes it into review; the association is told.
    assert application.request.status == S.IN_REVIEW
    assert application.state == ApplicationState.IN_REVIEW


def test_a_score_beyond_its_maximum_or_missing_is_refused(world, sent):
    criteria = list(world.campaign.criteria.order_by("position"))
    with pytest.raises(InstructionRefused, match="La note de « Qualité du projet » va de 0 à 5"):
        services.score_application(
            actor=world.agent,
            application=sent,
            scores={c.pk: 6 if i == 1 else 3 for i, c in enumerate(criteria)},
        )
    with pytest.raises(InstructionRefused, match="« Vie de l'association » n'a pas de note"):
        services.score_application(
            actor=world.agent, application=sent, scores={c.pk: 3 for c in criteria[:3]}
        )
    assert not Score.objects.exists()


def test_only_the_services_agents_instruct(world, sent):
    with pytest.raises(AssociationAccessDenied):
        services.give_opinion(actor=world.president, application=sent, opinion=Opinion.FAVOURABLE)


def test_a_reserved_opinion_is_explained(world, sent):
    with pytest.raises(InstructionRefused, match="Motivez un avis réservé"):
        services.give_opinion(actor=world.agent, application=sent, opinion=Opinion.RESERVED)

    services.give_opinion(
        actor=world.agent, application=sent, opinion=Opinion.RESERVED, text="Budget fragile."
    )

    application = refreshed(sent)
    assert (application.opinion, application.opinion_text, application.opinion_by) == (
        Opinion.RESERVED,
        "Budget fragile.",
        world.agent,
    )


# The committee's decision ---------------------------------------------------------------------------


def test_the_decision_grants_the_amount_accepts_the_request_and_makes_its_letter(
    world, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_application(
            actor=world.agent, application=sent, granted_cents=150_000, motivation="Projet retenu en partie."
        )

    application = refreshed(sent)
    assert (application.granted_cents, application.decided_by, application.state) == (
        150_000,
        world.agent,
        ApplicationState.GRANTED,
    )
    request = application.request
    assert request.status == S.ACCEPTED
    event = request.events.get(to_status=S.ACCEPTED)
    assert event.motivation == "Projet retenu en partie."
    # The démarches' machinery made the letter, in the service's space, with the subsidy's values.
    letter = request.decision_document
    assert letter.owner == ServiceSpace.objects.get(service=world.demarche.service).party
    text = pdf_text(
        b"".join(
            vault.open_space_plaintext(
                actor=world.agent, version=letter.current_version, purpose=request.vault_purpose
            )
        )
    )
    for expected in (
        "1 500,00 €",
        "2 500,00 €",
        "Subventions aux associations 2027",
        "Les Amis du Parc",
        "25 juin 2027",
        "15 février 2027",
    ):
        assert expected.replace(" ", "") in text.replace(" ", "").replace("\u202f", "").replace(
            "\u00a0", ""
        ), expected
    # The association's members are told.
    assert Notification.objects.filter(user=world.member, kind=demarches.STATUS_NOTIFICATION_KIND).exists()


def test_a_decision_of_zero_refuses_the_subsidy(world, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_application(
            actor=world.agent,
            application=sent,
            granted_cents=0,
            motivation="Le projet ne concerne pas la commune.",
        )

    application = refreshed(sent)
    assert (application.granted_cents, application.request.status, application.state) == (
        0,
        S.REFUSED,
        ApplicationState.REFUSED,
    )
    assert application.report_state() is None
    text = letters.render_letter(application.request)
    assert "Le projet ne concerne pas la commune." in text.body and "2\u202f500,00\u00a0€" in text.body


def test_grants_never_exceed_the_envelope(world):
    campaign = Campaign.objects.get(pk=world.campaign.pk)
    campaign.envelope_cents = 1_000_000
    services.save_campaign(actor=None, campaign=campaign)
    first = submitted(actor=world.president, campaign=campaign, association=world.association, amount=800_000)
    second = submitted(
        actor=world.other_president, campaign=campaign, association=world.other_association, amount=500_000
    )
    grant(agent=world.agent, application=first, amount=770_000)

    with pytest.raises(EnvelopeExceeded) as refused:
        services.decide_application(
            actor=world.agent, application=second, granted_cents=500_000, motivation="Oui."
        )

    assert (
        refused.value.message == "Il ne reste que 2\u202f300,00\u00a0€ dans l'enveloppe de la campagne 2027."
    )
    second = refreshed(second)
    assert (second.granted_cents, second.request.status) == (None, S.SUBMITTED)
    grant(agent=world.agent, application=second, amount=230_000)
    assert services.granted_total(campaign) == 1_000_000


def test_the_amount_granted_is_at_most_the_amount_asked_and_the_decision_is_explained(world, sent):
    with pytest.raises(InstructionRefused, match="ne peut pas dépasser le montant demandé"):
        services.decide_application(
            actor=world.agent, application=sent, granted_cents=250_001, motivation="Oui."
        )
    with pytest.raises(InstructionRefused, match="Indiquez le motif"):
        services.decide_application(
            actor=world.agent, application=sent, granted_cents=100_000, motivation=" "
        )
    assert refreshed(sent).granted_cents is None


def test_a_decided_request_is_not_decided_again(world, sent):
    grant(agent=world.agent, application=sent)

    with pytest.raises(InstructionRefused, match="son instruction est terminée"):
        services.decide_application(actor=world.agent, application=sent, granted_cents=0, motivation="Non.")


def test_the_generic_request_page_neither_accepts_refuses_nor_reopens_a_subsidy(world, sent):
    request = sent.request
    for status in (S.ACCEPTED, S.REFUSED):
        with pytest.raises(IllegalTransition, match="se décide depuis sa page dans « Subventions »"):
            demarches.change_status(actor=world.agent, request=request, status=status, motivation="Motif.")
    # Other moves stay the démarches' own: asking for more information, for instance.
    demarches.request_information(actor=world.agent, request=request, missing="Le bilan de l'an dernier.")
    assert Request.objects.get(pk=request.pk).status == S.AWAITING_INFORMATION
    grant(agent=world.agent, application=sent)
    manager = make_agent(world.demarche.service, role=AgentRole.MANAGER)
    with pytest.raises(IllegalTransition, match="ne se rouvre pas"):
        demarches.change_status(actor=manager, request=request, status=S.IN_REVIEW, motivation="Erreur.")
    assert Request.objects.get(pk=request.pk).status == S.ACCEPTED


def test_a_subsidy_withdrawn_by_its_association_is_no_longer_decided(world, sent):
    demarches.withdraw_request(actor=world.president, request=sent.request, reason="Projet annulé.")

    with pytest.raises(InstructionRefused, match="Classée sans suite"):
        services.decide_application(actor=world.agent, application=sent, granted_cents=1, motivation="Oui.")


# The financial report -------------------------------------------------------------------------------------


@pytest.fixture
def granted(world, sent):
    return grant(agent=world.agent, application=sent, amount=150_000)


def test_the_board_files_the_report_its_document_copied_into_the_services_space(world, granted):
    document = report_document(actor=world.treasurer, association=world.association)
    assert granted.report_state() == ReportState.DUE

    report = services.file_report(
        actor=world.treasurer,
        application=granted,
        actual_expenses_cents=290_000,
        actual_income_cents=295_000,
        comment="Fête réussie, 650 participants.",
        document=document,
    )

    assert (report.actual_expenses_cents, report.actual_income_cents, report.is_late, report.filed_by) == (
        290_000,
        295_000,
        False,
        world.treasurer,
    )
    assert report.document.owner == ServiceSpace.objects.get(service=world.demarche.service).party
    assert report.source_document_id == document.pk
    assert refreshed(granted).report_state() == ReportState.RECEIVED
    assert Notification.objects.filter(
        user=world.agent, kind=services.REPORT_FILED_NOTIFICATION_KIND
    ).exists()
    with pytest.raises(ReportRefused, match="déjà transmis"):
        services.file_report(
            actor=world.president,
            application=granted,
            actual_expenses_cents=1,
            actual_income_cents=1,
            comment="",
            document=document,
        )

    services.check_report(actor=world.agent, report=report)
    assert refreshed(granted).report_state() == ReportState.CHECKED


def test_a_plain_member_does_not_file_the_report(world, granted):
    document = report_document(actor=world.president, association=world.association)
    with pytest.raises(NotBoardMember):
        services.file_report(
            actor=world.member,
            application=granted,
            actual_expenses_cents=1,
            actual_income_cents=1,
            comment="",
            document=document,
        )


def test_a_late_report_is_received_and_marked_late(world, granted, clock):
    document = report_document(actor=world.president, association=world.association)
    clock.move_to(datetime(2027, 7, 1, 9, 0, tzinfo=PARIS))
    assert refreshed(granted).report_state() == ReportState.OVERDUE

    report = services.file_report(
        actor=world.president,
        application=granted,
        actual_expenses_cents=300_000,
        actual_income_cents=300_000,
        comment="",
        document=document,
    )

    assert report.is_late


def test_a_report_needs_the_associations_own_financial_report_document(world, granted):
    someone = UserFactory()
    elsewhere = vault.store_document_from_file(
        actor=someone,
        owner=person_party(someone),
        source=io.BytesIO(b"%PDF-1.4\n%%EOF\n"),
        filename="cr.pdf",
        document_type=DocumentType.objects.get(code="justificatif-domicile"),
        title="Autre",
    ).document
    with pytest.raises(ReportRefused, match="Choisissez le compte rendu financier"):
        services.file_report(
            actor=world.president,
            application=granted,
            actual_expenses_cents=1,
            actual_income_cents=1,
            comment="",
            document=elsewhere,
        )


def test_no_report_is_expected_of_a_refused_or_undecided_request(world, sent):
    document = report_document(actor=world.president, association=world.association)
    with pytest.raises(ReportRefused, match="Aucun compte rendu"):
        services.file_report(
            actor=world.president,
            application=sent,
            actual_expenses_cents=1,
            actual_income_cents=1,
            comment="",
            document=document,
        )


def test_the_board_is_reminded_30_days_before_then_once_overdue_each_once(world, granted, clock):
    board = {world.president.pk, world.treasurer.pk}

    def reminded() -> list[tuple[int, bool]]:
        return sorted(
            (n.user_id, "retard" in n.subject)
            for n in Notification.objects.filter(kind=services.REPORT_REMINDER_NOTIFICATION_KIND)
        )

    # Due on 25 June 2027: nothing on 25 May (31 days before)...
    clock.move_to(datetime(2027, 5, 25, 8, 30, tzinfo=PARIS))
    assert services.send_report_reminders() == 0
    # ...the reminder on 26 May, once, to the board only (not the plain member).
    clock.move_to(datetime(2027, 5, 26, 8, 30, tzinfo=PARIS))
    assert services.send_report_reminders() == 1
    assert services.send_report_reminders() == 0
    clock.move_to(datetime(2027, 6, 25, 8, 30, tzinfo=PARIS))
    assert services.send_report_reminders() == 0
    assert reminded() == sorted((pk, False) for pk in board)
    # Overdue from 26 June: once.
    clock.move_to(datetime(2027, 6, 26, 8, 30, tzinfo=PARIS))
    assert services.send_report_reminders() == 1
    clock.move_to(datetime(2027, 7, 10, 8, 30, tzinfo=PARIS))
    assert services.send_report_reminders() == 0
    assert reminded() == sorted([*((pk, False) for pk in board), *((pk, True) for pk in board)])
    application = refreshed(granted)
    assert application.report_reminded_at.date() == date(2027, 5, 26)
    assert application.report_overdue_reminded_at.date() == date(2027, 6, 26)


def test_no_reminder_once_the_report_is_in(world, granted, clock):
    services.file_report(
        actor=world.president,
        application=granted,
        actual_expenses_cents=1,
        actual_income_cents=1,
        comment="",
        document=report_document(actor=world.president, association=world.association),
    )
    clock.move_to(datetime(2027, 6, 1, 8, 30, tzinfo=PARIS))
    assert services.send_report_reminders() == 0
    clock.move_to(datetime(2027, 7, 1, 8, 30, tzinfo=PARIS))
    assert services.send_report_reminders() == 0


def test_a_member_who_left_the_association_is_no_longer_reminded(world, granted, clock):
    leaving = add_member(world.association, UserFactory(), role="secretary")
    association_services.leave_association(actor=leaving, association=world.association)
    clock.move_to(datetime(2027, 6, 1, 8, 30, tzinfo=PARIS))

    services.send_report_reminders()

    assert not Notification.objects.filter(
        user=leaving, kind=services.REPORT_REMINDER_NOTIFICATION_KIND
    ).exists()


def test_the_letters_accept_the_subsidys_variables_and_still_refuse_unknown_ones(world):
    letters.check_template(
        "{{ subvention.montant_accorde }} {{ subvention.compte_rendu_avant_le|date:'j F Y' }}"
    )
    assert "subvention" in letters.known_variables()
    with pytest.raises(ValidationError, match="subventions"):
        letters.check_template("{{ subventions.montant }}")
