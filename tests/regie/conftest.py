"""Fixtures of the régie's tests: parties, a régie agent, and the local payment-provider fakes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guichet.accounts.enums import PartyKind, PartyRole
from guichet.accounts.models import Party, PartyMembership
from regie import fake_stripe, services
from regie.services import LineDraft
from tests.factories import ServiceFactory, UserFactory, make_agent, make_town, person_party
from tests.helpers import login
from tests.regie.fake_payfip import FakePayfip


@pytest.fixture
def regie_service(db):
    return ServiceFactory(slug="regie", name="Régie unique")


@pytest.fixture
def regie_agent(regie_service):
    return make_agent(regie_service)


@pytest.fixture
def billed_service(db):
    return ServiceFactory(slug="education", name="Éducation")


@pytest.fixture
def citizen(db):
    return UserFactory(first_name="Sofia", last_name="Benali")


@pytest.fixture
def payer(citizen):
    return person_party(citizen)


def make_household(*users, name="Foyer Benali") -> Party:
    household = Party.objects.create(kind=PartyKind.HOUSEHOLD, name=name)
    for user in users:
        PartyMembership.objects.create(user=user, party=household, role=PartyRole.GUARDIAN)
    return household


def bill(payer, service, *, cents: int = 1250, quantity: int = 1, due_in_days: int = 30, label="Cantine"):
    """Issue one invoice through the service, as another app would."""
    return services.issue_invoice(
        actor=None,
        payer=payer,
        lines=[LineDraft(label=label, service=service, unit_price_cents=cents, quantity=quantity)],
        due_date=timezone.localdate() + timedelta(days=due_in_days),
        source="tests.thing:1",
    )


@pytest.fixture
def invoice(payer, billed_service):
    return bill(payer, billed_service)


# Fakes ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _stripe_server():
    fake = fake_stripe.FakeStripe(api_key="sk_test_regie_fake", webhook_secret="whsec_regie_fake")
    running = fake_stripe.serve(fake)
    yield running
    running.stop()


@pytest.fixture
def fake_stripe_api(_stripe_server, settings):
    """The fake Stripe on a real local HTTP server; the SDK talks to it over HTTP."""
    fake = _stripe_server.fake
    fake.reset()
    fake.webhook_url = ""
    settings.REGIE_PAYMENT_BACKEND = "stripe"
    settings.STRIPE_API_BASE = _stripe_server.url
    settings.STRIPE_SECRET_KEY = fake.api_key
    settings.STRIPE_WEBHOOK_SECRET = fake.webhook_secret
    yield fake
    fake.reset()


@pytest.fixture(scope="session")
def _payfip_server():
    fake = FakePayfip()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_payfip(_payfip_server, settings):
    _payfip_server.reset()
    settings.REGIE_PAYMENT_BACKEND = "payfip"
    settings.PAYFIP_API_URL = f"{_payfip_server.url}/tpa/services/securite"
    settings.PAYFIP_PAYMENT_URL = f"{_payfip_server.url}/tpa/paiementws.web"
    yield _payfip_server
    _payfip_server.reset()


def post_webhook(delivery, *, client: Client | None = None):
    client = client or Client(enforce_csrf_checks=True)
    return client.post(
        reverse("regie:stripe_webhook"),
        data=delivery.payload,
        content_type="application/json",
        headers={"Stripe-Signature": delivery.signature},
    )


def in_thread(function):
    """Run `function` as a thread's body with its own database connection, closed at the end."""

    def body(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    return body


# Pages ----------------------------------------------------------------------------


@pytest.fixture
def town(db):
    return make_town(name="Villebelle")


@pytest.fixture
def citizen_client(client, citizen, town):
    return login(client, citizen)


@pytest.fixture
def agent_client(client, regie_agent, town):
    return login(client, regie_agent)


def pay_at_counter(agent, payer, invoices, cents, method="cash", **kwargs):
    return services.record_counter_payment(
        actor=agent, payer=payer, invoices=invoices, method=method, amount_cents=cents, **kwargs
    )
