"""What the associations' space exports of a person and what their erasure forgets."""

import pytest

from associations import services
from associations.models import AssociationInvitation
from guichet.accounts import registry
from tests.associations.factories import make_association
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_export_lists_the_users_associations_with_their_role_and_the_invitations_they_sent():
    president = UserFactory()
    association = make_association(president, name="Les Amis du Parc", city="Villebelle")
    services.invite_member(actor=president, association=association, email="nadia@exemple.fr")

    export = registry.export_user_data(president)["associations"]

    (entry,) = export["associations"]
    assert (entry["nom"], entry["rôle"], entry["commune"]) == ("Les Amis du Parc", "president", "Villebelle")
    assert export["invitations_envoyées"][0]["adresse"] == "nadia@exemple.fr"
    assert registry.export_user_data(UserFactory())["associations"] == {
        "associations": [],
        "invitations_envoyées": [],
    }


def test_erasure_forgets_invitations_to_and_from_the_person_and_leaves_the_association():
    president, invited, accepted = UserFactory(), UserFactory(), UserFactory()
    association = make_association(president)
    services.invite_member(actor=president, association=association, email=invited.email)
    _invitation, token = services.invite_member(
        actor=president, association=association, email=accepted.email
    )
    services.accept_invitation(actor=accepted, token=token)
    services.invite_member(actor=president, association=association, email="autre@exemple.fr")

    registry.erase_user_data(invited)
    registry.erase_user_data(accepted)

    assert not AssociationInvitation.objects.filter(email=invited.email).exists()
    assert AssociationInvitation.objects.get(accepted_by=accepted).email == ""
    registry.erase_user_data(president)
    assert not AssociationInvitation.objects.filter(accepted_at__isnull=True).exists()
    association.refresh_from_db()
    assert association.party.name
