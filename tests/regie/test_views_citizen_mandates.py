"""A payer's member signs a SEPA mandate (IBAN and BIC checked), and revokes it."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from guichet.audit.models import AuditEvent
from regie import services
from regie.models import Mandate
from tests.factories import UserFactory, person_party
from tests.regie.conftest import make_household

pytestmark = pytest.mark.django_db

PAGE = reverse("regie_pages:mandates")
IBAN = "FR76 3000 6000 0112 3456 7890 189"


def sign(client, payer, **overrides):
    data = {
        "payer": payer.pk,
        "holder_name": "Sofia Benali",
        "iban": IBAN,
        "bic": "agrifrpp",
        "consent": "on",
        **overrides,
    }
    return client.post(PAGE, data)


def test_signing_a_mandate_keeps_a_unique_reference_and_the_signature_date(citizen, citizen_client, payer):
    response = sign(citizen_client, payer)

    assertRedirects(response, PAGE)
    mandate = Mandate.objects.get()
    assert (mandate.payer, mandate.iban, mandate.bic, mandate.signed_by) == (
        payer,
        "FR7630006000011234567890189",
        "AGRIFRPP",
        citizen,
    )
    assert mandate.reference.startswith("RUM") and mandate.is_active
    assert AuditEvent.objects.filter(action="mandate.sign", owner_party_id=payer.pk).exists()
    page = citizen_client.get(PAGE)
    assertContains(page, f"Mandat n° {mandate.reference}")
    assertContains(page, "<dd>FR76 •••• 0189</dd>", html=True)  # the IBAN is never shown whole again


def test_each_mandate_gets_its_own_reference(citizen, citizen_client, payer):
    household = make_household(citizen, UserFactory())
    sign(citizen_client, payer)
    sign(citizen_client, household)
    references = list(Mandate.objects.values_list("reference", flat=True))
    assert len(set(references)) == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("iban", "FR76 3000 6000 0112 3456 7890 188", "Cet IBAN n&#x27;est pas valide"),
        ("bic", "AGRI", "Ce BIC n&#x27;est pas valide"),
        ("holder_name", "", "Ce champ est obligatoire."),
        ("consent", "", "Cochez la case pour signer le mandat de prélèvement."),
    ],
)
def test_invalid_input_shows_the_french_message_and_keeps_what_was_typed(
    citizen_client, payer, field, value, message
):
    response = sign(citizen_client, payer, **{field: value})

    assert response.status_code == 200
    assertContains(response, message)
    assertContains(response, "<title>Erreur : Prélèvement automatique – Villebelle</title>", html=True)
    if field != "holder_name":
        assertContains(response, 'value="Sofia Benali"')
    if field != "iban":
        assertContains(response, f'value="{IBAN}"')
    assert not Mandate.objects.exists()


def test_a_second_active_mandate_for_the_same_payer_cannot_be_signed(citizen_client, payer):
    sign(citizen_client, payer)
    response = sign(citizen_client, payer)
    assert response.status_code == 200  # the payer is no longer offered: the choice is invalid
    assert Mandate.objects.count() == 1


def test_someone_elses_party_cannot_be_chosen(citizen_client):
    stranger = person_party(UserFactory())
    response = sign(citizen_client, stranger)
    assertContains(response, "Sélectionnez un choix valide.")
    assert not Mandate.objects.exists()


def test_revoking_a_mandate(citizen, citizen_client, payer):
    mandate = services.sign_mandate(actor=citizen, payer=payer, holder_name="S B", iban=IBAN, bic="AGRIFRPP")

    response = citizen_client.post(reverse("regie_pages:mandate_revoke", args=[mandate.pk]), follow=True)

    assertRedirects(response, PAGE)
    assertContains(response, f"Mandat n° {mandate.reference} révoqué")
    mandate.refresh_from_db()
    assert not mandate.is_active and mandate.revoked_by == citizen
    # The payer may sign a new one.
    assertContains(response, "<h2>Signer un mandat</h2>", html=True)


def test_someone_elses_mandate_cannot_be_revoked(citizen_client):
    stranger = UserFactory()
    mandate = services.sign_mandate(
        actor=stranger, payer=person_party(stranger), holder_name="X", iban=IBAN, bic="AGRIFRPP"
    )
    assert citizen_client.post(reverse("regie_pages:mandate_revoke", args=[mandate.pk])).status_code == 404
    mandate.refresh_from_db()
    assert mandate.is_active


def test_revoke_answers_post_only(citizen, citizen_client, payer):
    mandate = services.sign_mandate(actor=citizen, payer=payer, holder_name="S B", iban=IBAN, bic="AGRIFRPP")
    assert citizen_client.get(reverse("regie_pages:mandate_revoke", args=[mandate.pk])).status_code == 405
    assert citizen_client.delete(PAGE).status_code == 405
