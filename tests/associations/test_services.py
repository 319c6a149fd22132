"""The associations' services: registering, the board's rules, members coming and going, verification."""

from datetime import timedelta

import pytest
from django.utils import timezone

from associations import perms, selectors, services
from associations.enums import AssociationStatus
from associations.exceptions import (
    AssociationAccessDenied,
    AssociationRefused,
    MembershipRefused,
    NotBoardMember,
    StatusRefused,
)
from associations.models import Association, AssociationInvitation
from guichet.accounts.enums import PartyKind, PartyRole
from guichet.accounts.models import PartyMembership
from guichet.audit.models import AuditEvent
from guichet.notify.models import Notification
from tests.associations.factories import add_member, associations_agent, make_association
from tests.factories import UserFactory, make_agent

pytestmark = pytest.mark.django_db


def test_registering_makes_an_association_party_with_its_creator_as_president_waiting_for_verification():
    agent = associations_agent()
    user = UserFactory()

    association = services.create_association(
        actor=user, name="  Les   Amis du Parc ", rna="w 751 234 567", siret="", purpose="Fêtes de quartier."
    )

    assert association.party.kind == PartyKind.ASSOCIATION
    assert association.party.name == "Les Amis du Parc"
    assert association.rna == "W751234567"
    assert association.status == AssociationStatus.PENDING
    assert PartyMembership.objects.get(party=association.party).user == user
    assert perms.role_of(user, association) == PartyRole.PRESIDENT
    # The vie associative service is told there is an association to verify.
    assert Notification.objects.filter(user=agent, kind="association_status").count() == 1
    assert AuditEvent.objects.filter(action="associations.association.create", actor_id=user.pk).count() == 1


@pytest.mark.parametrize(
    ("rna", "siret", "message"),
    [
        ("", "", "Indiquez le numéro RNA ou le numéro SIRET"),
        ("W12", "", "W suivi de 9 chiffres"),
        ("", "73282932000075", "Ce numéro SIRET n'existe pas"),
        ("", "1234", "14 chiffres"),
    ],
)
def test_numbers_are_checked(rna, siret, message):
    with pytest.raises(AssociationRefused, match=message):
        services.create_association(actor=UserFactory(), name="Club", rna=rna, siret=siret, purpose="Sport.")
    assert not Association.objects.exists()


def test_an_association_already_registered_is_refused_and_its_members_are_named_as_the_way_in():
    make_association(rna="W751234567")

    with pytest.raises(AssociationRefused, match="demandez à l'un de ses responsables de vous inviter"):
        services.create_association(actor=UserFactory(), name="Doublon", rna="W751234567", purpose="x")
    with pytest.raises(AssociationRefused, match="SIRET"):
        make_association(siret="73282932000074")
        services.create_association(
            actor=UserFactory(), name="Autre", rna="", siret="732 829 320 00074", purpose="x"
        )


def test_only_the_board_edits_the_profile_and_new_numbers_send_it_back_to_verification():
    president = UserFactory()
    association = make_association(president, name="Club")
    member = add_member(association)

    with pytest.raises(NotBoardMember):
        services.update_association(
            actor=member, association=association, name="Autre", rna=association.rna, purpose="x"
        )
    with pytest.raises(AssociationAccessDenied):
        services.update_association(
            actor=UserFactory(), association=association, name="Autre", rna="W1", purpose="x"
        )

    services.update_association(
        actor=president,
        association=association,
        name="Club",
        rna=association.rna,
        purpose="Basket.",
        city="Villebelle",
    )
    association.refresh_from_db()
    assert (association.status, association.city) == (AssociationStatus.VERIFIED, "Villebelle")

    services.update_association(
        actor=president, association=association, name="Club", rna="W999999999", purpose="Basket."
    )
    association.refresh_from_db()
    assert association.status == AssociationStatus.PENDING


def test_bank_details_are_checked_by_python_stdnum():
    president = UserFactory()
    association = make_association(president)

    with pytest.raises(AssociationRefused, match="IBAN n'est pas valide"):
        services.set_bank_details(
            actor=president,
            association=association,
            holder="Club",
            iban="FR7630006000011234567890188",
            bic="",
        )
    services.set_bank_details(
        actor=president,
        association=association,
        holder="Club",
        iban="fr76 3000 6000 0112 3456 7890 189",
        bic="agrifrpp",
    )
    association.refresh_from_db()
    assert (association.iban, association.bic) == ("FR7630006000011234567890189", "AGRIFRPP")


def test_an_invitation_is_accepted_once_by_the_invited_address_with_its_role():
    president = UserFactory()
    association = make_association(president)
    invitation, token = services.invite_member(
        actor=president, association=association, email="Tresorier@Exemple.fr", role=PartyRole.TREASURER
    )
    assert invitation.email == "tresorier@exemple.fr"
    assert invitation.token_hash != token and len(invitation.token_hash) == 64

    with pytest.raises(MembershipRefused, match="une autre adresse"):
        services.accept_invitation(actor=UserFactory(), token=token)
    invited = UserFactory(email="tresorier@exemple.fr")
    services.accept_invitation(actor=invited, token=token)
    services.accept_invitation(actor=invited, token=token)  # twice: nothing more

    assert perms.role_of(invited, association) == PartyRole.TREASURER
    assert PartyMembership.objects.filter(party=association.party, user=invited).count() == 1
    with pytest.raises(MembershipRefused, match="déjà été acceptée"):
        services.accept_invitation(actor=UserFactory(email="x@exemple.fr"), token=token)


def test_an_invitation_expires_and_a_revoked_one_cannot_be_used(time_machine):
    president = UserFactory()
    association = make_association(president)
    _invitation, token = services.invite_member(
        actor=president, association=association, email="a@exemple.fr"
    )
    revoked, revoked_token = services.invite_member(
        actor=president, association=association, email="b@exemple.fr"
    )
    services.revoke_invitation(actor=president, invitation=revoked)

    with pytest.raises(MembershipRefused, match="annulée"):
        services.accept_invitation(actor=UserFactory(email="b@exemple.fr"), token=revoked_token)
    time_machine.move_to(timezone.now() + timedelta(days=15))
    with pytest.raises(MembershipRefused, match="expiré"):
        services.accept_invitation(actor=UserFactory(email="a@exemple.fr"), token=token)
    with pytest.raises(MembershipRefused, match="pas valable"):
        services.accept_invitation(actor=UserFactory(), token="faux")


def test_inviting_a_member_twice_or_an_open_invitation_again_is_refused():
    president = UserFactory()
    association = make_association(president)
    member = add_member(association)
    services.invite_member(actor=president, association=association, email="a@exemple.fr")

    with pytest.raises(MembershipRefused, match="déjà membre"):
        services.invite_member(actor=president, association=association, email=member.email.upper())
    with pytest.raises(MembershipRefused, match="déjà en cours"):
        services.invite_member(actor=president, association=association, email="A@exemple.fr")
    with pytest.raises(NotBoardMember):
        services.invite_member(actor=member, association=association, email="c@exemple.fr")
    assert AssociationInvitation.objects.count() == 1


def test_the_association_always_keeps_a_board_member():
    president = UserFactory()
    association = make_association(president)
    member = add_member(association)

    with pytest.raises(MembershipRefused, match="au moins un membre du bureau"):
        services.change_role(
            actor=president, association=association, member=president, role=PartyRole.MEMBER
        )
    with pytest.raises(MembershipRefused, match="au moins un membre du bureau"):
        services.leave_association(actor=president, association=association)

    services.change_role(actor=president, association=association, member=member, role=PartyRole.SECRETARY)
    services.change_role(actor=president, association=association, member=president, role=PartyRole.MEMBER)
    assert perms.role_of(president, association) == PartyRole.MEMBER
    assert perms.role_of(member, association) == PartyRole.SECRETARY


def test_a_member_who_leaves_or_is_removed_loses_access_at_once():
    president = UserFactory()
    association = make_association(president)
    leaving, removed = add_member(association), add_member(association)

    services.leave_association(actor=leaving, association=association)
    services.remove_member(actor=president, association=association, member=removed)

    for user in (leaving, removed):
        assert not perms.is_member(user, association)
        with pytest.raises(Association.DoesNotExist):
            selectors.association_for_user(user=user, pk=association.pk)
    assert selectors.association_for_user(user=president, pk=association.pk) == association
    with pytest.raises(MembershipRefused, match="Quitter l'association"):
        services.remove_member(actor=president, association=association, member=president)


def test_only_the_vie_associative_service_verifies_and_suspends_with_a_reason_members_read():
    agent = associations_agent()
    president = UserFactory()
    association = make_association(president, verified=False)

    for outsider in (president, make_agent()):
        with pytest.raises(AssociationAccessDenied):
            services.verify_association(actor=outsider, association=association)

    services.verify_association(actor=agent, association=association)
    assert perms.can_request(president, Association.objects.get(pk=association.pk))
    with pytest.raises(StatusRefused, match="déjà vérifiée"):
        services.verify_association(actor=agent, association=association)
    with pytest.raises(StatusRefused, match="motif est obligatoire"):
        services.suspend_association(actor=agent, association=association, reason=" ")

    services.suspend_association(actor=agent, association=association, reason="Statuts périmés.")
    association.refresh_from_db()
    assert (association.status, association.status_reason, association.status_changed_by) == (
        AssociationStatus.SUSPENDED,
        "Statuts périmés.",
        agent,
    )
    assert not perms.can_request(president, association)
    notice = Notification.objects.filter(user=president, kind="association_status").latest("pk")
    assert "Statuts périmés." in notice.body


def test_the_subsidy_rule_decides_who_may_send_subsidy_requests():
    president = UserFactory()
    association = make_association(president)
    member = add_member(association)

    assert association.subsidies_board_only
    assert perms.can_submit_subsidy(president, association)
    assert not perms.can_submit_subsidy(member, association)
    with pytest.raises(NotBoardMember):
        services.set_subsidy_rule(actor=member, association=association, board_only=False)

    services.set_subsidy_rule(actor=president, association=association, board_only=False)
    association.refresh_from_db()
    assert perms.can_submit_subsidy(member, association)
    assert not perms.can_submit_subsidy(UserFactory(), association)


def test_acting_parties_are_the_person_then_their_verified_associations():
    user = UserFactory()
    verified = make_association(user, name="B vérifiée")
    make_association(user, name="A en attente", verified=False)

    parties = selectors.acting_parties(user=user)

    assert [party.party.kind for party in parties] == [PartyKind.PERSON, PartyKind.ASSOCIATION]
    assert parties[1].association == verified
    assert parties[1].role == PartyRole.PRESIDENT
    assert len(selectors.acting_parties(user=user, verified_only=False)) == 3
