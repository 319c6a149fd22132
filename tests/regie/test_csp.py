"""The CSP lets the "Payer" POST end on the real provider's page (form-action), and only then."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.factories import make_town
from tests.helpers import login
from tests.regie.conftest import bill

pytestmark = pytest.mark.django_db


def production_csp(**env) -> dict:
    """SECURE_CSP as guichet/settings.py computes it in a fresh process, with this environment."""
    environment = {**os.environ, "DJANGO_DEBUG": "false", **env}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    code = "import json; from guichet import settings; print(json.dumps(settings.SECURE_CSP))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def form_action(response) -> str:
    policy = dict(part.strip().partition(" ")[::2] for part in response["Content-Security-Policy"].split(";"))
    return policy["form-action"]


def test_with_stripe_the_checkout_origin_is_allowed_on_form_action():
    assert production_csp(REGIE_PAYMENT_BACKEND="stripe")["form-action"] == [
        "'self'",
        "https://checkout.stripe.com",
    ]


def test_with_payfip_its_origin_is_allowed_on_form_action():
    csp = production_csp(
        REGIE_PAYMENT_BACKEND="payfip", PAYFIP_PAYMENT_URL="https://www.payfip.gouv.fr/tpa/paiementws.web"
    )
    assert csp["form-action"] == ["'self'", "https://www.payfip.gouv.fr"]


def test_with_the_demo_provider_only_self_is_allowed():
    assert production_csp(REGIE_FAKE_PROVIDER="true")["form-action"] == ["'self'"]


def test_the_pay_response_carries_the_providers_origin_in_its_header(
    client, settings, citizen, payer, billed_service
):
    settings.SECURE_CSP = production_csp(REGIE_PAYMENT_BACKEND="stripe")
    make_town()
    invoice = bill(payer, billed_service)
    login(client, citizen)

    for response in (
        client.get(reverse("regie_pages:invoices")),
        client.get(reverse("regie_pages:invoice_detail", args=[invoice.pk])),
    ):
        assert form_action(response) == "'self' https://checkout.stripe.com"
