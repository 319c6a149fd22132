import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from guichet.notify import kinds, services
from guichet.notify.enums import Channel, DeliveryStatus
from guichet.notify.models import Delivery, Notification, NotificationPreference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def message(user, **kwargs) -> Notification:
    context = {"subject": "Votre demande d'acte de naissance", "message": "Elle est prête à l'accueil."}
    return services.notify(user=user, kind="message", context=context, **kwargs)


def test_notification_is_rendered_from_the_french_templates_of_its_kind():
    user = UserFactory(first_name="Léa")
    notification = services.notify(user=user, kind="welcome", context={})
    assert notification.subject == "Bienvenue sur votre guichet numérique"
    assert notification.body.startswith("Votre compte est créé.")
    assert "<p>Votre compte est créé.</p>" in notification.body_html
    assert Notification.objects.for_user(user).get() == notification


def test_plain_text_is_not_html_escaped_but_the_html_copy_is():
    notification = services.notify(
        user=UserFactory(),
        kind="message",
        context={"subject": "L'été <enfin>", "message": "Rendez-vous « à l'école » & au parc."},
    )
    assert notification.subject == "L'été <enfin>"
    assert notification.body == "Rendez-vous « à l'école » & au parc."
    assert "Rendez-vous « à l&#x27;école » &amp; au parc." in notification.body_html


def test_email_is_sent_on_commit_with_text_and_html(django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://guichet.exemple.fr"
    user = UserFactory(first_name="Léa", email="lea@exemple.fr")
    with django_capture_on_commit_callbacks() as callbacks:
        message(user, url="/mon-espace/demandes/12/")
        assert Delivery.objects.get().status == DeliveryStatus.QUEUED
    assert mail.outbox == []
    assert len(callbacks) == 1

    callbacks[0]()

    [email] = mail.outbox
    assert email.to == ["lea@exemple.fr"]
    assert email.subject == "Votre demande d'acte de naissance"
    assert email.body.startswith("Bonjour Léa,\n\nElle est prête à l'accueil.")
    assert "https://guichet.exemple.fr/mon-espace/demandes/12/" in email.body
    assert (
        "Pour ne plus recevoir ces courriels : https://guichet.exemple.fr/mon-espace/notifications/preferences/"
        in email.body
    )
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    assert "<p>Elle est prête à l&#x27;accueil.</p>" in html
    assert 'href="https://guichet.exemple.fr/mon-espace/demandes/12/"' in html
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.sent_at is not None) == (
        DeliveryStatus.SENT,
        1,
        True,
    )


def test_no_email_when_the_user_turned_emails_off_but_the_notification_is_kept(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    services.set_preference(actor=user, channel=Channel.EMAIL, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        notification = message(user)
    assert mail.outbox == []
    assert not Delivery.objects.exists()
    assert list(Notification.objects.for_user(user).unread()) == [notification]


def test_security_messages_are_emailed_even_when_emails_are_off(django_capture_on_commit_callbacks):
    assert kinds.get("security").mandatory
    user = UserFactory()
    services.set_preference(actor=user, channel=Channel.EMAIL, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(user=user, kind="security", context={"event": "Votre mot de passe a été modifié."})
    [email] = mail.outbox
    assert email.subject == "Sécurité de votre compte"
    assert "Votre mot de passe a été modifié." in email.body
    assert "Il concerne la sécurité de votre compte : il vous est toujours envoyé." in email.body
    assert "Pour ne plus recevoir" not in email.body


def test_turning_emails_back_on_sends_them_again(django_capture_on_commit_callbacks):
    user = UserFactory()
    services.set_preference(actor=user, channel=Channel.EMAIL, enabled=False)
    services.set_preference(actor=user, channel=Channel.EMAIL, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        message(user)
    assert len(mail.outbox) == 1
    assert NotificationPreference.objects.get(user=user).enabled


def test_inactive_accounts_get_no_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message(UserFactory(is_active=False))
    assert mail.outbox == []
    assert Notification.objects.count() == 1


def test_notify_many_costs_the_same_queries_for_ten_or_forty_users(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    def send_to(users) -> None:
        with django_capture_on_commit_callbacks() as callbacks:
            services.notify_many(
                users=users, kind="message", context={"subject": "Travaux", "message": "Rue barrée."}
            )
        assert len(callbacks) == 1

    few, many = UserFactory.create_batch(10), UserFactory.create_batch(40)
    NotificationPreference.objects.create(user=many[0], channel=Channel.EMAIL, enabled=False)
    # Savepoint, notifications, preferences, deliveries, release.
    with django_assert_num_queries(5):
        send_to(few)
    with django_assert_num_queries(5):
        send_to(many)
    assert Notification.objects.count() == 50
    assert Delivery.objects.count() == 49


def test_each_user_gets_a_message_rendered_for_them(django_capture_on_commit_callbacks):
    users = [UserFactory(first_name="Léa"), UserFactory(first_name="Noé")]
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_many(
            users=users, kind="message", context={"subject": "Travaux", "message": "Rue barrée."}
        )
    assert sorted(email.body.splitlines()[0] for email in mail.outbox) == ["Bonjour Léa,", "Bonjour Noé,"]


def test_unknown_kind_is_refused():
    with pytest.raises(kinds.UnknownKind):
        services.notify(user=UserFactory(), kind="nope", context={})
    assert not Notification.objects.exists()


@pytest.mark.parametrize("url", ["https://ailleurs.example/", "//ailleurs.example/", "mon-espace/"])
def test_links_must_stay_inside_the_portal(url):
    with pytest.raises(ValueError, match="portal"):
        message(UserFactory(), url=url)


def test_mark_read_keeps_the_first_date():
    user = UserFactory()
    notification = message(user)
    first = services.mark_read(actor=user, notification=notification).read_at
    again = services.mark_read(actor=user, notification=Notification.objects.get()).read_at
    assert first is not None
    assert again == first == Notification.objects.get().read_at


def test_nobody_marks_someone_elses_notification_read():
    notification = message(UserFactory())
    with pytest.raises(PermissionDenied):
        services.mark_read(actor=UserFactory(), notification=notification)
    assert Notification.objects.get().is_unread


def test_mark_all_read_touches_only_the_actors_notifications():
    user, other = UserFactory(), UserFactory()
    for _ in range(3):
        message(user)
    message(other)
    assert services.mark_all_read(actor=user) == 3
    assert not Notification.objects.for_user(user).unread().exists()
    assert Notification.objects.for_user(other).unread().count() == 1


def test_unknown_channel_is_refused():
    with pytest.raises(ValueError, match="channel"):
        services.set_preference(actor=UserFactory(), channel="pigeon", enabled=True)
