"""Every template auto-escapes: markup written into every text field of every project model row (that a
user or an agent could type: codes, references, hashes, choices and validated values are left alone) is
never found raw on any page of the authorization matrix, as any role, while its escaped form is shown."""

import re
from collections import defaultdict

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import IntegrityError, models, transaction
from django.test import Client

from guichet.audit.models import AppendOnlyModel
from tests.helpers import login
from tests.matrix import ANONYMOUS, CITIZEN, ROLES
from tests.test_authorization_matrix import MATRIX

PROJECT_APPS = ("guichet.", "coffre", "regie", "demarches", "famille", "associations")
# Not text anyone types into a form: identifiers, fingerprints, references between apps, provider data.
NOT_TYPED = re.compile(
    r"^(password|.*_?hash|sha256|salt|blob_name|kek_id|terms_version|action|target_type|target_id|request_id"
    r"|kind|url|number|receipt_number|reference|source|currency|.*_currency|provider_.*|idempotency_key"
    r"|invoice_key|event_id|event_type|message_id|end_to_end_id|iban|bic|rna|siret|key|field_key|balance_with"
    r"|choices|sub|acr|birthplace|birthcountry|gender|last_error)$"
)
SKIPPED_FIELDS = {
    # HTML that notify's own templates rendered, escaping what they were given: it is HTML by design,
    # shown only in e-mails (the pages show the plain-text body, which is tested).
    ("notify", "Notification", "body_html"),
    # A name the application makes for a file of its storage (random, bound to its encryption).
    ("demarches", "ExportJob", "file_name"),
}
RAW = re.compile(r"<script>x(\d+)</script>|<img src=x onerror=x(\d+)>|<b>x(\d+)</b>")
# The project's own markup shown as text (a hint or a message escaped twice): nothing the payloads hold.
DOUBLE_ESCAPED = re.compile(r"&lt;(a href|ul|li|br|p|strong|em|code|span)\b")
ESCAPED = re.compile(
    r"&lt;script&gt;x(\d+)&lt;/script&gt;|&lt;b&gt;x(\d+)&lt;/b&gt;|\\u003Cscript\\u003Ex(\d+)"
)


def payload(marker: int, room: int | None) -> str | None:
    """The most telling markup that fits the field."""
    long = f'"><img src=x onerror=x{marker}><script>x{marker}</script>'
    medium = f"<script>x{marker}</script>"
    short = f"<b>x{marker}</b>"
    for candidate in (long, medium, short):
        if room is None or len(candidate) <= room:
            return candidate
    return None


def typed_text_fields(model) -> list[models.Field]:
    fields = []
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField) or field.primary_key or field.choices:
            continue
        if isinstance(field, models.SlugField) or NOT_TYPED.match(field.name):
            continue
        if (model._meta.app_label, model.__name__, field.name) in SKIPPED_FIELDS:
            continue
        # A value checked against a pattern (e-mail, colour, URL, code) cannot hold markup.
        if any(
            not isinstance(v, MaxLengthValidator | ProhibitNullCharactersValidator) for v in field.validators
        ):
            continue
        fields.append(field)
    return fields


def poison_every_text_field() -> dict[int, str]:
    """Markup into each eligible field of each row; marker → "app.Model.field #pk"."""
    markers, next_marker = {}, 1
    for model in apps.get_models():
        if not model.__module__.startswith(PROJECT_APPS) or model._meta.app_label == "audit":
            continue  # the audit log is append-only and holds ids only
        fields = typed_text_fields(model)
        if not fields:
            continue
        for pk in list(model._default_manager.values_list("pk", flat=True)):
            values = {}
            for field in fields:
                text = payload(next_marker, field.max_length)
                if text is None:
                    continue
                values[field.name] = text
                markers[next_marker] = f"{model._meta.label}.{field.name} #{pk}"
                next_marker += 1
            if issubclass(model, AppendOnlyModel):
                # A request's timeline is never changed (a trigger refuses it): a copy of the row with
                # the markup is added to it instead, as an agent's next step would be.
                row = model._default_manager.get(pk=pk)
                row.pk, row._state.adding = None, True
                for name, text in values.items():
                    setattr(row, name, text)
                row.save()
                continue
            try:
                with transaction.atomic():
                    model._default_manager.filter(pk=pk).update(**values)
            except IntegrityError:
                # A database constraint keeps some of these fields to a pattern: markup cannot be stored
                # there by anyone. Write the others one by one.
                for name, text in values.items():
                    try:
                        with transaction.atomic():
                            model._default_manager.filter(pk=pk).update(**{name: text})
                    except IntegrityError:
                        markers.pop(int(re.search(r"x(\d+)", text).group(1)))
    cache.clear()  # the town's record is cached
    return markers


@pytest.fixture
def poisoned(world):
    return world, poison_every_text_field()


def test_no_page_shows_the_markup_raw_as_any_role(poisoned):
    world, markers = poisoned
    assert len(markers) > 150  # the world's rows, in every app

    raw, errors, shown, double = defaultdict(set), {}, set(), {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        for key, row in MATRIX.items():
            client.logout()
            if role != ANONYMOUS:
                login(client, world["users"][role])
            response = getattr(client, row.method)(row.url(world), row.data)
            if response.status_code >= 500:
                errors[f"{key} as {role}"] = repr(getattr(response, "exc_info", [None, None])[1])
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            text = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
            for match in RAW.finditer(text):
                marker = int(next(group for group in match.groups() if group))
                raw[markers.get(marker, marker)].add(f"{key} as {role}")
            shown |= {
                int(next(group for group in match.groups() if group)) for match in ESCAPED.finditer(text)
            }
            if found := DOUBLE_ESCAPED.search(text):
                double[f"{key} as {role}"] = text[max(found.start() - 80, 0) : found.end() + 80]

    assert dict(raw) == {}
    assert errors == {}
    assert double == {}
    # The markup did reach the pages, escaped: names, titles, messages, notes…
    assert len(shown) > 60, sorted(markers[marker] for marker in shown)


def test_the_citizens_own_name_is_shown_escaped(poisoned, client):
    world, markers = poisoned
    login(client, world["users"][CITIZEN])
    page = client.get("/mon-espace/")
    assert "&lt;script&gt;x" in page.text
    assert not RAW.search(page.text)
