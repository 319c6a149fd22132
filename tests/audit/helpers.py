"""Helpers for audit's tests: tamper as a DBA would, hold a transaction open in another thread."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any

from django.db import connection, transaction

from guichet import audit
from guichet.audit import services
from guichet.audit.models import AuditEvent


@contextmanager
def triggers_disabled() -> Iterator[Any]:
    """What a DBA with full rights can do: switch the append-only triggers off, write, switch them on."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE audit_auditseal DISABLE TRIGGER USER")
        try:
            yield cursor
        finally:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_auditseal ENABLE TRIGGER USER")


def record_events(count: int, **kwargs) -> list[AuditEvent]:
    return [
        audit.record(actor=kwargs.get("actor"), action="test.update", target=f"tests.thing:{n}", number=n)
        for n in range(count)
    ]


def sealed_chain(count: int, *, batch_size: int = 1000) -> dict[int, AuditEvent]:
    """`count` events sealed, keyed by seal_seq."""
    record_events(count)
    while services.seal_pending(batch_size=batch_size):
        pass
    return {event.seal_seq: event for event in AuditEvent.objects.all()}


@contextmanager
def open_transaction_in_other_thread(work: Callable[[], Any]) -> Iterator[Any]:
    """Run `work` in another connection's transaction, held open until the block ends."""
    ready, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            with transaction.atomic():
                outcome["value"] = work()
                ready.set()
                release.wait(timeout=30)
        except BaseException as error:
            outcome["error"] = error
            ready.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert ready.wait(timeout=30), "the other transaction did not start"
    try:
        if "error" in outcome:
            raise outcome["error"]
        yield outcome.get("value")
    finally:
        release.set()
        thread.join(timeout=30)
    if "error" in outcome:
        raise outcome["error"]


class _TableReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_body = self._in_cell = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "td":
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.rows[-1][-1] += data


def table_rows(html: str) -> list[list[str]]:
    """The body rows of the page's table, as the text a reader sees in each cell."""
    reader = _TableReader()
    reader.feed(html)
    return [[" ".join(cell.split()) for cell in row] for row in reader.rows]
