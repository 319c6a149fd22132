"""No personal data, password, token or card value in the logs. Canary values go through sign-up, login
(failed and right), the second factor, a password reset, a payment webhook carrying card data, an upload
(accepted and refused), form errors, an IBAN, links holding tokens (valid and not); every logger of the
process is captured at DEBUG, SQL queries included (the cursor logs each one with its parameters), and no
canary is found in anything the project's handlers write."""

import io
import json
import logging
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.security.logs import redact
from regie import services as regie_services
from regie.fake_stripe import WebhookDelivery, sign
from regie.services import LineDraft
from tests.coffre.factories import pdf_bytes
from tests.factories import PASSWORD, ServiceFactory, add_backup_codes, make_agent, make_town, person_party
from tests.regie.conftest import _stripe_server, fake_stripe_api  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

SEPARATOR = " | "
EMAIL = "canari.courriel@exemple.fr"
PASSWORD_CANARY = "Canari-Phrase-Secrete-7319"
WRONG_PASSWORD = "Canari-Mauvais-Secret-4826"
IBAN = "FR7630006000011234567890189"
CARD = "4242424242424242"
PHONE = "0699887766"
NAMES = ("Canarina", "Piafsky")


@pytest.fixture
def logs():
    """Every logger of the process at DEBUG, so that every record is made; what the handlers the project
    configures (settings.LOGGING, and any a library set on a logger that does not propagate) then
    write is captured: it is what would reach the log files."""
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    streams, saved = [], []
    for logger in loggers:
        saved.append((logger, logger.level, logger.disabled))
        # factory_boy is the tests' own tooling (it logs the objects it builds), absent in production.
        logger.setLevel(logging.WARNING if logger.name.startswith("factory") else logging.DEBUG)
        logger.disabled = False
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and not type(handler).__module__.startswith(
                "_pytest"
            ):
                stream = io.StringIO()
                # The level and logger name in front, so that the test can tell which records it saw; the
                # message and the traceback are formatted as the configured handler does.
                streams.append((handler, handler.setStream(stream), stream, handler.formatter))
                handler.setFormatter(logging.Formatter(f"%(levelname)s %(name)s{SEPARATOR}%(message)s"))
    assert streams, "no handler of the project's logging configuration was found"
    # Every query logged with its parameters (what DEBUG=True does): names, e-mails, IBANs, hashes.
    connection.force_debug_cursor = True
    yield streams
    connection.force_debug_cursor = False
    for handler, original, _stream, formatter in streams:
        handler.setStream(original)
        handler.setFormatter(formatter)
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled


def written(streams) -> list[str]:
    return [line for *_handler, stream, _formatter in streams for line in stream.getvalue().splitlines()]


def found_in(canary: str, line: str) -> bool:
    if canary.isdigit():
        # A code of digits is found as a number of its own, not inside a longer one (a timestamp).
        return re.search(rf"(?<!\d){canary}(?!\d)", line) is not None
    return canary.lower() in line.lower()


def code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_no_canary_reaches_the_logs(logs, settings, fake_stripe_api, django_capture_on_commit_callbacks):  # noqa: F811
    make_town()
    client = Client()
    secrets_seen: set[str] = set()

    # Sign-up, e-mail confirmation (its key), login failed then right.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "first_name": NAMES[0],
                "last_name": NAMES[1],
                "email": EMAIL,
                "password1": PASSWORD_CANARY,
                "password2": PASSWORD_CANARY,
                "accept_terms": "on",
            },
        )
    confirm = re.search(r"https?://\S+/compte/confirm-email/(\S+)/", mail.outbox[-1].body)
    secrets_seen.add(confirm.group(1))
    client.post(confirm.group(0))
    client.post(reverse("account_login"), {"login": EMAIL, "password": WRONG_PASSWORD})
    client.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD_CANARY})
    assert client.get(reverse("portal:dashboard")).status_code == 200
    secrets_seen.add(client.cookies["sessionid"].value)
    secrets_seen.add(client.cookies["csrftoken"].value)

    # Form errors with what was typed: a phone and a wrong postal code; an IBAN refused, then signed.
    client.post(
        reverse("accounts:profile"),
        {"first_name": NAMES[0], "last_name": NAMES[1], "phone": PHONE, "postal_code": "75A01"},
    )
    user = person_party_of(EMAIL)
    client.post(
        reverse("regie_pages:mandates"),
        {
            "payer": user.pk,
            "holder_name": " ".join(NAMES),
            "iban": IBAN[:-1] + "0",
            "bic": "AGRIFRPP",
            "consent": "on",
        },
    )
    client.post(
        reverse("regie_pages:mandates"),
        {"payer": user.pk, "holder_name": " ".join(NAMES), "iban": IBAN, "bic": "AGRIFRPP", "consent": "on"},
    )

    # Uploads: a document named and filled with canaries, and one refused.
    import importlib

    from django.apps import apps

    importlib.import_module("coffre.migrations.0002_seed_document_types").seed(apps, None)
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": settings.BASE_DIR / "var" / "test-coffre" / "canaries"},
        },
    }
    upload_url = reverse("coffre:upload", args=[user.pk])
    from coffre.models import DocumentType

    kind = DocumentType.objects.get(code="avis-imposition").pk
    client.post(
        upload_url,
        {
            "file": SimpleUploadedFile(f"RIB {IBAN} {NAMES[1]}.pdf", pdf_bytes(5000, marker=IBAN.encode())),
            "document_type": kind,
            "title": f"RIB {NAMES[1]}",
        },
    )
    client.post(
        upload_url,
        {
            "file": SimpleUploadedFile(f"{NAMES[1]}.exe", b"MZ" + EMAIL.encode() * 100),
            "document_type": kind,
            "title": NAMES[1],
        },
    )

    # A password reset: the key of its link, used, and a link with a wrong key.
    client.post(reverse("account_logout"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": EMAIL})
    reset = re.search(r"https?://\S+(/compte/password/reset/key/(\S+)/)", mail.outbox[-1].body)
    secrets_seen.add(reset.group(2))
    client.get(reset.group(1), follow=True)
    client.get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "canari-cle-fausse"})
    )
    secrets_seen.add("canari-cle-fausse")

    # Tokens in URLs: one that answers 404 (it reaches django.request's "Not Found" line), an invitation's.
    client.get(f"/salles/agenda/999/canari-jeton-{CARD}.ics")
    client.get("/mon-espace/famille/invitation/canari-jeton-invitation/")
    secrets_seen.add("canari-jeton")

    # The second factor: the code and a backup code, right and wrong.
    agent = make_agent(email="canari.agent@mairie.fr", first_name=NAMES[0])
    add_backup_codes(agent, "73197319")
    agent_client = Client()
    agent_client.post(reverse("account_login"), {"login": "canari.agent@mairie.fr", "password": PASSWORD})
    agent_client.post(reverse("accounts:otp_verify"), {"token": "73197310"})
    token = code(TOTPDevice.objects.get(user=agent))
    agent_client.post(reverse("accounts:otp_verify"), {"token": token})
    secrets_seen |= {token, "73197319", "73197310"}

    # A payment, its webhook carrying card data and the payer's e-mail, and one with a bad signature.
    invoice = regie_services.issue_invoice(
        actor=None,
        payer=user,
        lines=[LineDraft(label="Cantine", service=ServiceFactory(slug="regie"), unit_price_cents=1250)],
        due_date=__import__("datetime").date(2030, 1, 1),
    )
    checkout = regie_services.start_online_payment(actor=user.person, payer=user, invoices=[invoice])
    delivery = fake_stripe_api.pay(checkout.payment.provider_reference)
    event = delivery.event
    event["data"]["object"]["customer_details"] = {"email": EMAIL, "name": " ".join(NAMES), "phone": PHONE}
    event["data"]["object"]["payment_method_details"] = {
        "card": {"number": CARD, "cvc": "737", "exp_month": 12}
    }
    payload = json.dumps(event).encode()
    signed = WebhookDelivery(
        event=event, payload=payload, signature=sign(payload, settings.STRIPE_WEBHOOK_SECRET)
    )
    for body, signature in ((signed.payload, signed.signature), (payload, "t=1,v1=00")):
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(
                reverse("regie:stripe_webhook"),
                data=body,
                content_type="application/json",
                headers={"Stripe-Signature": signature},
            )

    canaries = {EMAIL, PASSWORD_CANARY, WRONG_PASSWORD, IBAN, CARD, PHONE, *NAMES, *secrets_seen}
    lines = written(logs)
    leaks = {canary: [line[:300] for line in lines if found_in(canary, line)] for canary in canaries}
    assert {canary: found for canary, found in leaks.items() if found} == {}
    assert not any("FR76 3000" in line for line in lines)  # the IBAN as pages show it
    # The capture did see the records that would carry them: the redacted 404 paths, the refused webhook,
    # the sign-in attempts, and DEBUG records (SQL queries among them, dropped before they are written).
    messages = [line.partition(SEPARATOR)[2] for line in lines]
    assert "Not Found: /salles/agenda/999/[jeton]" in messages, lines[-20:]
    assert any(message.startswith("Stripe webhook refused") for message in messages)
    assert any(line.startswith("WARNING django.request") for line in lines)
    assert any(line.startswith("INFO axes.") for line in lines)
    assert any(line.startswith("DEBUG ") for line in lines)
    assert not any(line.startswith("DEBUG django.db.backends") for line in lines)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Not Found: /compte/confirm-email/MTA0:1xadTo:1P_nvs5AZ/",
            "Not Found: /compte/confirm-email/[jeton]/",
        ),
        (
            "Not Found: /compte/password/reset/key/2w-dj8e6t-ab9cc560ee/",
            "Not Found: /compte/password/reset/key/[jeton]/",
        ),
        ("Not Found: /salles/agenda/12/abcdEF0123.ics", "Not Found: /salles/agenda/12/[jeton]"),
        (
            "Not Found: /mon-espace/famille/invitation/abc/",
            "Not Found: /mon-espace/famille/invitation/[jeton]/",
        ),
        ("Not Found: /x/Zm9vYmFyYmF6MTIzNDU2Nzg5/", "Not Found: /x/[jeton]/"),
        ("mail to lea.martin+test@exemple.fr failed", "mail to [courriel] failed"),
        ("iban FR76 3000 6000 0112 3456 7890 189 and FR7630006000011234567890189", "iban [iban] and [iban]"),
        ("card 4242 4242 4242 4242 or 4242424242424242", "card [numéro] or [numéro]"),
        ("call 06 12 34 56 78 or +33 6 12 34 56 78", "call [téléphone] or [téléphone]"),
        ("Payment 1234 of invoice F2026-000001 settled", "Payment 1234 of invoice F2026-000001 settled"),
        ("GET /mon-espace/coffre/versions/1250/apercu/", "GET /mon-espace/coffre/versions/1250/apercu/"),
    ],
)
def test_redaction(line, expected):
    assert redact(line) == expected


def person_party_of(email):
    from guichet.accounts.models import User

    return person_party(User.objects.get(email=email))
