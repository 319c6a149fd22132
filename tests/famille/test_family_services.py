"""The family file's services and selectors (part F1): household, invitations, children in two
households, documents and their validity, the quotient familial."""

import hashlib
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone

from coffre import selectors as coffre_selectors
from coffre.models import Grant
from famille import perms, selectors, services
from famille.enums import ReviewStatus
from famille.exceptions import (
    ChildShareRefused,
    DocumentRefused,
    FamilleAccessDenied,
    HouseholdExists,
    InvitationRefused,
    ReviewRefused,
    TooManyAdults,
)
from famille.models import ChildHousehold, FamilyDocument, Household, HouseholdInvitation, QuotientFamilial
from guichet.accounts.enums import PartyKind, PartyRole
from guichet.accounts.models import PartyMembership
from guichet.audit.models import AuditEvent
from guichet.notify.models import Notification
from tests.factories import ServiceFactory, UserFactory, make_admin, make_agent
from tests.famille.factories import (
    ActivityFactory,
    ChildFactory,
    SiteFactory,
    complete_file,
    famille_agent,
    give,
    make_household,
    requirement,
    seed_requirements,
    vault_document,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 10)
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def _requirements(db):
    seed_requirements()


@pytest.fixture
def parent(db):
    return UserFactory(email="camille@exemple.fr", first_name="Camille", last_name="Martin")


@pytest.fixture
def household(parent):
    return services.create_household(actor=parent, name="Famille Martin", city="Nantes")


@pytest.fixture
def agent(db):
    return famille_agent(first_name="Alix", last_name="Agent")


def token_from_mail(message) -> str:
    return re.search(r"/(?:invitation|partage)/([A-Za-z0-9_-]+)/", message.body).group(1)


# Household ------------------------------------------------------------------------------------


def test_creating_the_family_file_makes_a_household_party_with_the_user_as_guardian(parent):
    household = services.create_household(actor=parent, name=" Famille   Martin ", phone="06 12 34 56 78")

    assert household.party.kind == PartyKind.HOUSEHOLD
    assert household.party.name == "Famille Martin"
    assert PartyMembership.objects.get(party=household.party).role == PartyRole.GUARDIAN
    assert list(Household.objects.for_user(parent)) == [household]
    event = AuditEvent.objects.get(action="famille.household.create")
    assert (event.actor_id, event.owner_party_id) == (parent.pk, household.party_id)


def test_a_user_opens_one_family_file_only(parent, household):
    with pytest.raises(HouseholdExists):
        services.create_household(actor=parent, name="Autre")
    assert Household.objects.count() == 1


def test_someone_else_cannot_change_the_contact_details(household):
    with pytest.raises(FamilleAccessDenied):
        services.update_household(
            actor=UserFactory(),
            household=household,
            name="Pirate",
            address="",
            postal_code="",
            city="",
            phone="",
            email="",
        )


# The second responsible adult --------------------------------------------------------------------


def test_invitation_happy_path(parent, household, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invite_adult(
            actor=parent, household=household, email="Dominique@Exemple.fr"
        )

    # Only the SHA-256 of the token is kept; the token travels in the e-mail.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in HouseholdInvitation.objects.values_list("token_hash", flat=True)
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    (message,) = mail.outbox
    assert message.to == ["dominique@exemple.fr"]
    assert "Famille Martin" in message.subject
    assert token_from_mail(message) == token

    other = UserFactory(email="dominique@exemple.fr")
    joined = services.accept_invitation(actor=other, token=token)

    assert joined == household
    assert PartyMembership.objects.get(user=other, party=household.party).role == PartyRole.GUARDIAN
    invitation.refresh_from_db()
    assert invitation.accepted_by == other
    assert AuditEvent.objects.filter(
        action="famille.invitation.accept", owner_party_id=household.party_id
    ).exists()
    # Accepting twice (a double click) changes nothing.
    assert services.accept_invitation(actor=other, token=token) == household
    assert PartyMembership.objects.filter(party=household.party).count() == 2


def test_accepting_with_another_account_is_refused_with_a_clear_message(parent, household):
    _invitation, token = services.invite_adult(
        actor=parent, household=household, email="dominique@exemple.fr"
    )
    intruder = UserFactory(email="quelquun@exemple.fr")

    with pytest.raises(InvitationRefused) as refused:
        services.accept_invitation(actor=intruder, token=token)

    assert "envoyée à une autre adresse électronique" in refused.value.message
    assert not PartyMembership.objects.filter(user=intruder, role=PartyRole.GUARDIAN).exists()


def test_an_expired_invitation_is_refused(parent, household):
    with time_machine.travel(datetime(2026, 11, 1, 12, 0, tzinfo=PARIS), tick=False):
        _invitation, token = services.invite_adult(actor=parent, household=household, email="d@exemple.fr")
    invited = UserFactory(email="d@exemple.fr")

    with (
        time_machine.travel(datetime(2026, 11, 15, 12, 1, tzinfo=PARIS), tick=False),
        pytest.raises(InvitationRefused) as refused,
    ):
        services.accept_invitation(actor=invited, token=token)

    assert refused.value.message.startswith("Cette invitation a expiré le 15/11/2026.")
    assert not PartyMembership.objects.filter(user=invited, role=PartyRole.GUARDIAN).exists()


def test_a_third_adult_is_refused(parent, household):
    second = UserFactory(email="second@exemple.fr")
    _invitation, token = services.invite_adult(actor=parent, household=household, email=second.email)

    # One adult and one invitation open: no second invitation.
    with pytest.raises(TooManyAdults):
        services.invite_adult(actor=parent, household=household, email="troisieme@exemple.fr")

    services.accept_invitation(actor=second, token=token)
    with pytest.raises(TooManyAdults):
        services.invite_adult(actor=second, household=household, email="troisieme@exemple.fr")
    assert PartyMembership.objects.filter(party=household.party, role=PartyRole.GUARDIAN).count() == 2


def test_an_invitation_is_refused_when_the_household_filled_up_meanwhile(parent, household):
    _invitation, token = services.invite_adult(actor=parent, household=household, email="late@exemple.fr")
    PartyMembership.objects.create(user=UserFactory(), party=household.party, role=PartyRole.GUARDIAN)

    with pytest.raises(TooManyAdults):
        services.accept_invitation(actor=UserFactory(email="late@exemple.fr"), token=token)


def test_a_revoked_invitation_no_longer_works_and_frees_the_place(parent, household):
    invitation, token = services.invite_adult(actor=parent, household=household, email="d@exemple.fr")
    with pytest.raises(FamilleAccessDenied):
        services.revoke_invitation(actor=UserFactory(), invitation=invitation)

    services.revoke_invitation(actor=parent, invitation=invitation)

    with pytest.raises(InvitationRefused, match="annulée"):
        services.accept_invitation(actor=UserFactory(email="d@exemple.fr"), token=token)
    services.invite_adult(actor=parent, household=household, email="autre@exemple.fr")


def test_the_adult_of_another_family_file_cannot_join_a_second_one(parent, household):
    other = UserFactory(email="d@exemple.fr")
    services.create_household(actor=other, name="Famille Durand")
    _invitation, token = services.invite_adult(actor=parent, household=household, email=other.email)

    with pytest.raises(HouseholdExists, match="un seul foyer"):
        services.accept_invitation(actor=other, token=token)


def test_an_unknown_token_is_refused(parent):
    with pytest.raises(InvitationRefused, match="pas valable"):
        services.accept_invitation(actor=parent, token="inconnu")


# A child in two households (alternating custody) ------------------------------------------------


def test_a_child_is_shared_with_the_other_parents_household(
    parent, household, django_capture_on_commit_callbacks
):
    child = services.add_child(
        actor=parent, household=household, first_name="Léa", last_name="Martin", birth_date=date(2018, 3, 14)
    )
    father = UserFactory(email="papa@exemple.fr")
    his = services.create_household(actor=father, name="Famille Durand")

    with django_capture_on_commit_callbacks(execute=True):
        _share, token = services.share_child(
            actor=parent, child=child, household=household, email="PAPA@exemple.fr"
        )
    assert "Léa" in mail.outbox[0].subject
    accepted = services.accept_child_share(actor=father, token=token)

    assert accepted == his
    assert set(ChildHousehold.objects.filter(child=child).values_list("household_id", flat=True)) == {
        household.pk,
        his.pk,
    }
    # Each adult reaches the child through their own household, and nothing else of the other's.
    assert selectors.child_for_user(user=father, pk=child.pk)[1] == his
    assert list(Household.objects.for_user(father)) == [his]
    # Both households' owners see the event in their trail.
    owners = set(
        AuditEvent.objects.filter(action="famille.child_share.accept").values_list(
            "owner_party_id", flat=True
        )
    )
    assert owners == {household.party_id, his.party_id}


def test_sharing_a_child_is_refused_to_the_wrong_account_without_a_family_file_and_beyond_two_homes(
    parent, household
):
    child = ChildFactory(household=household)
    _share, token = services.share_child(
        actor=parent, child=child, household=household, email="papa@exemple.fr"
    )

    with pytest.raises(InvitationRefused, match="autre adresse"):
        services.accept_child_share(actor=UserFactory(email="autre@exemple.fr"), token=token)
    father = UserFactory(email="papa@exemple.fr")
    with pytest.raises(ChildShareRefused, match="Créez d'abord votre dossier famille"):
        services.accept_child_share(actor=father, token=token)

    services.create_household(actor=father, name="Famille Durand")
    services.accept_child_share(actor=father, token=token)
    with pytest.raises(ChildShareRefused, match="déjà partagée entre deux foyers"):
        services.share_child(actor=parent, child=child, household=household, email="tiers@exemple.fr")


def test_only_an_adult_of_a_household_holding_the_child_shares_it(parent, household):
    child = ChildFactory(household=household)
    stranger = UserFactory()
    theirs = services.create_household(actor=stranger, name="Autre")
    with pytest.raises(FamilleAccessDenied):
        services.share_child(actor=stranger, child=child, household=theirs, email="x@exemple.fr")
    with pytest.raises(FamilleAccessDenied):
        services.update_child_health(
            actor=stranger, child=child, allergies="", medical_notes="", has_pai=False, pai_details=""
        )


def test_documents_of_a_shared_child_count_for_both_households_but_household_documents_do_not(
    parent, household
):
    child = ChildFactory(household=household)
    father = UserFactory()
    his = make_household(father, name="Famille Durand")
    ChildHousehold.objects.create(child=child, household=his)
    complete_file(parent, household, [child])

    assert selectors.missing_documents(child=child, household=household, on=TODAY) == []
    missing = selectors.missing_documents(child=child, household=his, on=TODAY)
    # The child's own papers were given by the mother's household; the father's home gives its own.
    assert [(item.label, item.reason, item.child_id) for item in missing] == [
        ("Justificatif de domicile", "manquant", None),
        ("Attestation d'assurance", "manquant", None),
    ]


# Documents asked once: validity -------------------------------------------------------------------


def test_missing_documents_says_exactly_what_is_missing_expired_or_refused(parent, household, agent):
    child = ChildFactory(household=household, first_name="Léa")
    give(
        parent, household, "justificatif-domicile", issue_date=date(2026, 10, 1)
    )  # 90 days: until 30/12/2026
    insurance = give(parent, household, "attestation-assurance", expiry_date=date(2027, 8, 31))
    services.refuse_document(actor=agent, family_document=insurance, reason="Illisible")
    give(parent, household, "carnet-vaccination", child=child)

    missing = selectors.missing_documents(child=child, household=household, on=TODAY)
    assert [str(item) for item in missing] == [
        "Attestation d'assurance : refusé : Illisible",
        "Fiche sanitaire de liaison : manquant",
    ]
    assert [item.code for item in missing] == ["refused", "missing"]

    # On a later day the proof of address has expired.
    later = selectors.missing_documents(child=child, household=household, on=date(2027, 1, 5))
    assert "Justificatif de domicile : expiré le 30/12/2026" in [str(item) for item in later]


def test_a_document_waiting_for_its_check_counts_as_given(parent, household):
    child = ChildFactory(household=household)
    complete_file(parent, household, [child])

    assert FamilyDocument.objects.filter(status=ReviewStatus.PENDING).count() == 4
    assert selectors.missing_documents(child=child, household=household, on=TODAY) == []


def test_giving_a_document_checks_its_owner_type_and_validity(parent, household):
    proof = requirement("justificatif-domicile")
    other_family = make_household(UserFactory())
    theirs = vault_document(other_family.party.memberships.get().user, other_family, "justificatif-domicile")
    with pytest.raises(DocumentRefused, match="coffre-fort du foyer"):
        services.give_document(actor=parent, household=household, requirement=proof, document=theirs)

    insurance = vault_document(parent, household, "attestation-assurance", expiry_date=date(2027, 1, 1))
    with pytest.raises(DocumentRefused, match="pas du type demandé"):
        services.give_document(actor=parent, household=household, requirement=proof, document=insurance)

    with time_machine.travel(date(2026, 1, 1), tick=False):
        old = vault_document(parent, household, "justificatif-domicile", issue_date=date(2025, 12, 1))
    with (
        time_machine.travel(date(2026, 11, 10), tick=False),
        pytest.raises(DocumentRefused, match="n'est plus valable depuis le 01/03/2026"),
    ):
        services.give_document(actor=parent, household=household, requirement=proof, document=old)
    assert not FamilyDocument.objects.exists()


def test_a_child_requirement_needs_a_child_of_the_household(parent, household):
    stranger_child = ChildFactory(household=make_household(UserFactory()))
    record = vault_document(parent, household, "carnet-vaccination")
    with pytest.raises(FamilleAccessDenied):
        services.give_document(
            actor=parent,
            household=household,
            requirement=requirement("carnet-vaccination"),
            document=record,
            child=stranger_child,
        )


def test_giving_another_document_replaces_a_refused_one_and_waits_again(parent, household, agent):
    given = give(parent, household, "attestation-assurance", expiry_date=date(2027, 8, 31))
    services.refuse_document(actor=agent, family_document=given, reason="Périmée")

    again = give(parent, household, "attestation-assurance", expiry_date=date(2027, 9, 30))

    assert again.pk == given.pk
    assert (again.status, again.refusal_reason, again.reviewed_by) == (ReviewStatus.PENDING, "", None)
    assert FamilyDocument.objects.count() == 1


def test_a_given_document_is_shared_with_the_family_services_only(parent, household, agent):
    ServiceFactory(slug="urbanisme")  # runs no activity
    given = give(parent, household, "justificatif-domicile")

    grants = Grant.objects.filter(document=given.document)
    assert [(grant.service.slug, grant.purpose) for grant in grants] == [
        ("education", f"famille.familydocument:{given.pk}")
    ]
    # The agent may read it through the vault (which audits the reading).
    version = coffre_selectors.shared_version_for_agent(user=agent, pk=given.document.current_version_id)
    assert version.document_id == given.document_id


def test_only_family_agents_validate_or_refuse_and_a_reason_is_required(parent, household, agent):
    given = give(parent, household, "justificatif-domicile")
    with pytest.raises(FamilleAccessDenied):
        services.validate_document(actor=parent, family_document=given)
    with pytest.raises(FamilleAccessDenied):
        services.validate_document(actor=make_agent(ServiceFactory(slug="urbanisme")), family_document=given)
    with pytest.raises(ReviewRefused, match="motif"):
        services.refuse_document(actor=agent, family_document=given, reason="  ")

    services.validate_document(actor=agent, family_document=given)
    given.refresh_from_db()
    assert (given.status, given.reviewed_by) == (ReviewStatus.VALIDATED, agent)
    with pytest.raises(ReviewRefused, match="déjà validée"):
        services.validate_document(actor=agent, family_document=given)


def test_a_refused_document_notifies_the_responsible_adults(parent, household, agent):
    given = give(parent, household, "justificatif-domicile")
    services.refuse_document(actor=agent, family_document=given, reason="Plus de trois mois")

    notification = Notification.objects.get(user=parent)
    assert notification.subject == "Document refusé : Justificatif de domicile"
    assert "Motif : Plus de trois mois" in notification.body


# Quotient familial ------------------------------------------------------------------------------


def declare(parent, household, value=850, **kwargs):
    certificate = vault_document(parent, household, "attestation-caf", issue_date=date(2026, 10, 2))
    return services.declare_quotient(
        actor=parent, household=household, value=value, caf_document=certificate, **kwargs
    )


@time_machine.travel(date(2026, 11, 10), tick=False)
def test_a_declared_quotient_waits_and_is_proposed_from_the_certificate_to_the_end_of_the_year(
    parent, household
):
    quotient = declare(parent, household, monthly_income_cents=245000, dependants=2)

    assert quotient.status == ReviewStatus.PENDING
    assert (quotient.valid_from, quotient.valid_until) == (date(2026, 10, 2), date(2026, 12, 31))
    assert selectors.quotient_on(household=household, on=TODAY) is None
    # Declaring again while it waits replaces it.
    again = declare(parent, household, value=900)
    assert again.pk == quotient.pk
    assert QuotientFamilial.objects.get().value == 900


def test_the_caf_certificate_is_required(parent, household):
    not_caf = vault_document(parent, household, "justificatif-domicile")
    with pytest.raises(Exception, match="attestation de quotient familial"):
        services.declare_quotient(actor=parent, household=household, value=500, caf_document=not_caf)


@time_machine.travel(date(2026, 11, 10), tick=False)
def test_quotient_validation_and_quotient_on(parent, household, agent):
    quotient = declare(parent, household)
    with pytest.raises(FamilleAccessDenied):
        services.validate_quotient(actor=parent, quotient=quotient)
    with pytest.raises(ReviewRefused, match="précéder"):
        services.validate_quotient(
            actor=agent, quotient=quotient, valid_from=date(2026, 12, 1), valid_until=date(2026, 11, 1)
        )

    services.validate_quotient(
        actor=agent, quotient=quotient, valid_from=date(2026, 9, 1), valid_until=date(2027, 8, 31)
    )

    assert selectors.quotient_on(household=household, on=date(2026, 8, 31)) is None
    assert selectors.quotient_on(household=household, on=date(2026, 9, 1)) == quotient
    assert selectors.quotient_on(household=household, on=date(2027, 8, 31)) == quotient
    assert selectors.quotient_on(household=household, on=date(2027, 9, 1)) is None
    assert Notification.objects.get(user=parent).subject == "Votre quotient familial est validé"
    with pytest.raises(ReviewRefused, match="déjà été vérifié"):
        services.refuse_quotient(actor=agent, quotient=quotient, reason="Trop tard")


@time_machine.travel(date(2026, 11, 10), tick=False)
def test_a_newer_certificate_takes_over_from_its_date_and_refused_ones_never_count(parent, household, agent):
    first = declare(parent, household, value=700)
    services.validate_quotient(
        actor=agent, quotient=first, valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31)
    )
    second = declare(parent, household, value=450)
    services.validate_quotient(
        actor=agent, quotient=second, valid_from=date(2026, 11, 1), valid_until=date(2026, 12, 31)
    )
    third = declare(parent, household, value=100)
    services.refuse_quotient(actor=agent, quotient=third, reason="Attestation d'un autre foyer")

    assert selectors.quotient_on(household=household, on=date(2026, 10, 31)).value == 700
    assert selectors.quotient_on(household=household, on=date(2026, 11, 1)).value == 450
    assert selectors.quotient_on(household=household, on=date(2026, 12, 15)).value == 450
    assert QuotientFamilial.objects.get(pk=third.pk).refusal_reason == "Attestation d'un autre foyer"


def test_quotient_on_ignores_other_households(parent, household, agent):
    other = make_household(UserFactory())
    QuotientFamilial.objects.create(
        household=other,
        value=300,
        status=ReviewStatus.VALIDATED,
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 12, 31),
    )
    assert selectors.quotient_on(household=household, on=TODAY) is None


# Permissions ---------------------------------------------------------------------------------------


def test_who_is_a_family_agent_and_who_reads_health_notes(agent):
    other_service_agent = make_agent(ServiceFactory(slug="urbanisme"))
    admin = make_admin()
    assert perms.is_famille_agent(agent)
    assert not perms.is_famille_agent(other_service_agent)
    assert not perms.is_famille_agent(UserFactory())
    assert perms.is_famille_agent(admin)

    assert not perms.can_read_health(agent)
    agent.user_permissions.add(Permission.objects.get(codename="view_childhealth_notes"))
    agent = type(agent).objects.get(pk=agent.pk)  # permissions are cached on the instance
    assert perms.can_read_health(agent)
    assert perms.can_read_health(admin)


def test_an_inactive_service_makes_no_family_agent():
    service = ServiceFactory(slug="jeunesse", is_active=False)
    ActivityFactory(service=service)
    assert not perms.is_famille_agent(make_agent(service))


def test_a_child_born_in_the_future_or_at_a_site_that_is_no_school_is_refused(parent, household):
    from famille.enums import SiteKind
    from famille.exceptions import ChildRefused

    with pytest.raises(ChildRefused, match="futur"):
        services.add_child(
            actor=parent,
            household=household,
            first_name="A",
            last_name="B",
            birth_date=timezone.localdate() + timedelta(days=1),
        )
    with pytest.raises(ChildRefused, match="école"):
        services.add_child(
            actor=parent,
            household=household,
            first_name="A",
            last_name="B",
            birth_date=date(2019, 1, 1),
            school=SiteFactory(kind=SiteKind.CENTRE),
        )
