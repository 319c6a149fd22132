"""The pages of Mon espace › Mes données personnelles, and the way back after a deletion.

They show the signed-in person's own data only: no page takes an object's id, so there is no one
else's object to reach; the only key to someone's deletion is the e-mail's signed link.
"""

import io
import time
import zipfile
from datetime import timedelta

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from demarches.catalogue import load_catalogue
from demarches.enums import DemarcheStatus
from demarches.models import Demarche, FormField
from guichet.accounts.models import User
from guichet.audit.models import AuditEvent
from guichet.privacy import services, signals, tokens
from guichet.privacy.enums import DeletionStatus
from guichet.privacy.models import DeletionRequest
from tests.associations.factories import make_association
from tests.factories import PASSWORD, UserFactory, make_admin, make_agent
from tests.helpers import login
from tests.privacy.conftest import NOW
from tests.privacy.factories import citizen
from tests.security.helpers import reauthenticate

pytestmark = pytest.mark.django_db

HOME = reverse("privacy:home")
EXPORT = reverse("privacy:export")
DELETE = reverse("privacy:delete")
DELETED = reverse("privacy:deleted")
COME_BACK = reverse("privacy:come_back")
REAUTH = reverse("account_reauthenticate")
LOGIN = reverse("account_login")


@pytest.fixture
def camille(clock, town, document_types, client):
    person = citizen(today=NOW.date(), first_name="Camille", last_name="Martin", email="camille@exemple.fr")
    login(client, person.user)
    return person


# Mes données personnelles ---------------------------------------------------------------------


def test_the_page_says_how_to_download_correct_object_and_delete(
    client, camille, django_assert_max_num_queries
):
    load_catalogue(slugs=["exercer-mes-droits"])

    with django_assert_max_num_queries(12):
        response = client.get(HOME)

    assertContains(response, "<h1>Mes données personnelles</h1>", html=True)
    assertContains(response, "Télécharger mes données (fichier ZIP)")
    assertContains(response, f'<a href="{reverse("accounts:profile")}">vos coordonnées</a>', html=True)
    assertContains(response, "une identité certifiée (par FranceConnect ou par un acte d'état civil)")
    assertContains(
        response,
        f'<a class="button button--secondary" href="{reverse("demarches:demarche", args=["exercer-mes-droits"])}">'
        "Exercer mes droits sur mes données personnelles</a>",
        html=True,
    )
    assertContains(response, "dpo@villeneuve.example")
    assertContains(response, f'<a href="{DELETE}">Supprimer mon compte</a>', html=True)
    assertContains(response, reverse("audit:data_access"))


def test_the_dpo_procedure_is_in_the_catalogue_routed_to_the_dpo_and_opens_from_the_page(client, camille):
    load_catalogue(slugs=["exercer-mes-droits"])
    demarche = Demarche.objects.select_related("service").get(slug="exercer-mes-droits")

    page = client.get(HOME)
    procedure = client.get(reverse("demarches:demarche", args=[demarche.slug]))

    assert demarche.status == DemarcheStatus.PUBLISHED
    assert (demarche.service.slug, demarche.service.name) == ("dpo", "Délégué à la protection des données")
    assertContains(page, f'href="{reverse("demarches:demarche", args=[demarche.slug])}"')
    assertContains(procedure, "<h1>Exercer mes droits sur mes données personnelles</h1>", html=True)
    assertContains(procedure, "opposer à un traitement de vos données, le faire limiter")
    question = FormField.objects.get(demarche=demarche, key="droit")
    options = [choice.split(" | ")[0] for choice in question.choices.splitlines()]
    assert {"opposition", "limitation"} <= set(options)


def test_the_dashboard_links_to_the_page(client, camille):
    response = client.get(reverse("portal:dashboard"))

    assertContains(response, f'<a href="{HOME}">Mes données personnelles</a>', html=True)


def test_an_agent_is_told_to_ask_the_administrator(client, clock, town):
    login(client, make_agent())

    response = client.get(HOME)

    assertContains(response, "Demandez-le à l&#x27;administrateur du guichet.")
    assertNotContains(response, f'href="{DELETE}"')


def test_the_pages_are_for_signed_in_people_and_answer_only_their_methods(client, clock, town):
    for url in (HOME, DELETE):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    login(client, UserFactory())
    assert client.post(HOME).status_code == 405
    assert client.get(EXPORT).status_code == 405
    assert client.put(DELETE).status_code == 405
    assert client.post(DELETED).status_code == 405
    assert client.delete(COME_BACK).status_code == 405


# Download all my data -------------------------------------------------------------------------


def test_the_download_asks_for_the_password_then_streams_the_zip(client, camille):
    response = client.post(EXPORT)

    assert response.status_code == 302
    assert response.url == f"{REAUTH}?next=%2Fmon-espace%2Fmes-donnees%2Ftelecharger%2F"
    assert not AuditEvent.objects.filter(action="privacy.data.export").exists()

    # The request waiting for the password is carried out once it is given: the ZIP itself.
    response = client.post(REAUTH, {"password": PASSWORD, "next": EXPORT})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="mes-donnees-2026-11-02.zip"'
    assert response["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert {"README.txt", "donnees/accounts.json", "donnees/privacy.json", "coffre-fort.zip"} <= set(
        archive.namelist()
    )
    event = AuditEvent.objects.get(action="privacy.data.export")
    assert (event.actor_id, event.owner_party_id) == (camille.user.pk, camille.user.person_party.pk)
    assert AuditEvent.objects.filter(action="coffre.vault.export", actor_id=camille.user.pk).count() == 1


def queries_of(action) -> int:
    """How many queries `action` makes (the log starts empty, as each request empties it)."""
    reset_queries()
    with CaptureQueriesContext(connection) as context:
        action()
    return len(context)


def download(client) -> bytes:
    reauthenticate(client)
    return b"".join(client.post(EXPORT).streaming_content)


def test_the_download_reads_a_fixed_number_of_queries(client, camille, django_assert_max_num_queries):
    few = queries_of(lambda: download(client))
    assert few < 80
    # Three more documents, a second household child and more requests: no more queries.
    from tests.coffre.factories import pdf_bytes, store
    from tests.demarches.factories import fill
    from tests.famille.factories import ChildFactory

    for index in range(3):
        store(user=camille.user, content=pdf_bytes(5_000 + index), title=f"Pièce {index}")
    ChildFactory(household=camille.household, first_name="Yanis")
    for _index in range(3):
        fill(user=camille.user, demarche=camille.draft.demarche, answers={"nom": "Martin"})

    assert queries_of(lambda: download(client)) <= few


# Delete my account ----------------------------------------------------------------------------


def test_the_deletion_page_says_what_goes_at_once_what_goes_in_30_days_and_what_the_town_keeps(
    client, camille, django_assert_max_num_queries
):
    make_association(camille.user, name="Les Amis du Parc")

    with django_assert_max_num_queries(15):
        response = client.get(DELETE)

    assertContains(response, "<h1>Supprimer mon compte</h1>", html=True)
    # What goes at once, what goes in 30 days, what the town keeps and for how long.
    assertContains(response, '<h2 id="now-title">Tout de suite</h2>', html=True)
    assertContains(
        response, '<h2 id="erased-title">Le 2 décembre 2026, sont effacés définitivement</h2>', html=True
    )
    assertContains(response, '<h2 id="kept-title">Ce que la mairie doit garder</h2>', html=True)
    assertContains(response, '<th scope="col">Combien de temps</th>', html=True)
    assertContains(response, "2 réservations à venir d'activités de vos enfants sont annulées.")
    assertContains(response, "1 réservation de salle à venir est annulée.")
    assertContains(response, "Pendant 30 jours, jusqu'au 2 décembre 2026")
    assertContains(response, "Votre coffre-fort (3 documents) : il est détruit de façon irréversible")
    assertContains(response, "Vos brouillons de démarches (1).")
    assertContains(response, "10 ans après l'année de la facture.")
    assertContains(response, "Votre demande envoyée (1), les échanges avec le service et la décision")
    assertContains(response, "Vous êtes le seul adulte du dossier « Foyer Martin » (1 enfant).")
    assertContains(response, "Vous êtes le seul membre du bureau de « Les Amis du Parc ».")
    assertContains(
        response,
        "<caption>Données gardées après la suppression du compte, pourquoi et combien de temps</caption>",
        html=True,
    )


def test_the_deletion_page_reads_a_fixed_number_of_queries(client, camille, django_assert_max_num_queries):
    for index in range(4):
        make_association(camille.user, name=f"Association {index}")
    few = queries_of(lambda: client.get(DELETE))
    for index in range(6):
        make_association(camille.user, name=f"Autre association {index}")

    response = client.get(DELETE)

    assert queries_of(lambda: client.get(DELETE)) <= few <= 15

    assertContains(response, "Vous êtes le seul membre du bureau de", count=10)


def test_deleting_asks_for_the_password_and_the_box_ticked(client, camille):
    response = client.post(DELETE, {"understood": "on"})

    assert response.status_code == 302 and response.url.startswith(REAUTH)
    assert User.objects.get(pk=camille.user.pk).is_active

    reauthenticate(client)
    response = client.post(DELETE, {})

    assert response.status_code == 200
    assertContains(response, "Cochez cette case pour confirmer que vous supprimez votre compte.")
    assertContains(response, '<div class="error-summary"', count=1)
    assert User.objects.get(pk=camille.user.pk).is_active
    assert not DeletionRequest.objects.exists()


def test_deleting_signs_out_and_says_when_the_account_goes(client, camille):
    reauthenticate(client)

    response = client.post(DELETE, {"understood": "on"}, follow=True)

    assertRedirects(response, DELETED)
    assertContains(
        response,
        "Votre compte est désactivé. Il sera supprimé définitivement le 2 décembre 2026. Un courriel vous le "
        "confirme, avec le lien pour revenir d&#x27;ici là.",
    )
    assertContains(response, "<h1>Votre compte est désactivé</h1>", html=True)
    deletion = DeletionRequest.objects.get(user=camille.user)
    assert deletion.status == DeletionStatus.PENDING
    assert not User.objects.get(pk=camille.user.pk).is_active
    # Signed out: Mon espace asks to sign in again.
    assert client.get(reverse("portal:dashboard")).url.startswith(LOGIN)


@pytest.mark.parametrize("who", ["agent", "administrator"])
def test_an_agent_or_administrator_may_not_delete_their_account_online(client, clock, town, who):
    user = make_agent() if who == "agent" else make_admin()
    login(client, user)
    reauthenticate(client)

    page = client.get(DELETE)
    response = client.post(DELETE, {"understood": "on"})

    assertContains(page, "Demandez-le à l&#x27;administrateur du guichet.")
    assertNotContains(page, 'name="understood"')
    assert response.status_code == 403
    assert User.objects.get(pk=user.pk).is_active
    assert not DeletionRequest.objects.exists()


# Coming back ----------------------------------------------------------------------------------


def test_the_e_mail_s_link_offers_to_cancel_and_cancelling_restores_the_account(client, clock, town):
    user = UserFactory(email="lea@exemple.fr")
    deletion = services.request_deletion(actor=user)
    link = f"{COME_BACK}?{urlencode({'jeton': tokens.come_back_token(deletion.pk)})}"

    page = client.get(link)

    assertContains(page, "Votre compte sera supprimé définitivement le 2 décembre 2026.")
    assertContains(page, "Annuler la suppression et retrouver mon compte")

    response = client.post(COME_BACK, {"jeton": tokens.come_back_token(deletion.pk)}, follow=True)

    assertRedirects(response, LOGIN)
    assertContains(
        response, "La suppression est annulée : votre compte est rétabli. Vous pouvez vous connecter."
    )
    deletion.refresh_from_db()
    assert (deletion.status, deletion.cancelled_through) == (DeletionStatus.CANCELLED, "email_link")
    assert User.objects.get(pk=user.pk).is_active


@pytest.mark.parametrize("case", ["forged", "altered", "too_old", "used", "erased"])
def test_a_link_that_no_longer_leads_anywhere_says_so_and_changes_nothing(client, clock, town, case):
    user = UserFactory()
    deletion = services.request_deletion(actor=user)
    token = tokens.come_back_token(deletion.pk)
    match case:
        case "forged":
            token = "eyJkZWxldGlvbiI6MX0:1xNmxU:pas-la-bonne-signature"
        case "altered":
            token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        case "too_old":
            clock.shift(timedelta(days=32))
        case "used":
            services.cancel_deletion(deletion=deletion, through="sign_in")
        case "erased":
            clock.shift(timedelta(days=30))
            services.erase_due_accounts()

    page = client.get(f"{COME_BACK}?{urlencode({'jeton': token})}")
    response = client.post(COME_BACK, {"jeton": token})

    for answer in (page, response):
        assert answer.status_code == 200
        assertContains(answer, "Ce lien n&#x27;est plus valable")
        assertNotContains(answer, "Annuler la suppression et retrouver mon compte")
    assert AuditEvent.objects.filter(action="privacy.deletion.cancel").count() == (1 if case == "used" else 0)


def test_signing_in_during_the_30_days_offers_to_cancel_the_deletion(client, clock, town):
    user = UserFactory(email="lea@exemple.fr")
    services.request_deletion(actor=user)
    clock.shift(timedelta(days=12))

    response = client.post(LOGIN, {"login": "lea@exemple.fr", "password": PASSWORD})

    assertRedirects(response, COME_BACK, fetch_redirect_response=False)
    page = client.get(COME_BACK)
    assertContains(page, "Votre mot de passe est le bon, mais votre compte est désactivé")
    assertContains(page, "Votre compte sera supprimé définitivement le 2 décembre 2026.")
    # Not signed in by this.
    assert "_auth_user_id" not in client.session

    client.post(COME_BACK, {})

    deletion = DeletionRequest.objects.get(user=user)
    assert (deletion.status, deletion.cancelled_through) == (DeletionStatus.CANCELLED, "sign_in")
    assert signals.COME_BACK_SESSION_KEY not in client.session
    response = client.post(LOGIN, {"login": "lea@exemple.fr", "password": PASSWORD})
    assert response.status_code == 302 and response.url != COME_BACK
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_password_offers_nothing(client, clock, town):
    user = UserFactory(email="lea@exemple.fr")
    services.request_deletion(actor=user)

    response = client.post(LOGIN, {"login": "lea@exemple.fr", "password": "pas-le-bon-mot-de-passe"})

    assert response.status_code == 200
    assert signals.COME_BACK_SESSION_KEY not in client.session
    assertContains(client.get(COME_BACK), "Ce lien n&#x27;est plus valable")


def test_the_offer_after_signing_in_lasts_fifteen_minutes(client, clock, town):
    user = UserFactory(email="lea@exemple.fr")
    services.request_deletion(actor=user)
    client.post(LOGIN, {"login": "lea@exemple.fr", "password": PASSWORD})
    session = client.session
    session[signals.COME_BACK_SESSION_KEY] = {
        "deletion": session[signals.COME_BACK_SESSION_KEY]["deletion"],
        "at": time.time() - 15 * 60 - 1,
    }
    session.save()

    response = client.post(COME_BACK, {})

    assertContains(response, "Ce lien n&#x27;est plus valable")
    assert DeletionRequest.objects.get(user=user).status == DeletionStatus.PENDING


def test_the_deleted_page_is_public(client, clock, town):
    response = client.get(DELETED)

    assertContains(response, "Jusque-là, vous pouvez revenir")
