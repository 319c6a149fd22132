import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from guichet.notify import services
from guichet.notify.enums import Channel
from guichet.notify.models import Notification, NotificationPreference
from tests.factories import UserFactory, make_agent
from tests.helpers import login

pytestmark = pytest.mark.django_db

LIST = reverse("notify:list")
PREFERENCES = reverse("notify:preferences")
READ_ALL = reverse("notify:mark_all_read")
CHECKED = '<input type="radio" name="email" value="{value}" required id="id_email_{index}" checked>'


def tell(user, subject: str = "Votre demande est acceptée", **kwargs) -> Notification:
    context = {"subject": subject, "message": "Vous pouvez venir chercher votre carte."}
    return services.notify(user=user, kind="message", context=context, **kwargs)


def read(notification: Notification) -> str:
    return reverse("notify:mark_read", args=[notification.pk])


def text(html: str) -> str:
    """What a screen reader reads: the text without tags, spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# The list ------------------------------------------------------------------


def test_list_shows_the_users_notifications_newest_first_with_unread_ones_marked(client):
    user = UserFactory()
    older = tell(user, "Inscription à la cantine confirmée")
    services.mark_read(actor=user, notification=older)
    tell(user, "Votre demande est acceptée", url="/mon-espace/demandes/7/")
    tell(UserFactory(), "Le message de quelqu'un d'autre")

    response = login(client, user).get(LIST)

    assert response.status_code == 200
    page = text(response.text)
    assert page.index("Votre demande est acceptée") < page.index("Inscription à la cantine confirmée")
    assert "Le message de quelqu'un d'autre" not in page
    assert page.count("Non lue") == 1
    assertContains(response, '<span class="badge badge--info">Non lue</span>', html=True, count=1)
    assertContains(response, "Vous pouvez venir chercher votre carte.")
    assertContains(
        response,
        '<a class="button button--small" href="/mon-espace/demandes/7/">Voir le détail'
        '<span class="visually-hidden"> : Votre demande est acceptée</span></a>',
        html=True,
    )
    assertContains(response, "Tout marquer comme lu")


def test_list_without_notifications_says_so(client):
    response = login(client, UserFactory()).get(LIST)
    assertContains(response, "Vous n'avez aucune notification")
    assertNotContains(response, "Tout marquer comme lu")


def test_list_is_paginated(client):
    user = UserFactory()
    for number in range(25):
        tell(user, f"Message numéro {number}")
    response = login(client, user).get(LIST, {"page": 2})
    assertContains(response, "Page 2 sur 2")
    assertContains(response, "Message numéro 0")
    assertNotContains(response, "Message numéro 24")


def test_list_of_thirty_notifications_keeps_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    user = make_agent()  # the heaviest case: an agent, checked for the second factor on every page
    services.notify_many(users=[user] * 30, kind="message", context={"subject": "Travaux", "message": "…"})
    login(client, user)
    with django_assert_max_num_queries(7):
        response = client.get(LIST)
    assert response.status_code == 200
    assert response.text.count('<h2 class="card__title">Travaux</h2>') == 20


def test_list_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_list_answers_only_get(client, method):
    response = getattr(login(client, UserFactory()), method)(LIST)
    assert response.status_code == 405


# Marking read ----------------------------------------------------------------


def test_marking_one_notification_read(client):
    user = UserFactory()
    notification = tell(user)
    tell(user, "Une autre")
    response = login(client, user).post(read(notification), follow=True)
    assertRedirects(response, LIST)
    assertContains(response, "La notification est marquée comme lue.")
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert Notification.objects.for_user(user).unread().count() == 1


def test_marking_read_brings_the_user_back_to_the_page_they_were_on(client):
    user = UserFactory()
    notification = tell(user)
    response = login(client, user).post(read(notification), {"page": "2"})
    assertRedirects(response, f"{LIST}?page=2", fetch_redirect_response=False)


def test_someone_elses_notification_is_not_found(client):
    notification = tell(UserFactory())
    response = login(client, UserFactory()).post(read(notification))
    assert response.status_code == 404
    assert Notification.objects.get().is_unread


def test_marking_read_needs_a_post(client):
    user = UserFactory()
    notification = tell(user)
    client = login(client, user)
    assert client.get(read(notification)).status_code == 405
    assert client.get(READ_ALL).status_code == 405
    assert Notification.objects.get().is_unread


def test_marking_all_read_leaves_other_users_alone(client):
    user, other = UserFactory(), UserFactory()
    for _ in range(3):
        tell(user)
    tell(other)
    response = login(client, user).post(READ_ALL, follow=True)
    assertRedirects(response, LIST)
    assertContains(response, "Toutes vos notifications sont marquées comme lues.")
    assertNotContains(response, "Non lue")
    assert not Notification.objects.for_user(user).unread().exists()
    assert Notification.objects.for_user(other).unread().count() == 1


# The header ------------------------------------------------------------------


def test_header_shows_the_unread_count_to_sighted_and_screen_reader_users(client):
    user = UserFactory()
    for _ in range(3):
        tell(user)
    services.mark_read(actor=user, notification=tell(user))
    response = login(client, user).get(reverse("portal:dashboard"))
    assertContains(
        response,
        f'<a href="{LIST}">Notifications <span class="badge">3<span class="visually-hidden"> non lues</span></span></a>',
        html=True,
    )


def test_header_says_one_unread_in_the_singular(client):
    user = UserFactory()
    tell(user)
    response = login(client, user).get(reverse("portal:dashboard"))
    assert "Notifications 1 non lue " in text(response.text)


def test_header_shows_no_count_when_everything_is_read(client):
    user = UserFactory()
    services.mark_read(actor=user, notification=tell(user))
    response = login(client, user).get(reverse("portal:dashboard"))
    assertContains(response, f'<a href="{LIST}">Notifications</a>', html=True)


def test_header_count_costs_one_query_and_none_for_visitors(client):
    user = UserFactory()
    tell(user)
    login(client, user)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("portal:home"))
    assert sum('"notify_notification"' in query["sql"] for query in queries) == 1

    client.logout()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("portal:home"))
    assertNotContains(response, LIST)
    assert not any('"notify_notification"' in query["sql"] for query in queries)


# Preferences -------------------------------------------------------------------


def test_preferences_say_emails_are_on_by_default(client):
    response = login(client, UserFactory(email="lea@exemple.fr")).get(PREFERENCES)
    assertContains(response, "Recevoir aussi un courriel pour chaque notification ?")
    assertContains(response, "à l'adresse lea@exemple.fr")
    assertContains(
        response, "Les messages sur la sécurité de votre compte vous sont toujours envoyés par courriel."
    )
    assertContains(response, CHECKED.format(value="oui", index=0), html=True)


def test_turning_emails_off_and_on_again(client):
    user = UserFactory()
    login(client, user)

    response = client.post(PREFERENCES, {"email": "non"}, follow=True)
    assertRedirects(response, PREFERENCES)
    assertContains(response, "Vous ne recevrez plus vos notifications par courriel.")
    assertContains(response, CHECKED.format(value="non", index=1), html=True)
    assert NotificationPreference.objects.get(user=user, channel=Channel.EMAIL).enabled is False

    response = client.post(PREFERENCES, {"email": "oui"}, follow=True)
    assertContains(response, "Vous recevrez aussi vos notifications par courriel.")
    assert NotificationPreference.objects.get(user=user, channel=Channel.EMAIL).enabled is True


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Indiquez si vous souhaitez recevoir des courriels."),
        ({"email": "peut-être"}, "Choisissez « oui » ou « non »."),
    ],
)
def test_preferences_without_a_clear_answer_show_the_error(client, data, error):
    user = UserFactory()
    response = login(client, user).post(PREFERENCES, data)
    assert response.status_code == 200
    assertContains(response, "Le formulaire contient des erreurs")
    assertContains(response, error)
    assert not NotificationPreference.objects.filter(user=user).exists()


def test_preferences_answer_only_get_and_post(client):
    assert login(client, UserFactory()).delete(PREFERENCES).status_code == 405
