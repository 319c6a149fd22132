"""Mon espace › Mes associations: a member's pages, as members, the board, outsiders and leavers see them."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from associations import services
from associations.enums import AssociationStatus
from associations.models import Association, AssociationInvitation
from associations.views.common import CURRENT_ASSOCIATION_SESSION_KEY
from guichet.accounts.enums import PartyRole
from tests.associations.factories import add_member, make_association, png_upload
from tests.factories import UserFactory, make_town
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def town():
    return make_town()


@pytest.fixture
def president():
    return UserFactory(first_name="Lucas", last_name="Dupont")


@pytest.fixture
def association(president):
    return make_association(president, name="Les Amis du Parc")


def url(name: str, association: Association, *more) -> str:
    return reverse(f"associations:{name}", args=[association.pk, *more])


# Registering -------------------------------------------------------------------------------------


def test_registering_an_association_opens_its_page_waiting_for_verification(client, president):
    login(client, president)

    response = client.post(
        reverse("associations:create"),
        {
            "name": "Basket Club",
            "rna": "W771234567",
            "siret": "",
            "purpose": "Basket-ball.",
            "city": "Villebelle",
        },
        follow=True,
    )

    association = Association.objects.get(rna="W771234567")
    assert response.redirect_chain[-1][0] == url("association", association)
    assertContains(response, "En attente de vérification")
    assertContains(response, "Le service de la vie associative va la vérifier")
    assert client.session[CURRENT_ASSOCIATION_SESSION_KEY] == association.pk


def test_a_form_with_errors_keeps_what_was_typed_and_says_what_is_wrong(client, president):
    login(client, president)

    response = client.post(
        reverse("associations:create"),
        {"name": "Basket Club", "rna": "W12", "siret": "123", "purpose": "Basket-ball et école de basket."},
    )

    assert response.status_code == 200
    assertContains(response, "Le numéro RNA commence par W suivi de 9 chiffres")
    assertContains(response, "Le numéro SIRET compte 14 chiffres")
    assertContains(response, 'value="Basket Club"')
    assertContains(response, "Basket-ball et école de basket.")
    assertContains(response, "<title>Erreur : ", status_code=200)
    assert not Association.objects.exists()


def test_an_association_already_on_the_guichet_is_refused_with_the_way_in(client, president, association):
    login(client, UserFactory())

    response = client.post(
        reverse("associations:create"), {"name": "Doublon", "rna": association.rna, "purpose": "Fêtes."}
    )

    assertContains(response, "demandez à l&#x27;un de ses responsables de vous inviter")
    assert Association.objects.count() == 1


# The association's page ---------------------------------------------------------------------------


def test_the_board_sees_papers_bank_members_and_rules(
    client, president, association, django_assert_max_num_queries
):
    for _ in range(8):
        add_member(association)
    login(client, president)

    with django_assert_max_num_queries(16):
        response = client.get(url("association", association))

    assertContains(response, "<h1>Les Amis du Parc</h1>", html=True)
    assertContains(response, "Votre rôle : Président ou présidente")
    assertContains(response, "Statuts de l&#x27;association")
    assertContains(response, "Manquant")
    assertContains(response, "Indiquer le compte de l'association")
    assertContains(response, "Inviter un membre")
    assertContains(response, "Qui envoie les demandes de subvention ?")


def test_a_plain_member_sees_the_association_but_not_its_papers_nor_the_boards_tools(client, association):
    member = add_member(association)
    login(client, member)

    response = client.get(url("association", association))

    assertContains(response, "Votre rôle : Membre")
    assertNotContains(response, "Documents de l'association")
    assertNotContains(response, "Inviter un membre")
    assertNotContains(response, "Coordonnées bancaires")
    assertContains(response, "Quitter l'association")


def test_someone_elses_association_is_a_404_and_a_member_who_left_loses_it_at_once(client, association):
    login(client, UserFactory())
    assert client.get(url("association", association)).status_code == 404

    member = add_member(association)
    login(client, member)
    assert client.get(url("association", association)).status_code == 200
    response = client.post(url("leave", association), {"confirm": "on"}, follow=True)
    assertContains(response, "Vous avez quitté « Les Amis du Parc ».")
    for name in ("association", "edit", "invite", "bank", "logo", "leave"):
        assert client.get(url(name, association)).status_code == 404, name


def test_leaving_needs_the_box_ticked(client, association):
    member = add_member(association)
    login(client, member)

    response = client.post(url("leave", association), {})

    assertContains(response, "Cochez la case pour confirmer.")
    assert services.perms.is_member(member, association)


def test_switching_makes_an_association_the_one_the_member_acts_for(client, president, association):
    other = make_association(president, name="Basket Club")
    login(client, president)

    client.post(url("switch", other))
    assert client.session[CURRENT_ASSOCIATION_SESSION_KEY] == other.pk
    home = client.get(reverse("associations:home"))
    assertContains(home, "(association choisie pour vos demandes)")
    assert client.get(url("switch", association)).status_code == 405


def test_a_plain_member_cannot_edit_the_profile(client, association):
    member = add_member(association)
    login(client, member)

    response = client.post(
        url("edit", association), {"name": "Piratée", "rna": association.rna, "purpose": "Autre chose."}
    )

    assertContains(response, "Seuls les membres du bureau")
    association.refresh_from_db()
    assert association.party.name == "Les Amis du Parc"


def test_the_board_edits_the_profile_and_a_new_number_asks_for_verification_again(
    client, president, association
):
    login(client, president)

    response = client.post(
        url("edit", association),
        {"name": "Les Amis du Parc", "rna": "W779999999", "purpose": "Fêtes.", "city": "Villebelle"},
        follow=True,
    )

    assertContains(response, "le service de la vie associative va la vérifier à nouveau")
    association.refresh_from_db()
    assert (association.rna, association.status) == ("W779999999", AssociationStatus.PENDING)


def test_bank_details_refuse_a_wrong_iban_and_keep_it_typed(client, president, association):
    login(client, president)

    response = client.post(
        url("bank", association), {"holder": "Les Amis", "iban": "FR76 3000 6000 0112 3456 7890 188"}
    )

    assertContains(response, "Cet IBAN n&#x27;est pas valide")
    assertContains(response, 'value="FR76 3000 6000 0112 3456 7890 188"')
    client.post(
        url("bank", association), {"holder": "Les Amis", "iban": "FR7630006000011234567890189", "bic": ""}
    )
    association.refresh_from_db()
    assert association.iban == "FR7630006000011234567890189"


def test_a_logo_is_checked_by_its_bytes_and_served_publicly(client, president, association):
    login(client, president)
    fake = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")

    refused = client.post(url("logo", association), {"logo": fake})
    assertContains(refused, "Ce fichier n&#x27;est pas une image PNG ou JPEG lisible.")

    client.post(url("logo", association), {"logo": png_upload("mon logo.PNG")})
    association.refresh_from_db()
    assert association.logo.name.startswith("associations/logos/") and association.logo.name.endswith(".png")
    assert "mon logo" not in association.logo.name
    client.logout()
    image = client.get(association.logo.url)
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert client.get("/media/public/../../settings.py").status_code == 404


def test_the_subsidy_rule_is_the_boards(client, president, association):
    member = add_member(association)
    login(client, member)
    client.post(url("subsidy_rule", association), {"board_only": "0"})
    association.refresh_from_db()
    assert association.subsidies_board_only

    login(client, president)
    response = client.post(url("subsidy_rule", association), {"board_only": "0"}, follow=True)
    assertContains(response, "La règle des demandes de subvention est enregistrée.")
    association.refresh_from_db()
    assert not association.subsidies_board_only


# Members ------------------------------------------------------------------------------------------


def test_inviting_sends_an_email_with_a_link_the_invited_person_accepts(
    client, president, association, django_capture_on_commit_callbacks
):
    login(client, president)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("invite", association),
            {"email": "nadia@exemple.fr", "role": PartyRole.TREASURER},
            follow=True,
        )
    assertContains(response, "Invitation envoyée à nadia@exemple.fr")
    assertContains(response, "Invitation envoyée à nadia@exemple.fr (Trésorier ou trésorière)")
    (message,) = mail.outbox
    assert message.to == ["nadia@exemple.fr"]
    assert "Les Amis du Parc" in message.subject
    link = next(word for word in message.body.split() if "/invitation/" in word)
    path = link.removeprefix("http://127.0.0.1:8000")

    nadia = UserFactory(email="nadia@exemple.fr")
    login(client, nadia)
    page = client.get(path)
    assertContains(
        page, "vous invite à rejoindre « Les Amis du Parc » avec le rôle : Trésorier ou trésorière."
    )
    accepted = client.post(path, follow=True)
    assertContains(accepted, "Bienvenue dans « Les Amis du Parc ».")
    assert services.perms.role_of(nadia, association) == PartyRole.TREASURER


def test_the_invitation_page_says_why_it_cannot_be_accepted(client, president, association):
    _invitation, token = services.invite_member(
        actor=president, association=association, email="a@exemple.fr"
    )
    login(client, UserFactory(email="b@exemple.fr"))

    response = client.post(reverse("associations:invitation_accept", args=[token]))

    assertContains(response, "Cette invitation a été envoyée à une autre adresse électronique")
    assertContains(client.get(reverse("associations:invitation_accept", args=["faux"])), "pas valable")


def test_an_invitation_is_revoked_by_the_board_and_someone_elses_is_a_404(client, president, association):
    invitation, _token = services.invite_member(
        actor=president, association=association, email="a@exemple.fr"
    )
    login(client, UserFactory())
    assert client.post(reverse("associations:invitation_revoke", args=[invitation.pk])).status_code == 404

    login(client, president)
    response = client.post(reverse("associations:invitation_revoke", args=[invitation.pk]), follow=True)
    assertContains(response, "L&#x27;invitation est annulée.")
    assert AssociationInvitation.objects.get().revoked_at is not None


def test_the_board_changes_a_role_and_removes_a_member(client, president, association):
    member = add_member(association, UserFactory(first_name="Inès", last_name="Roy"))
    login(client, president)

    page = client.get(url("member", association, member.pk))
    assertContains(page, "<h1>Inès Roy</h1>", html=True)
    client.post(url("member", association, member.pk), {"role": PartyRole.SECRETARY})
    assert services.perms.role_of(member, association) == PartyRole.SECRETARY

    response = client.post(url("member", association, member.pk), {"remove": "1"}, follow=True)
    assertContains(response, "Inès Roy ne fait plus partie de l&#x27;association.")
    assert not services.perms.is_member(member, association)
    assert client.get(url("member", association, member.pk)).status_code == 404


def test_the_last_board_member_cannot_step_down(client, president, association):
    secretary = add_member(association, role=PartyRole.SECRETARY)
    login(client, secretary)

    response = client.post(url("member", association, president.pk), {"role": PartyRole.MEMBER})
    assert response.status_code == 302
    response = client.post(url("member", association, secretary.pk), {"role": PartyRole.MEMBER})
    assertContains(response, "L&#x27;association doit garder au moins un membre du bureau")


def test_mon_espace_lists_the_users_associations_or_how_to_register_one(client, president, association):
    login(client, UserFactory())
    assertContains(client.get(reverse("portal:dashboard")), reverse("associations:create"))

    login(client, president)
    response = client.get(reverse("portal:dashboard"))
    assertContains(response, f'<a href="{url("association", association)}">Les Amis du Parc</a>', html=True)
    assertContains(response, "Vérifiée")
