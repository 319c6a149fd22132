"""Transparency, public: the register of processing activities generated from what is configured, the
retention schedule as administrators set it, the privacy notice, and "who saw my data" linked from every
personal page."""

import importlib
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertInHTML, assertNotContains

from demarches.enums import DemarcheKind, DemarcheStatus, Theme
from demarches.models import Demarche
from guichet.retention.enums import RetentionAction
from guichet.retention.models import RetentionOverride, RetentionRule, RetentionRun
from tests.demarches.factories import DemarcheFactory, add_page, publish
from tests.factories import ServiceFactory, UserFactory, make_admin, make_town
from tests.famille.factories import ActivityFactory
from tests.helpers import login

pytestmark = pytest.mark.django_db

REGISTER = reverse("portal:processing_register")
SCHEDULE = reverse("portal:retention_schedule")
PRIVACY = reverse("portal:privacy")


@pytest.fixture(autouse=True)
def _seeded():
    importlib.import_module("coffre.migrations.0002_seed_document_types").seed(apps, None)
    importlib.import_module("guichet.retention.migrations.0002_seed_rules").seed(apps, None)


@pytest.fixture
def town():
    return make_town(
        name="Saint-Exemple",
        address="1 place de la Mairie\n75001 Saint-Exemple",
        email="mairie@saint-exemple.fr",
        dpo_contact="Délégué à la protection des données, dpd@saint-exemple.fr",
    )


def procedure(
    title: str, *, service=None, theme=Theme.EVERYDAY_LIFE, status=DemarcheStatus.PUBLISHED, **kwargs
):
    demarche = DemarcheFactory(
        title=title, service=service or ServiceFactory(name="Voirie", slug="voirie"), theme=theme, **kwargs
    )
    if kwargs.get("kind") == DemarcheKind.LINK:
        return demarche
    add_page(
        demarche,
        "Vous",
        {"key": "nom_naissance", "kind": "short_text", "label": "Nom de naissance"},
        {
            "key": "enfants",
            "kind": "group",
            "label": "Enfants",
            "required": False,
            "children": [{"key": "prenom", "kind": "short_text", "label": "Prénom de l'enfant"}],
        },
        {"key": "aide", "kind": "explanation", "label": "Un texte d'aide, pas une question"},
    )
    demarche.required_document_types.add(
        apps.get_model("coffre", "DocumentType").objects.get(code="piece-identite")
    )
    if status == DemarcheStatus.PUBLISHED:
        publish(demarche)
    return demarche


def test_the_register_names_the_controller_and_the_data_protection_officer(client, town):
    response = client.get(REGISTER)

    assert response.status_code == 200
    assertContains(response, "<h1>Registre des activités de traitement</h1>", html=True)
    assertContains(response, "<dd>La commune de Saint-Exemple, représentée par son maire</dd>", html=True)
    assertContains(response, "<dd>1 place de la Mairie<br>75001 Saint-Exemple</dd>", html=True)
    assertContains(response, "<dd>Délégué à la protection des données, dpd@saint-exemple.fr</dd>", html=True)


def test_each_published_procedure_is_listed_with_what_it_asks_and_how_long_it_is_kept(client, town):
    voirie = procedure("Occupation du domaine public")
    civil = procedure("Copie d'acte de naissance", theme=Theme.CIVIL_STATUS)
    procedure("Démarche en préparation", status=DemarcheStatus.DRAFT)
    procedure("Inscription à la cantine", kind=DemarcheKind.LINK, link_url_name="famille:enrolments")
    RetentionOverride.objects.create(
        rule=RetentionRule.objects.get(code="demarches.closed_requests"),
        demarche=voirie,
        days=730,
        action=RetentionAction.DELETE,
    )

    response = client.get(REGISTER)

    assertContains(response, f'<h3 id="demarche-{voirie.slug}">Occupation du domaine public</h3>', html=True)
    assertContains(response, "<li>Nom de naissance</li>", html=True)
    assertContains(response, "<li>Enfants (Prénom de l&#x27;enfant)</li>", html=True)
    assertContains(response, "<li>Document : Pièce d&#x27;identité</li>", html=True)
    assertNotContains(response, "Un texte d&#x27;aide")
    assertContains(
        response, "<li>Brouillon : Suppression au bout de 100 jours sans modification.</li>", html=True
    )
    # The procedure's own duration, then the civil-status rule's.
    assertContains(response, "<li>Demande terminée : Suppression 2 ans après la décision.</li>", html=True)
    assertContains(
        response, "<li>Demande terminée : Pseudonymisation 10 ans après la décision.</li>", html=True
    )
    assertContains(response, "<dd>Voirie</dd>", html=True, count=2)
    assertContains(response, civil.title.replace("'", "&#x27;"))
    assertNotContains(response, "Démarche en préparation")
    assertNotContains(response, "Inscription à la cantine")


def test_each_open_activity_and_the_other_processings_are_listed(client, town):
    ActivityFactory(name="Cantine de l'école Jules-Ferry", slug="cantine-jules-ferry")
    ActivityFactory(name="Accueil fermé", slug="ferme", is_active=False)

    response = client.get(REGISTER)

    assertContains(
        response, '<h3 id="activite-cantine-jules-ferry">Cantine de l&#x27;école Jules-Ferry</h3>', html=True
    )
    assertNotContains(response, "Accueil fermé")
    for title in (
        "Coffre-fort numérique",
        "Factures et paiements",
        "Dossier des associations",
        "Demandes de subvention",
        "Compte du guichet et connexion",
        "Journal d&#x27;audit et « Qui a consulté mes données »",
    ):
        assertContains(response, f">{title}</h3>")
    assertContains(response, "Stripe")
    assertContains(
        response,
        f'<a href="{reverse("coffre:about")}">Comment le coffre-fort protège vos documents</a>',
        html=True,
    )


def test_the_register_follows_the_durations_administrators_set(client, town):
    RetentionRule.objects.filter(code="audit.events").update(days=730)

    response = client.get(REGISTER)

    assertContains(response, "<li>Suppression 2 ans après leur enregistrement.</li>", html=True)


def configure(count: int, *, start: int = 0) -> None:
    """`count` more published procedures, each with a duration of its own, and open activities."""
    service = ServiceFactory(name="Voirie", slug="voirie") if start == 0 else None
    service = service or ServiceFactory._meta.model.objects.get(slug="voirie")
    rule = RetentionRule.objects.get(code="demarches.closed_requests")
    for n in range(start, start + count):
        demarche = procedure(f"Démarche {n}", service=service)
        RetentionOverride.objects.create(
            rule=rule, demarche=demarche, days=3650, action=RetentionAction.DELETE
        )
        ActivityFactory(name=f"Activité {n}")


# Signed in (the user, the town, the unread count) is the dearer case; what the page itself reads is fixed:
# the schedule's two queries, then each register section's own (procedures, their documents, activities,
# the family's documents, the associations' service).
@pytest.mark.parametrize(
    ("url", "budget"),
    [(REGISTER, 10), (SCHEDULE, 6), (PRIVACY, 10), (reverse("coffre:about"), 4)],
)
def test_the_transparency_pages_keep_a_fixed_number_of_queries(
    client, town, url, budget, django_assert_max_num_queries
):
    login(client, UserFactory())
    configure(3)
    RetentionRun.objects.create(finished_at="2026-12-07T01:40:00Z", status="done")
    with django_assert_max_num_queries(budget) as few:
        assert client.get(url).status_code == 200
    configure(22, start=3)
    RetentionRun.objects.create(finished_at="2026-12-08T01:40:00Z", status="done")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)

    if url == REGISTER:
        assertContains(response, "Démarche 24")
        assertContains(response, "Activité 24")
    if url == SCHEDULE:
        assertContains(response, "<li>Démarche 24 : Suppression 10 ans après la décision.</li>", html=True)


def test_a_procedure_an_administrator_publishes_shows_up_in_the_register_without_a_code_change(client, town):
    demarche = procedure("Permis de végétaliser", status=DemarcheStatus.DRAFT)
    before = client.get(REGISTER)
    assertNotContains(before, "Permis de végétaliser")
    assertContains(before, "<p>Aucun traitement de ce type n'est ouvert pour le moment.</p>", html=True)

    published = login(Client(), make_admin()).post(
        reverse("admin:demarches_demarche_publish", args=[demarche.pk])
    )

    assert published.status_code == 302
    response = client.get(REGISTER)
    assertContains(response, f'<h3 id="demarche-{demarche.slug}">Permis de végétaliser</h3>', html=True)
    assertContains(response, "<li>Nom de naissance</li>", html=True)
    assertContains(
        response, "<li>Demande terminée : Pseudonymisation 5 ans après la décision.</li>", html=True
    )
    assertContains(
        response, '<a href="#traitements-demarches">Démarches en ligne</a> (1 traitement)', html=True
    )
    # Closed to new requests, it leaves the register the same way.
    Demarche.objects.filter(pk=demarche.pk).update(status=DemarcheStatus.CLOSED)
    assertNotContains(client.get(REGISTER), "Permis de végétaliser")


def test_the_schedule_lists_every_kind_with_its_duration_and_why(client, town):
    RetentionRule.objects.filter(code="notify.notifications").update(days=180)
    RetentionOverride.objects.create(
        rule=RetentionRule.objects.get(code="demarches.civil_status_requests"),
        demarche=procedure("Dossier de mariage", theme=Theme.CIVIL_STATUS),
        days=20 * 365,
        action=RetentionAction.PSEUDONYMISE,
    )
    RetentionRun.objects.create(finished_at="2026-12-07T01:40:00Z", status="done")

    response = client.get(SCHEDULE)

    assert response.status_code == 200
    assertContains(response, "<h1>Durées de conservation des données</h1>", html=True)
    assertContains(response, '<h2 id="conservation-demarches-drafts">Brouillons de démarches</h2>', html=True)
    assertContains(response, "<dd>Suppression 6 mois après leur envoi.</dd>", html=True)
    assertContains(
        response, "<li>Dossier de mariage : Pseudonymisation 20 ans après la décision.</li>", html=True
    )
    assertContains(response, "Dernière application : le 7 décembre 2026 à 02:40.")
    assertContains(response, "Code du patrimoine")


def test_the_privacy_notice_says_who_what_how_long_the_rights_and_where_to_use_them(client, town):
    response = client.get(PRIVACY)

    assertContains(response, "<h2>Vos droits</h2>", html=True)
    assertContains(response, f'<a href="{REGISTER}">Lire le registre des traitements</a>', html=True)
    assertContains(
        response, f'<a href="{SCHEDULE}">Le détail des durées de conservation, et pourquoi</a>', html=True
    )
    assertContains(response, f'<a href="{reverse("privacy:home")}">Mes données personnelles</a>', html=True)
    assertContains(
        response, f'<a href="{reverse("audit:data_access")}">Qui a consulté mes données</a>', html=True
    )
    assertContains(
        response,
        f'<a href="{reverse("coffre:about")}">Comment le coffre-fort protège vos documents</a>',
        html=True,
    )
    assertContains(response, '<a href="https://www.cnil.fr/fr/adresser-une-plainte">', count=1)
    assertContains(
        response,
        "<li>Brouillons de démarches : Suppression au bout de 100 jours sans modification.</li>",
        html=True,
    )
    assertContains(response, f'<a href="{REGISTER}#traitements-demarches">Démarches en ligne</a>', html=True)
    assertContains(response, "<p>Délégué à la protection des données, dpd@saint-exemple.fr</p>", html=True)


def test_the_privacy_notice_without_a_data_protection_officer_says_where_to_write(client):
    make_town(dpo_contact="")
    response = client.get(PRIVACY)
    assertContains(response, "La mairie n'a pas encore publié les coordonnées de son délégué")


@pytest.mark.parametrize("url", [REGISTER, SCHEDULE, PRIVACY])
def test_the_transparency_pages_are_public_and_refuse_post(client, town, url):
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405


def footer(response) -> str:
    html = response.content.decode()
    return html[html.index('<footer class="site-footer"') : html.index("</footer>")]


def personal_pages(client, start: str) -> dict[str, object]:
    """Every page of "Mon espace" and of the account a signed-in person reaches from `start` by
    following links, with its response (non-HTML answers such as exports left out)."""
    seen: dict[str, object] = {}
    todo = [start]
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = response
        if response.streaming or not response["Content-Type"].startswith("text/html"):
            continue
        for link in re.findall(r'href="(/(?:mon-espace|compte)/[^"#]*)"', response.content.decode()):
            link = link.replace("&amp;", "&")
            if link not in seen:
                todo.append(link)
    return seen


def test_every_personal_page_reached_from_my_space_links_to_who_saw_my_data(client, town):
    """A crawl of the signed-in pages (a person with a household, a child and an association): each
    one, the account pages and the forms too, has the link in its footer."""
    from tests.associations.factories import make_association
    from tests.famille.factories import ChildFactory, make_household

    user = UserFactory()
    ChildFactory(household=make_household(user))
    make_association(user)
    login(client, user)
    link = f'<a href="{reverse("audit:data_access")}">Qui a consulté mes données</a>'

    pages = personal_pages(client, reverse("portal:dashboard"))

    html_pages = {
        path: response
        for path, response in pages.items()
        if not response.streaming and response["Content-Type"].startswith("text/html")
    }
    assert len(html_pages) >= 40, sorted(html_pages)
    for prefix in ("/mon-espace/coffre/", "/mon-espace/famille/", "/mon-espace/associations/", "/compte/"):
        assert any(path.startswith(prefix) for path in html_pages), prefix
    for path, response in html_pages.items():
        assert response.status_code == 200, path
        assertInHTML(link, footer(response), msg_prefix=path)


@pytest.mark.parametrize(
    "url_name",
    [
        "portal:dashboard",
        "coffre:home",
        "demarches:requests",
        "notify:list",
        "accounts:profile",
        "privacy:home",
    ],
)
def test_every_personal_page_links_to_who_saw_my_data(client, town, url_name):
    login(client, UserFactory())

    response = client.get(reverse(url_name), follow=True)

    assert response.status_code == 200
    assertInHTML(f'<a href="{reverse("audit:data_access")}">Qui a consulté mes données</a>', footer(response))


@pytest.mark.parametrize(
    "url",
    [reverse("portal:home"), REGISTER, SCHEDULE, PRIVACY, reverse("coffre:about"), reverse("portal:help")],
)
def test_a_visitor_who_is_not_signed_in_sees_no_such_link_in_the_footer(client, town, url):
    response = client.get(url)

    assert response.status_code == 200
    assert reverse("audit:data_access") not in footer(response)
    assertContains(response, f'<a href="{PRIVACY}">Données personnelles</a>', html=True)


def test_the_vault_s_security_page_says_when_an_expired_paper_goes_and_links_the_rest(client, town):
    RetentionRule.objects.filter(code="coffre.expired_documents").update(days=60)

    response = client.get(reverse("coffre:about"))

    assertContains(response, "Un document périmé est supprimé 2 mois après sa date de fin de validité")
    assertContains(response, "chiffrées à nouveau, sans que vos documents soient jamais déchiffrés")
    assertContains(
        response, f'<a href="{reverse("audit:data_access")}">Qui a consulté mes données</a>', html=True
    )
    assertContains(response, f'href="{REGISTER}#coffre-fort"')
