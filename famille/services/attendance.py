"""Attendance (part F4): an agent of the activity's service ticks a session's sheet, present, absent or
absence justifiée, for every child with a confirmed booking, in one go.

The marks feed the monthly bill (`famille.services.billing`): an absence without certificate is
billed when the activity says so, a justified one never. So a sheet is refused for a day to come, for
a session the town closed (nothing is billed), and for a month whose invoices are already issued (the
bill could no longer follow the sheet).
"""

import hashlib
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from famille import perms
from famille.enums import Attendance, BillingRunStatus, BookingStatus
from famille.exceptions import AttendanceRefused, FamilleAccessDenied
from famille.models import BillingRun, Booking, Session
from famille.selectors.attendance import attendance_sheet
from guichet import audit
from guichet.accounts.models import Town
from regie.pdf import logo_data_uri, render_pdf

__all__ = ["attendance_refusal", "attendance_sheet_pdf", "record_attendance", "render_attendance_sheet_pdf"]


def _marks(marks: Mapping) -> dict[int, Attendance]:
    try:
        return {int(booking_id): Attendance(value) for booking_id, value in marks.items()}
    except (TypeError, ValueError):
        raise AttendanceRefused(_("Choisissez « présent », « absent » ou « absence justifiée ».")) from None


def attendance_refusal(*, session: Session, today: date) -> str:
    """Why the sheet of this session cannot be recorded on `today` ("" when it can)."""
    if session.date > today:
        return _("L'appel d'une séance à venir ne peut pas être enregistré.")
    if session.closure_id is not None:
        return _("Cette séance est fermée : il n'y a pas d'appel à faire.")
    if BillingRun.objects.filter(month=session.date.replace(day=1), status=BillingRunStatus.ISSUED).exists():
        return _("Les factures de ce mois sont émises : les présences ne peuvent plus être modifiées.")
    return ""


@transaction.atomic
def record_attendance(
    *, actor, session: Session, marks: Mapping[int, str], now: datetime | None = None
) -> int:
    """Record one session's sheet (booking id → Attendance); returns how many bookings changed.

    Only the confirmed bookings of this session are marked: the id of another session's booking,
    or of a cancelled or waiting one, is ignored. Idempotent: a booking that already holds the
    same mark is left alone (with who ticked it and when), so sending the sheet again changes
    nothing and writes no audit event. Audited once per sheet, with the counts.
    """
    session = Session.objects.select_related("activity").get(pk=session.pk)
    if not perms.can_take_attendance(actor, session.activity):
        raise FamilleAccessDenied
    now = now or timezone.now()
    refusal = attendance_refusal(session=session, today=timezone.localdate(now))
    if refusal:
        raise AttendanceRefused(refusal)
    wanted = _marks(marks)
    if not wanted:
        return 0
    # Lock the sheet's rows: two tablets sending the same sheet apply one after the other.
    current = dict(
        Booking.objects.select_for_update(of=("self",))
        .filter(session=session, status=BookingStatus.CONFIRMED, pk__in=wanted)
        .order_by("pk")
        .values_list("pk", "attendance")
    )
    changes: dict[Attendance, list[int]] = {}
    for booking_id, attendance in current.items():
        if attendance != wanted[booking_id]:
            changes.setdefault(wanted[booking_id], []).append(booking_id)
    for attendance, booking_ids in changes.items():
        Booking.objects.filter(pk__in=booking_ids).update(
            attendance=attendance, attendance_by=actor, attendance_at=now
        )
    changed = sum(len(ids) for ids in changes.values())
    if changed:
        counts = Counter({attendance.value: len(ids) for attendance, ids in changes.items()})
        audit.record(
            actor=actor,
            action="famille.attendance.record",
            target=session,
            changed=changed,
            present=counts[Attendance.PRESENT.value],
            absent=counts[Attendance.ABSENT.value],
            excused=counts[Attendance.EXCUSED.value],
        )
    return changed


# The printable sheet -------------------------------------------------------------------------------
#
# WeasyPrint is slow on long tables: measured on a 2-core machine (busy, where a one-line page took
# 117 ms against ~90 ms idle), a 30-child sheet (2 pages) takes ~1.1 s and a 150-child canteen
# (8 pages) ~3.8 s: far too long for a request. So the PDF is rendered by a Celery task and kept in the
# cache under a fingerprint of what it prints (its HTML without the time of printing): the page
# serves it when it is ready and up to date, and queues it (once) when it is not.

PDF_TEMPLATE = "famille/pdf/attendance.html"
PDF_CACHE_SECONDS = 15 * 60
# A render queued and not back after this long may be queued again (a lost task, a worker restart).
PDF_PENDING_SECONDS = 60


def _pdf_context(sheet) -> dict:
    town = Town.current()
    return {"sheet": sheet, "session": sheet.session, "town": town, "logo": logo_data_uri(town)}


def _fingerprint(context: dict) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(PDF_TEMPLATE, {**context, "printed_at": None})
    return hashlib.sha256(html.encode()).hexdigest()


def _pdf_key(session_id: int, fingerprint: str) -> str:
    return f"famille:attendance-pdf:{session_id}:{fingerprint}"


def render_attendance_sheet_pdf(*, session_id: int) -> str | None:
    """Render a session's printable sheet as it stands now and keep it in the cache (for the Celery
    task). Returns its fingerprint (None when the session is gone)."""
    session = Session.objects.select_related("activity", "site", "closure").filter(pk=session_id).first()
    if session is None:
        return None
    # Paper escapes access control: it carries the health flag, never the notes.
    context = _pdf_context(attendance_sheet(session=session, with_health=False))
    fingerprint = _fingerprint(context)
    pdf = render_pdf(PDF_TEMPLATE, {**context, "printed_at": timezone.localtime()})
    cache.set(_pdf_key(session_id, fingerprint), pdf, PDF_CACHE_SECONDS)
    return fingerprint


def attendance_sheet_pdf(*, sheet) -> bytes | None:
    """The printable version of this sheet if it is ready and up to date; else its rendering is
    queued (once: a render already on its way is not queued again) and None is returned."""
    from famille import tasks

    session_id = sheet.session.pk
    key = _pdf_key(session_id, _fingerprint(_pdf_context(sheet)))
    pdf = cache.get(key)
    if pdf is None and cache.add(f"{key}:pending", 1, PDF_PENDING_SECONDS):
        tasks.render_attendance_sheet.delay(session_id)
        # Where tasks run eagerly (the demo, the tests), it is there already.
        pdf = cache.get(key)
    return pdf
