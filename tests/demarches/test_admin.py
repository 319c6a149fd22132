"""Administrators build, preview, publish and duplicate procedures in the admin."""

import pytest
from django.urls import reverse

from demarches.catalogue import load_catalogue
from demarches.enums import DemarcheStatus
from demarches.models import Demarche, DemarcheRevision, FormField, FormPage
from tests.demarches.factories import DemarcheFactory, add_page, publish, simple_demarche
from tests.factories import UserFactory, make_admin, make_town
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    make_town()
    return login(client, make_admin())


def changelist() -> str:
    return reverse("admin:demarches_demarche_changelist")


def test_the_list_filters_by_theme_status_and_service_and_searches(admin_client):
    civil = simple_demarche(title="Acte de naissance", theme="civil_status")
    simple_demarche(title="Signalement", theme="everyday_life")

    page = admin_client.get(
        changelist(), {"theme__exact": "civil_status", "status__exact": "draft", "q": "naissance"}
    )

    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [civil]
    for parameter in ("theme__exact", "status__exact", "service__id__exact"):
        assert parameter in page.content.decode()


def test_the_change_page_shows_pages_inline_and_the_publication_state(admin_client):
    demarche = simple_demarche()
    publish(demarche)
    FormField.objects.filter(demarche=demarche, key="nom").update(label="Nom d'usage")

    page = admin_client.get(reverse("admin:demarches_demarche_change", args=[demarche.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Identité" in html and "Rendez-vous" in html
    assert "Version 1 publiée le" in html
    assert "Le formulaire a été modifié depuis" in html
    assert reverse("admin:demarches_demarche_preview", args=[demarche.pk]) in html


def test_the_preview_renders_every_page_as_citizens_will_see_it_and_cannot_be_sent(admin_client):
    demarche = simple_demarche(title="Prendre rendez-vous")
    add_page(
        demarche,
        "Enfants",
        {
            "key": "enfants",
            "kind": "group",
            "label": "Enfant",
            "children": [{"key": "prenom_enfant", "kind": "short_text", "label": "Prénom de l'enfant"}],
        },
        condition={"field": "moment", "op": "equals", "value": "soir"},
    )

    page = admin_client.get(reverse("admin:demarches_demarche_preview", args=[demarche.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Prendre rendez-vous</h1>" in html
    for title in ("Page 1 sur 3 : Identité", "Page 2 sur 3 : Rendez-vous", "Page 3 sur 3 : Enfants"):
        assert title in html
    assert "Page affichée seulement si la réponse à « Moment » est « Le soir »." in html
    assert 'name="date_souhaitee"' in html and "À remplir si la réponse à « Moment » est « Le soir »." in html
    assert 'name="enfants-0-prenom_enfant"' in html
    assert html.count("<fieldset disabled>") == 3
    assert 'method="post"' not in html.split("<main")[1].split("</main>")[0]


def test_the_preview_lists_what_stops_publication(admin_client):
    demarche = DemarcheFactory()
    add_page(
        demarche,
        "Page",
        {"key": "choix", "kind": "single_choice", "label": "Choix", "choices": ["seul | Seul"]},
    )

    page = admin_client.get(reverse("admin:demarches_demarche_preview", args=[demarche.pk]))

    assert "Ce formulaire ne peut pas encore être publié" in page.content.decode()


def test_the_publish_action_freezes_a_new_revision(admin_client):
    demarche = simple_demarche()

    response = admin_client.post(
        changelist(), {"action": "publish", "_selected_action": [demarche.pk]}, follow=True
    )

    assert "version 1 publiée" in response.content.decode()
    demarche.refresh_from_db()
    assert demarche.status == DemarcheStatus.PUBLISHED
    assert demarche.current_revision.number == 1
    assert demarche.current_revision.created_by == response.wsgi_request.user

    FormField.objects.filter(demarche=demarche, key="nom").update(label="Nom de famille")
    admin_client.post(reverse("admin:demarches_demarche_publish", args=[demarche.pk]))
    assert list(DemarcheRevision.objects.filter(demarche=demarche).values_list("number", flat=True)) == [2, 1]
    assert DemarcheRevision.objects.get(demarche=demarche, number=1).form.get("nom").label == "Nom"


def test_the_publish_button_answers_only_post(admin_client):
    demarche = simple_demarche()

    assert (
        admin_client.get(reverse("admin:demarches_demarche_publish", args=[demarche.pk])).status_code == 405
    )
    assert not DemarcheRevision.objects.exists()


def test_a_refused_publication_says_why(admin_client):
    demarche = DemarcheFactory()

    response = admin_client.post(
        changelist(), {"action": "publish", "_selected_action": [demarche.pk]}, follow=True
    )

    assert "n&#x27;est pas publiée : Le formulaire n&#x27;a aucune page." in response.content.decode()
    assert not DemarcheRevision.objects.exists()


def test_the_duplicate_action_copies_pages_and_fields(admin_client):
    demarche = simple_demarche(title="Recensement")

    response = admin_client.post(
        changelist(), {"action": "duplicate", "_selected_action": [demarche.pk]}, follow=True
    )

    copy = Demarche.objects.get(title="Recensement (copie)")
    assert "Copie créée en brouillon" in response.content.decode()
    assert copy.status == DemarcheStatus.DRAFT
    assert list(copy.pages.values_list("title", flat=True)) == ["Identité", "Rendez-vous"]
    assert sorted(FormField.objects.filter(demarche=copy).values_list("key", flat=True)) == [
        "date_souhaitee",
        "moment",
        "nom",
    ]


def inline_data(page: FormPage, rows: list[dict]) -> dict:
    existing = list(FormField.objects.filter(page=page, parent__isnull=True).order_by("order", "pk"))
    data = {
        "demarche": page.demarche_id,
        "order": page.order,
        "title": page.title,
        "intro": "",
        "condition": "null",
        "fields-TOTAL_FORMS": str(len(existing) + len(rows)),
        "fields-INITIAL_FORMS": str(len(existing)),
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(existing):
        data |= {
            f"fields-{index}-id": row.pk,
            f"fields-{index}-page": page.pk,
            f"fields-{index}-order": row.order,
            f"fields-{index}-key": row.key,
            f"fields-{index}-kind": row.kind,
            f"fields-{index}-label": row.label,
            f"fields-{index}-required": "on" if row.required else "",
        }
    for index, row in enumerate(rows, start=len(existing)):
        data |= {f"fields-{index}-{name}": value for name, value in row.items()} | {
            f"fields-{index}-page": page.pk
        }
    return data


def test_fields_are_added_inline_on_their_page_with_keys_unique_in_the_procedure(admin_client):
    demarche = simple_demarche()
    page = demarche.pages.get(title="Identité")
    url = reverse("admin:demarches_formpage_change", args=[page.pk])
    assert admin_client.get(url).status_code == 200

    new = {"order": "20", "key": "prenom", "kind": "short_text", "label": "Prénom", "required": "on"}
    response = admin_client.post(url, inline_data(page, [new]))

    assert response.status_code == 302
    assert FormField.objects.get(key="prenom").demarche == demarche

    taken = {"order": "30", "key": "moment", "kind": "short_text", "label": "Doublon", "required": "on"}
    response = admin_client.post(url, inline_data(page, [taken]))
    assert response.status_code == 200
    assert "Cette clé est déjà utilisée par un autre champ de la démarche." in response.content.decode()

    twice = [{"order": "30", "key": "ville", "kind": "short_text", "label": "Ville"}] * 2
    response = admin_client.post(url, inline_data(page, twice))
    assert response.status_code == 200
    assert "La clé « ville » est utilisée deux fois." in response.content.decode()


def test_a_group_edits_its_own_fields_inline(admin_client):
    demarche = simple_demarche()
    add_page(
        demarche,
        "Enfants",
        {"key": "enfants", "kind": "group", "children": [{"key": "prenom_enfant", "kind": "short_text"}]},
    )
    group = FormField.objects.get(key="enfants")

    page = admin_client.get(reverse("admin:demarches_formfield_change", args=[group.pk]))

    assert page.status_code == 200
    assert "Champs de chaque bloc du groupe" in page.content.decode()
    assert 'value="prenom_enfant"' in page.content.decode()
    plain = FormField.objects.get(key="nom")
    assert (
        "Champs de chaque bloc du groupe"
        not in admin_client.get(reverse("admin:demarches_formfield_change", args=[plain.pk])).content.decode()
    )


def test_the_admin_needs_staff_with_a_verified_second_factor(client):
    make_town()
    demarche = simple_demarche()
    preview = reverse("admin:demarches_demarche_preview", args=[demarche.pk])

    assert login(client, UserFactory()).get(preview).status_code == 403
    client.logout()
    unverified = login(client, make_admin(), verified=False).get(preview)
    assert unverified.status_code == 302 and reverse("accounts:otp_verify") in unverified.url


@pytest.mark.parametrize("slug", ["inscription-scolaire", "demande-de-subvention", "reservation-de-salle"])
def test_catalogue_procedures_preview_with_every_page(admin_client, slug):
    load_catalogue(slugs=[slug])
    demarche = Demarche.objects.get(slug=slug)

    page = admin_client.get(reverse("admin:demarches_demarche_preview", args=[demarche.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    for form_page in demarche.pages.all():
        assert form_page.title.replace("'", "&#x27;") in html
    assert "Ce formulaire ne peut pas encore être publié" not in html
