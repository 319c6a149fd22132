"""Every URL of the URLconf, for every kind of visitor: the status they get.

A URL without a row here fails the test, so a new page cannot ship without
deciding who may see it. Someone else's object answers 404, a page that needs
a role the visitor lacks answers 403, an anonymous visitor is sent to login.
"""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from guichet.notify import services as notify_services
from guichet.portal.models import NewsItem
from tests.associations import matrix as associations_matrix
from tests.factories import ServiceFactory, UserFactory, make_admin, make_agent, make_town, person_party
from tests.helpers import login
from tests.matrix import (
    ADMIN,
    ADMIN_ONLY,
    AGENT,
    AGENT_OTHER_SERVICE,
    ANONYMOUS,
    ANONYMOUS_ONLY,
    BACK_OFFICE,
    CITIZEN,
    LOGIN,
    OTHER_CITIZEN,
    PUBLIC,
    ROLES,
    SIGNED_IN,
    Row,
    everyone,
    named,
)

# Régie: the citizen's own objects, and the back-office of the régie service (the AGENT is one of its agents).
CITIZEN_ONLY = {**everyone(404), ANONYMOUS: LOGIN, CITIZEN: 200}
REGIE_AGENT = {**everyone(403), ANONYMOUS: LOGIN, AGENT: 200}


def regie_object(name: str, key: str) -> Callable[[dict], str]:
    return lambda world: reverse(name, args=[world["regie"][key].pk])


# Coffre-fort: the citizen's own vault, anyone else's is a 404; agents read what is shared with their service.
VAULT_OWNER = {**everyone(404), ANONYMOUS: LOGIN, CITIZEN: 200}
SHARED_WITH_AGENT = {**everyone(404), ANONYMOUS: LOGIN, CITIZEN: 403, OTHER_CITIZEN: 403, AGENT: 200}


def vault_object(name: str, key: str) -> Callable[[dict], str]:
    return lambda world: reverse(name, args=[world["coffre"][key].pk])


# Démarches: the catalogue is public; a request or a draft is its applicant's (anyone else's is a 404).
REQUEST_OWNER = {**everyone(404), ANONYMOUS: LOGIN, CITIZEN: 200}


def request_object(name: str, key: str, *more) -> Callable[[dict], str]:
    return lambda world: reverse(name, args=[world["demarches"][key].pk, *more])


# The back-office of a request: the AGENT is an agent of the service the world's requests were sent to.
AGENT_REQUEST = {**BACK_OFFICE, AGENT_OTHER_SERVICE: 404, ADMIN: 403}


# Famille — billing (F3): agents who may bill (the family services' and the régie's), 403 for anyone else.
FAMILLE_BILLING = {**everyone(403), ANONYMOUS: LOGIN, AGENT: 200, ADMIN: 200}


def billing_run(name: str) -> Callable[[dict], str]:
    return lambda world: reverse(name, args=[world["famille_billing"]["run"].pk])


# Famille — family file (F1): the citizen's household and child (anyone else's is a 404); the back office of
# the family services (agents of a service that runs an activity — the AGENT's does —, and administrators).
FAMILY_FILE_OWNER = {**everyone(404), ANONYMOUS: LOGIN, CITIZEN: 200}
FAMILLE_AGENT = {**everyone(403), ANONYMOUS: LOGIN, AGENT: 200, ADMIN: 200}


def family_file(name: str, key: str, *more: str) -> Callable[[dict], str]:
    return lambda world: reverse(
        name, args=[world["famille_file"][key].pk, *(world["famille_file"][m].pk for m in more)]
    )


MATRIX: dict[str, Row] = {
    # Probes and metrics (guichet/ops): the probes answer anyone; the metrics only the allowed addresses
    # (the test client's is 127.0.0.1, allowed by default) or the token's bearer.
    "ops:healthz": Row(named("ops:healthz"), PUBLIC),
    "ops:readyz": Row(named("ops:readyz"), PUBLIC),
    "ops:metrics": Row(named("ops:metrics"), PUBLIC),
    # Portal
    "portal:home": Row(named("portal:home"), PUBLIC),
    "portal:help": Row(named("portal:help"), PUBLIC),
    "portal:news": Row(named("portal:news"), PUBLIC),
    "portal:news_detail": Row(lambda w: w["news"].get_absolute_url(), PUBLIC),
    "portal:theme_css": Row(named("portal:theme_css"), PUBLIC),
    # A public image (the associations world's logo): anyone sees it.
    "portal:public_media": Row(
        lambda w: reverse("portal:public_media", args=[w["associations"]["core"]["association"].logo.name]),
        PUBLIC,
    ),
    "portal:legal": Row(named("portal:legal"), PUBLIC),
    "portal:privacy": Row(named("portal:privacy"), PUBLIC),
    "portal:terms": Row(named("portal:terms"), PUBLIC),
    "portal:accessibility": Row(named("portal:accessibility"), PUBLIC),
    "portal:contact": Row(named("portal:contact"), PUBLIC),
    "portal:dashboard": Row(named("portal:dashboard"), SIGNED_IN),
    "portal:agent_home": Row(named("portal:agent_home"), BACK_OFFICE),
    # Accounts
    "accounts:profile": Row(named("accounts:profile"), SIGNED_IN),
    "accounts:security": Row(named("accounts:security"), SIGNED_IN),
    "accounts:otp_backup_codes": Row(
        named("accounts:otp_backup_codes"),
        {**SIGNED_IN, **dict.fromkeys([CITIZEN, OTHER_CITIZEN], 302)},
        method="post",
    ),
    "accounts:otp_disable": Row(
        named("accounts:otp_disable"), {**everyone(302), ANONYMOUS: LOGIN}, method="post"
    ),
    "accounts:otp_setup": Row(
        named("accounts:otp_setup"), {**SIGNED_IN, **dict.fromkeys([AGENT_OTHER_SERVICE, AGENT, ADMIN], 200)}
    ),
    # Already verified: sent on to where they were going.
    "accounts:otp_verify": Row(named("accounts:otp_verify"), {**everyone(302), ANONYMOUS: LOGIN}),
    # Re-authentication by the code: whoever has no authenticator is sent to the password's page.
    "accounts:reauthenticate_code": Row(
        named("accounts:reauthenticate_code"),
        {**everyone(200), ANONYMOUS: LOGIN, CITIZEN: 302, OTHER_CITIZEN: 302},
    ),
    # Notifications: someone else's notification is a 404.
    "notify:list": Row(named("notify:list"), SIGNED_IN),
    "notify:mark_read": Row(
        lambda w: reverse("notify:mark_read", args=[w["notification"].pk]),
        {**everyone(404), ANONYMOUS: LOGIN, CITIZEN: 302},
        method="post",
    ),
    "notify:mark_all_read": Row(
        named("notify:mark_all_read"), {**everyone(302), ANONYMOUS: LOGIN}, method="post"
    ),
    "notify:preferences": Row(named("notify:preferences"), SIGNED_IN),
    # Audit
    "audit:data_access": Row(named("audit:data_access"), SIGNED_IN),
    # Régie: provider callbacks answer every caller the same way; a call without a
    # valid signature or payment reference is refused whoever sends it.
    "regie:stripe_webhook": Row(named("regie:stripe_webhook"), everyone(400), method="post"),
    "regie:payfip_webhook": Row(named("regie:payfip_webhook"), everyone(400), method="post"),
    # The demo payment page knows no such session: it has nothing to show anyone.
    "regie:demo_provider_root": Row(named("regie:demo_provider_root"), everyone(404)),
    "regie:demo_provider": Row(
        lambda w: reverse("regie:demo_provider", args=["pay/cs_unknown"]), everyone(404)
    ),
    # Régie, citizens' pages: their own invoices and payments; anyone else's is a 404.
    "regie_pages:invoices": Row(named("regie_pages:invoices"), SIGNED_IN),
    # Nothing ticked: the list again, with the error.
    "regie_pages:pay": Row(named("regie_pages:pay"), SIGNED_IN, method="post"),
    "regie_pages:invoice_detail": Row(regie_object("regie_pages:invoice_detail", "invoice"), CITIZEN_ONLY),
    "regie_pages:invoice_pdf": Row(regie_object("regie_pages:invoice_pdf", "invoice"), CITIZEN_ONLY),
    "regie_pages:payments": Row(named("regie_pages:payments"), SIGNED_IN),
    "regie_pages:payment_detail": Row(regie_object("regie_pages:payment_detail", "payment"), CITIZEN_ONLY),
    # A payment already made: back to its page.
    "regie_pages:payment_cancelled": Row(
        regie_object("regie_pages:payment_cancelled", "payment"), {**CITIZEN_ONLY, CITIZEN: 302}
    ),
    "regie_pages:receipt_pdf": Row(regie_object("regie_pages:receipt_pdf", "payment"), CITIZEN_ONLY),
    "regie_pages:mandates": Row(named("regie_pages:mandates"), SIGNED_IN),
    "regie_pages:mandate_revoke": Row(
        regie_object("regie_pages:mandate_revoke", "mandate"), {**CITIZEN_ONLY, CITIZEN: 302}, method="post"
    ),
    # Régie, the régisseur's pages: agents of the régie service only.
    "regie_pages:agent_home": Row(named("regie_pages:agent_home"), REGIE_AGENT),
    "regie_pages:agent_invoices": Row(named("regie_pages:agent_invoices"), REGIE_AGENT),
    "regie_pages:agent_invoice_detail": Row(
        regie_object("regie_pages:agent_invoice_detail", "invoice"), REGIE_AGENT
    ),
    "regie_pages:agent_invoice_pdf": Row(
        regie_object("regie_pages:agent_invoice_pdf", "invoice"), REGIE_AGENT
    ),
    "regie_pages:agent_counter_payment": Row(
        regie_object("regie_pages:agent_counter_payment", "invoice"), REGIE_AGENT
    ),
    "regie_pages:agent_credit_note": Row(
        regie_object("regie_pages:agent_credit_note", "invoice"), REGIE_AGENT
    ),
    "regie_pages:agent_unpaid": Row(named("regie_pages:agent_unpaid"), REGIE_AGENT),
    "regie_pages:agent_payments": Row(named("regie_pages:agent_payments"), REGIE_AGENT),
    "regie_pages:agent_payment_detail": Row(
        regie_object("regie_pages:agent_payment_detail", "payment"), REGIE_AGENT
    ),
    "regie_pages:agent_receipt_pdf": Row(
        regie_object("regie_pages:agent_receipt_pdf", "payment"), REGIE_AGENT
    ),
    "regie_pages:agent_refund": Row(regie_object("regie_pages:agent_refund", "payment"), REGIE_AGENT),
    "regie_pages:agent_cash_closing": Row(named("regie_pages:agent_cash_closing"), REGIE_AGENT),
    "regie_pages:agent_export": Row(named("regie_pages:agent_export"), REGIE_AGENT),
    "regie_pages:agent_debit_batches": Row(named("regie_pages:agent_debit_batches"), REGIE_AGENT),
    "regie_pages:agent_debit_batch": Row(regie_object("regie_pages:agent_debit_batch", "batch"), REGIE_AGENT),
    "regie_pages:agent_debit_batch_file": Row(
        regie_object("regie_pages:agent_debit_batch_file", "batch"), REGIE_AGENT
    ),
    # Before its collection date: refused with a message, back to the batch.
    "regie_pages:agent_debit_batch_collect": Row(
        regie_object("regie_pages:agent_debit_batch_collect", "batch"),
        {**REGIE_AGENT, AGENT: 302},
        method="post",
    ),
    "regie_pages:agent_debit_reject": Row(
        regie_object("regie_pages:agent_debit_reject", "debit"), REGIE_AGENT
    ),
    # Coffre-fort
    "coffre:about": Row(named("coffre:about"), PUBLIC),
    # Each visitor has one space, their own: straight to it. The citizen also has their household's
    # (the family file of the famille rows) and their association's, the other citizen their association's
    # (the associations rows): a choice.
    "coffre:home": Row(
        named("coffre:home"), {**everyone(302), ANONYMOUS: LOGIN, CITIZEN: 200, OTHER_CITIZEN: 200}
    ),
    "coffre:vault": Row(vault_object("coffre:vault", "owner"), VAULT_OWNER),
    "coffre:upload": Row(vault_object("coffre:upload", "owner"), VAULT_OWNER),
    "coffre:export": Row(vault_object("coffre:export", "owner"), VAULT_OWNER),
    "coffre:document": Row(vault_object("coffre:document", "document"), VAULT_OWNER),
    "coffre:document_edit": Row(vault_object("coffre:document_edit", "document"), VAULT_OWNER),
    "coffre:document_delete": Row(vault_object("coffre:document_delete", "document"), VAULT_OWNER),
    "coffre:version_upload": Row(vault_object("coffre:version_upload", "document"), VAULT_OWNER),
    "coffre:grant_create": Row(vault_object("coffre:grant_create", "document"), VAULT_OWNER),
    "coffre:version_download": Row(vault_object("coffre:version_download", "version"), VAULT_OWNER),
    "coffre:version_preview": Row(vault_object("coffre:version_preview", "version"), VAULT_OWNER),
    "coffre:version_delete": Row(vault_object("coffre:version_delete", "version"), VAULT_OWNER),
    "coffre:grant_revoke": Row(vault_object("coffre:grant_revoke", "grant"), VAULT_OWNER),
    "coffre:agent_documents": Row(named("coffre:agent_documents"), BACK_OFFICE),
    "coffre:agent_download": Row(vault_object("coffre:agent_download", "version"), SHARED_WITH_AGENT),
    "coffre:agent_preview": Row(vault_object("coffre:agent_preview", "version"), SHARED_WITH_AGENT),
    # Démarches: the catalogue and start pages are public; starting a draft needs an account.
    "demarches:catalogue": Row(named("demarches:catalogue"), PUBLIC),
    "demarches:demarche": Row(
        lambda w: reverse("demarches:demarche", args=[w["demarches"]["demarche"].slug]), PUBLIC
    ),
    "demarches:start": Row(
        lambda w: reverse("demarches:start", args=[w["demarches"]["demarche"].slug]),
        {**everyone(302), ANONYMOUS: LOGIN},
        method="post",
    ),
    "demarches:requests": Row(named("demarches:requests"), SIGNED_IN),
    # The citizen's draft (incomplete) and requests; anyone else's is a 404.
    "demarches:resume": Row(request_object("demarches:resume", "draft"), {**REQUEST_OWNER, CITIZEN: 302}),
    "demarches:page": Row(request_object("demarches:page", "draft", 1), REQUEST_OWNER),
    "demarches:review": Row(request_object("demarches:review", "draft"), REQUEST_OWNER),
    # Incomplete: the check page again, with what is missing.
    "demarches:submit": Row(request_object("demarches:submit", "draft"), REQUEST_OWNER, method="post"),
    "demarches:delete": Row(request_object("demarches:delete", "draft"), REQUEST_OWNER),
    "demarches:request": Row(request_object("demarches:request", "awaiting"), REQUEST_OWNER),
    "demarches:acknowledgement": Row(request_object("demarches:acknowledgement", "awaiting"), REQUEST_OWNER),
    "demarches:withdraw": Row(request_object("demarches:withdraw", "awaiting"), REQUEST_OWNER),
    "demarches:message": Row(request_object("demarches:message", "awaiting"), REQUEST_OWNER),
    "demarches:reply": Row(request_object("demarches:reply", "awaiting"), REQUEST_OWNER),
    "demarches:decision": Row(request_object("demarches:decision", "decided"), REQUEST_OWNER),
    "demarches:attachment": Row(
        lambda w: reverse(
            "demarches:attachment", args=[w["demarches"]["awaiting"].pk, w["demarches"]["attachment"].pk]
        ),
        REQUEST_OWNER,
    ),
    # Démarches back-office — queues, batch and exports (part A)
    # Agents of a service only (an administrator is an agent of none: 403); each lists its own services'
    # requests. The batch ticks nothing: the queue again with the error, nothing changed. An export is its
    # requester's alone: another service's agent gets 404.
    "demarches:agent_queue": Row(named("demarches:agent_queue"), {**BACK_OFFICE, ADMIN: 403}),
    "demarches:agent_batch": Row(
        named("demarches:agent_batch"),
        {**BACK_OFFICE, ADMIN: 403},
        method="post",
        data={"action": "m_attribuer"},
    ),
    "demarches:agent_exports": Row(named("demarches:agent_exports"), {**BACK_OFFICE, ADMIN: 403}),
    "demarches:agent_export_download": Row(
        request_object("demarches:agent_export_download", "export"),
        {**BACK_OFFICE, AGENT_OTHER_SERVICE: 404, ADMIN: 403},
    ),
    # (end of part A)
    # Démarches back-office — a request's page (part B)
    # The AGENT's service instructs the world's requests: another service's agent gets 404 on the request,
    # its documents, its letter and every action; an administrator is an agent of no service (403). The
    # POSTs change nothing the other rows read: a message, a note, no assignee, no label.
    "demarches:agent_request": Row(request_object("demarches:agent_request", "awaiting"), AGENT_REQUEST),
    "demarches:agent_attachment": Row(
        lambda w: reverse(
            "demarches:agent_attachment",
            args=[w["demarches"]["awaiting"].pk, w["demarches"]["attachment"].pk],
        ),
        AGENT_REQUEST,
    ),
    "demarches:agent_status": Row(request_object("demarches:agent_status", "awaiting"), AGENT_REQUEST),
    # The request already waits for information: the agent is sent back to its page.
    "demarches:agent_request_information": Row(
        request_object("demarches:agent_request_information", "awaiting"), {**AGENT_REQUEST, AGENT: 302}
    ),
    "demarches:agent_message": Row(
        request_object("demarches:agent_message", "awaiting"),
        {**AGENT_REQUEST, AGENT: 302},
        method="post",
        data={"message-body": "Bonjour."},
    ),
    "demarches:agent_note": Row(
        request_object("demarches:agent_note", "awaiting"),
        {**AGENT_REQUEST, AGENT: 302},
        method="post",
        data={"note-body": "Note."},
    ),
    "demarches:agent_assign": Row(
        request_object("demarches:agent_assign", "awaiting"),
        {**AGENT_REQUEST, AGENT: 302},
        method="post",
        data={"assign-assignee": ""},
    ),
    "demarches:agent_labels": Row(
        request_object("demarches:agent_labels", "awaiting"), {**AGENT_REQUEST, AGENT: 302}, method="post"
    ),
    "demarches:agent_letter": Row(request_object("demarches:agent_letter", "decided"), AGENT_REQUEST),
    # (end of part B)
    # Démarches back-office — counter (part C)
    # Agents of a service only (an administrator is an agent of none); the counter draft is the AGENT's
    # service's, so another service's agent gets 404. Sending it incomplete (its document is the citizen's
    # to add): the check page again.
    "demarches:agent_counter": Row(named("demarches:agent_counter"), {**BACK_OFFICE, ADMIN: 403}),
    "demarches:agent_counter_page": Row(
        request_object("demarches:agent_counter_page", "counter_draft", 1),
        {**BACK_OFFICE, AGENT_OTHER_SERVICE: 404, ADMIN: 403},
    ),
    "demarches:agent_counter_review": Row(
        request_object("demarches:agent_counter_review", "counter_draft"),
        {**BACK_OFFICE, AGENT_OTHER_SERVICE: 404, ADMIN: 403},
    ),
    "demarches:agent_counter_submit": Row(
        request_object("demarches:agent_counter_submit", "counter_draft"),
        {**BACK_OFFICE, AGENT_OTHER_SERVICE: 404, ADMIN: 403},
        method="post",
    ),
    # (end of part C)
    # Démarches back-office — statistics (part D)
    # Every agent reads their own services' figures (another service's agent, theirs); administrators all.
    "demarches:agent_stats": Row(named("demarches:agent_stats"), BACK_OFFICE),
    "demarches:agent_stats_csv": Row(named("demarches:agent_stats_csv"), BACK_OFFICE),
    # (end of part D)
    # Famille — billing (F3): the runs are the family services' and the régie's (the AGENT is both);
    # a family's tax certificates page lists its own only.
    "famille:agent_billing_runs": Row(named("famille:agent_billing_runs"), FAMILLE_BILLING),
    # No month typed: the list again, with the error.
    "famille:agent_billing_prepare": Row(
        named("famille:agent_billing_prepare"), FAMILLE_BILLING, method="post"
    ),
    "famille:agent_billing_run": Row(billing_run("famille:agent_billing_run"), FAMILLE_BILLING),
    "famille:agent_billing_recompute": Row(
        billing_run("famille:agent_billing_recompute"),
        {**FAMILLE_BILLING, AGENT: 302, ADMIN: 302},
        method="post",
    ),
    # The confirmation page (issuing itself needs the ticked box).
    "famille:agent_billing_issue": Row(billing_run("famille:agent_billing_issue"), FAMILLE_BILLING),
    "famille:tax_certificates": Row(named("famille:tax_certificates"), SIGNED_IN),
    # Famille — family file (F1)
    # The citizen has opened a family file: "Ma famille" leads to it, a second cannot be opened.
    "famille:family_home": Row(named("famille:family_home"), {**SIGNED_IN, CITIZEN: 302}),
    "famille:household_create": Row(named("famille:household_create"), {**SIGNED_IN, CITIZEN: 302}),
    "famille:household": Row(family_file("famille:household", "household"), FAMILY_FILE_OWNER),
    "famille:household_edit": Row(family_file("famille:household_edit", "household"), FAMILY_FILE_OWNER),
    "famille:adult_invite": Row(family_file("famille:adult_invite", "household"), FAMILY_FILE_OWNER),
    "famille:invitation_revoke": Row(
        family_file("famille:invitation_revoke", "invitation"),
        {**FAMILY_FILE_OWNER, CITIZEN: 302},
        method="post",
    ),
    # Whoever holds the link sees the page; it says what stops them (not the invited address, cancelled…).
    "famille:invitation_accept": Row(
        lambda w: reverse("famille:invitation_accept", args=[w["famille_file"]["invitation_token"]]),
        SIGNED_IN,
    ),
    "famille:child_add": Row(family_file("famille:child_add", "household"), FAMILY_FILE_OWNER),
    "famille:child": Row(family_file("famille:child", "child"), FAMILY_FILE_OWNER),
    "famille:child_edit": Row(family_file("famille:child_edit", "child"), FAMILY_FILE_OWNER),
    "famille:child_health": Row(family_file("famille:child_health", "child"), FAMILY_FILE_OWNER),
    "famille:child_pickups": Row(family_file("famille:child_pickups", "child"), FAMILY_FILE_OWNER),
    "famille:pickup_remove": Row(
        family_file("famille:pickup_remove", "pickup"), {**FAMILY_FILE_OWNER, CITIZEN: 302}, method="post"
    ),
    "famille:child_share": Row(family_file("famille:child_share", "child"), FAMILY_FILE_OWNER),
    "famille:child_share_revoke": Row(
        family_file("famille:child_share_revoke", "share"), {**FAMILY_FILE_OWNER, CITIZEN: 302}, method="post"
    ),
    "famille:child_share_accept": Row(
        lambda w: reverse("famille:child_share_accept", args=[w["famille_file"]["share_token"]]), SIGNED_IN
    ),
    "famille:documents": Row(family_file("famille:documents", "household"), FAMILY_FILE_OWNER),
    "famille:document_give": Row(
        family_file("famille:document_give", "household", "proof"), FAMILY_FILE_OWNER
    ),
    "famille:child_document_give": Row(
        family_file("famille:child_document_give", "household", "vaccination", "child"), FAMILY_FILE_OWNER
    ),
    "famille:quotient": Row(family_file("famille:quotient", "household"), FAMILY_FILE_OWNER),
    "famille:agent_households": Row(named("famille:agent_households"), FAMILLE_AGENT),
    "famille:agent_household": Row(family_file("famille:agent_household", "household"), FAMILLE_AGENT),
    # Nothing chosen: back to the file with the error.
    "famille:agent_household_residence": Row(
        family_file("famille:agent_household_residence", "household"),
        {**FAMILLE_AGENT, AGENT: 302, ADMIN: 302},
        method="post",
    ),
    "famille:agent_documents": Row(named("famille:agent_documents"), FAMILLE_AGENT),
    "famille:agent_document_validate": Row(
        family_file("famille:agent_document_validate", "given"),
        {**FAMILLE_AGENT, AGENT: 302, ADMIN: 302},
        method="post",
    ),
    "famille:agent_document_refuse": Row(
        family_file("famille:agent_document_refuse", "given"), FAMILLE_AGENT
    ),
    "famille:agent_quotients": Row(named("famille:agent_quotients"), FAMILLE_AGENT),
    "famille:agent_quotient_validate": Row(
        family_file("famille:agent_quotient_validate", "quotient"), FAMILLE_AGENT
    ),
    "famille:agent_quotient_refuse": Row(
        family_file("famille:agent_quotient_refuse", "quotient"), FAMILLE_AGENT
    ),
    # (end of F1)
    # Famille — bookings (F2): the citizen's child, calendar and booking (anyone else's is a 404); the
    # enrolments of the AGENT's service, whose activity the child is enrolled in (an administrator sees none).
    "famille:enrolments": Row(named("famille:enrolments"), SIGNED_IN),
    "famille:enrolment_request": Row(named("famille:enrolment_request"), SIGNED_IN),
    "famille:calendar": Row(
        lambda w: reverse("famille:calendar", args=[w["famille_bookings"]["child"].pk]), FAMILY_FILE_OWNER
    ),
    "famille:calendar_month": Row(
        lambda w: reverse(
            "famille:calendar_month",
            args=[
                w["famille_bookings"]["child"].pk,
                w["famille_bookings"]["session"].date.year,
                w["famille_bookings"]["session"].date.month,
            ],
        ),
        FAMILY_FILE_OWNER,
    ),
    "famille:recurring_booking": Row(
        lambda w: reverse("famille:recurring_booking", args=[w["famille_bookings"]["child"].pk]),
        FAMILY_FILE_OWNER,
    ),
    # No booking made in this session: back to the enrolments.
    "famille:booking_result": Row(named("famille:booking_result"), {**everyone(302), ANONYMOUS: LOGIN}),
    "famille:booking_cancel": Row(
        lambda w: reverse("famille:booking_cancel", args=[w["famille_bookings"]["booking"].pk]),
        FAMILY_FILE_OWNER,
    ),
    "famille:agent_enrolments": Row(named("famille:agent_enrolments"), FAMILLE_AGENT),
    "famille:agent_enrolment": Row(
        lambda w: reverse("famille:agent_enrolment", args=[w["famille_bookings"]["enrolment"].pk]),
        {**FAMILLE_AGENT, ADMIN: 404},
    ),
    # (end of F2)
    # Famille — attendance (F4): the family services' agents (and administrators) reach the day and
    # occupancy pages; a session's sheet and its PDF are the AGENT's service's (an administrator, agent of
    # no service, gets a 404, like another family service's agent).
    "famille:agent_attendance": Row(named("famille:agent_attendance"), FAMILLE_AGENT),
    "famille:agent_attendance_sheet": Row(
        lambda w: reverse("famille:agent_attendance_sheet", args=[w["famille_attendance"]["session"].pk]),
        {**FAMILLE_AGENT, ADMIN: 404},
    ),
    "famille:agent_attendance_pdf": Row(
        lambda w: reverse("famille:agent_attendance_pdf", args=[w["famille_attendance"]["session"].pk]),
        {**FAMILLE_AGENT, ADMIN: 404},
    ),
    "famille:agent_occupancy": Row(named("famille:agent_occupancy"), FAMILLE_AGENT),
    # (end of F4)
    # FranceConnect: off in this world (no FRANCECONNECT_* settings), so its pages answer 404 to everyone;
    # its logout, at allauth's address, stays allauth's. tests/franceconnect/test_pages.py checks each page
    # for each role with FranceConnect on.
    "franceconnect:start": Row(named("franceconnect:start"), everyone(404), method="post"),
    "franceconnect:callback": Row(named("franceconnect:callback"), everyone(404)),
    "franceconnect:signup": Row(named("franceconnect:signup"), everyone(404)),
    "franceconnect:link": Row(named("franceconnect:link"), everyone(404)),
    "franceconnect:cancel": Row(named("franceconnect:cancel"), everyone(404), method="post"),
    "franceconnect:logout_return": Row(named("franceconnect:logout_return"), everyone(404)),
    "franceconnect:reauthenticate": Row(
        named("franceconnect:reauthenticate"), {**everyone(404), ANONYMOUS: LOGIN}
    ),
    "franceconnect:logout": Row(named("franceconnect:logout"), {**everyone(200), ANONYMOUS: 302}),
    # (end of FranceConnect)
    # Transparency (guichet.retention): the register of processing activities and the retention schedule are
    # public, like the privacy notice (portal:privacy, above).
    "portal:processing_register": Row(named("portal:processing_register"), PUBLIC),
    "portal:retention_schedule": Row(named("portal:retention_schedule"), PUBLIC),
    # (end of transparency)
    # Personal-data rights (guichet.privacy): only the signed-in user's own data, so no one else's object to
    # reach. Downloading asks for the password again first (a fresh sign-in does not count); the deletion
    # page shows to all (an agent's or an administrator's says why it cannot be deleted online). After a
    # deletion the person is signed out: those pages are public (without a valid link, a refusal).
    "privacy:home": Row(named("privacy:home"), SIGNED_IN),
    "privacy:export": Row(named("privacy:export"), {**everyone(302), ANONYMOUS: LOGIN}, method="post"),
    "privacy:delete": Row(named("privacy:delete"), SIGNED_IN),
    "privacy:deleted": Row(named("privacy:deleted"), PUBLIC),
    "privacy:come_back": Row(named("privacy:come_back"), PUBLIC),
    # (end of personal-data rights)
    # Associations and their sub-apps (subsidies, rooms, equipment): rows next to their tests.
    **associations_matrix.rows(),
    # allauth
    "account_login": Row(named("account_login"), ANONYMOUS_ONLY),
    "account_signup": Row(named("account_signup"), ANONYMOUS_ONLY),
    "account_logout": Row(named("account_logout"), {**everyone(200), ANONYMOUS: 302}),
    "account_inactive": Row(named("account_inactive"), PUBLIC),
    "account_reauthenticate": Row(named("account_reauthenticate"), SIGNED_IN),
    "account_email": Row(named("account_email"), SIGNED_IN),
    "account_email_verification_sent": Row(named("account_email_verification_sent"), PUBLIC),
    "account_change_password": Row(named("account_change_password"), SIGNED_IN),
    "account_set_password": Row(named("account_set_password"), {**everyone(302), ANONYMOUS: LOGIN}),
    "account_reset_password": Row(named("account_reset_password"), PUBLIC),
    "account_reset_password_done": Row(named("account_reset_password_done"), PUBLIC),
    "account_reset_password_from_key": Row(
        lambda w: reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad"}), PUBLIC
    ),
    "account_reset_password_from_key_done": Row(named("account_reset_password_from_key_done"), PUBLIC),
    "account_confirm_email": Row(lambda w: reverse("account_confirm_email", args=["unknown-key"]), PUBLIC),
    # Login by code is off: allauth answers with a redirect to the login page.
    "account_confirm_login_code": Row(named("account_confirm_login_code"), {**everyone(302)}),
    "set_language": Row(named("set_language"), everyone(302), method="post", data={"language": "fr"}),
}

# Third-party route families answered the same way for every page in them.
PREFIX_RULES: dict[str, Row] = {
    "admin/": Row(lambda w: "", ADMIN_ONLY),
}


def url_patterns() -> list[tuple[str, str]]:
    """(key, route) for every pattern: 'namespace:name', or the route when unnamed."""
    found = []

    def walk(patterns, route_prefix="", namespace=""):
        for pattern in patterns:
            route = route_prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                key = f"{namespace}:{pattern.name}".strip(":") if pattern.name else route
                found.append((key, route))

    walk(get_resolver().url_patterns)
    return found


def test_every_url_has_a_row_in_the_matrix():
    missing = [
        key
        for key, route in url_patterns()
        if key not in MATRIX and not route.startswith(tuple(PREFIX_RULES))
    ]
    assert missing == [], f"Add these URLs to the authorization matrix: {missing}"


def test_the_matrix_has_no_row_for_a_url_that_is_gone():
    keys = {key for key, _route in url_patterns()}
    assert sorted(set(MATRIX) - keys) == []


@pytest.fixture
def vault_storage(settings, tmp_path):
    """The vault's blobs (and the démarches' exports) of the world go to folders of the test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "coffre"},
        },
        "demarches_exports": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "exports"},
        },
    }


def famille_billing_world(users: dict, service) -> dict:
    """Last month's draft billing run (prepared by the system), an activity of the AGENT's service."""
    from famille import services as famille_services
    from tests.famille.factories import ActivityFactory

    ActivityFactory(service=service, slug="matrice-facturation")
    return {"run": famille_services.prepare_run(actor=None)}


def famille_world(users: dict, service) -> dict:
    """The citizen's family file, built through famille's own services: a household with a child (an
    authorised person, a share with the other parent pending), an invitation pending, a document given
    and a quotient declared, both waiting for the AGENT's service, which runs an activity."""
    from datetime import date

    from famille import services as famille_services
    from famille.models import Activity
    from tests.famille.factories import ActivityFactory, give, requirement, seed_requirements, vault_document

    seed_requirements()
    if not Activity.objects.filter(service=service).exists():
        ActivityFactory(service=service, slug="matrice-dossier-famille")
    citizen = users[CITIZEN]
    household = famille_services.create_household(actor=citizen, name="Famille Matrice")
    child = famille_services.add_child(
        actor=citizen,
        household=household,
        first_name="Léa",
        last_name="Matrice",
        birth_date=date(2018, 3, 14),
    )
    pickup = famille_services.add_pickup(
        actor=citizen, child=child, name="Mamie", relationship="", phone="0600000000"
    )
    invitation, invitation_token = famille_services.invite_adult(
        actor=citizen, household=household, email="invite@exemple.fr"
    )
    share, share_token = famille_services.share_child(
        actor=citizen, child=child, household=household, email="papa@exemple.fr"
    )
    quotient = famille_services.declare_quotient(
        actor=citizen,
        household=household,
        value=850,
        caf_document=vault_document(citizen, household, "attestation-caf"),
    )
    return {
        "household": household,
        "child": child,
        "pickup": pickup,
        "invitation": invitation,
        "invitation_token": invitation_token,
        "share": share,
        "share_token": share_token,
        "given": give(citizen, household, "justificatif-domicile"),
        "quotient": quotient,
        "proof": requirement("justificatif-domicile"),
        "vaccination": requirement("carnet-vaccination"),
    }


def famille_bookings_world(users: dict, service) -> dict:
    """The citizen's child (of the family file's world) enrolled through famille's services in an activity
    of the AGENT's service, validated by the AGENT, with a session in three weeks and a booking of it."""
    from datetime import time

    from famille import services as famille_services
    from famille.enums import BookingStatus
    from famille.models import Booking, Child, Household, SchoolYear, Session
    from tests.famille.factories import activity_at

    citizen, today = users[CITIZEN], timezone.localdate()
    household = Household.objects.for_user(citizen).order_by("pk").first()
    child = Child.objects.filter(memberships__household=household).order_by("pk").first()
    activity, site = activity_at(service=service, slug="matrice-reservations", capacity=10)
    year = SchoolYear.objects.create(
        name="matrice", start_date=today - timedelta(days=60), end_date=today + timedelta(days=200)
    )
    enrolment = famille_services.request_enrolment(
        actor=citizen, household=household, child=child, activity=activity, site=site, school_year=year
    )
    famille_services.validate_enrolment(actor=users[AGENT], enrolment=enrolment)
    session = Session.objects.create(
        activity=activity,
        site=site,
        date=today + timedelta(days=21),
        start_time=time(11, 45),
        end_time=time(13, 30),
        capacity=10,
        booked=1,
    )
    booking = Booking.objects.create(
        session=session, child=child, household=household, status=BookingStatus.CONFIRMED, created_by=citizen
    )
    return {"child": child, "enrolment": enrolment, "session": session, "booking": booking}


def famille_attendance_world(users: dict, service) -> dict:
    """Today's session of an activity of the AGENT's service at a school, with one child booked."""
    from tests.famille.factories import ActivityFactory, SessionFactory, SiteFactory, add_site, book_children

    activity = ActivityFactory(service=service, slug="matrice-presences")
    site = SiteFactory(name="École de la matrice")
    add_site(activity, site)
    session = SessionFactory(activity=activity, site=site, date=timezone.localdate())
    book_children(session, 1)
    return {"session": session}


def demarches_world(users: dict, service) -> dict:
    """The citizen's démarches, built through demarches' own services: an incomplete draft, a request the
    AGENT's service waits for more on (with a document sent), and one accepted with its decision."""
    import importlib

    from django.apps import apps as django_apps

    from coffre import services as coffre_services
    from coffre.models import DocumentType
    from demarches import services as demarches_services
    from demarches.selectors.queues import QueueFilters
    from tests.coffre.factories import store
    from tests.demarches.factories import document_demarche, submitted
    from tests.factories import person_party as own_party

    # The vault's document types come from a data migration that a transactional test may have flushed.
    importlib.import_module("coffre.migrations.0002_seed_document_types").seed(django_apps, None)
    citizen, agent = users[CITIZEN], users[AGENT]
    demarche = document_demarche(service=service, title="Inscription sur les listes")
    proof = DocumentType.objects.get(code="justificatif-domicile")

    def send():
        version = store(user=citizen, document_type=proof, title="Facture")
        return submitted(
            user=citizen,
            demarche=demarche,
            answers={"nom": "Martin", "justificatif": version.document_id, "telephone": "+33612345678"},
        )

    draft = demarches_services.start_request(actor=citizen, demarche=demarche, applicant=own_party(citizen))
    awaiting = send()
    demarches_services.change_status(
        actor=agent, request=awaiting, status="awaiting_information", motivation="Pièce illisible."
    )
    decided = send()
    letter = coffre_services.copy_to_space(
        actor=agent,
        version=store(user=agent, title="Décision"),
        space=demarches_services.service_space(service=service),
    )
    demarches_services.change_status(
        actor=agent, request=decided, status="accepted", decision_document=letter.document
    )
    return {
        "demarche": demarche,
        "draft": draft,
        "awaiting": awaiting,
        "attachment": awaiting.attachments.get(),
        "decided": decided,
        "counter_draft": demarches_services.start_counter_request(
            actor=agent, demarche=demarche, applicant_user=citizen, consent_statement="Accord de la personne."
        ),
        # The AGENT's export of their service's requests, built as the Celery task builds it.
        "export": demarches_services.build_export(
            job_id=demarches_services.request_export(
                actor=agent, service=service, file_format="csv", filters=QueueFilters()
            ).pk
        ),
    }


def coffre_world(users: dict, service) -> dict:
    """The citizen's vault, built through coffre's own code: a document shared with the AGENT's service."""
    from coffre import services as coffre_services
    from tests.coffre.factories import store
    from tests.factories import person_party as own_party

    version = store(user=users[CITIZEN], title="Attestation CAF")
    grant = coffre_services.share_document(
        actor=users[CITIZEN],
        document=version.document,
        service=service,
        note="Inscription",
        until=timezone.localdate() + timedelta(days=30),
    )
    return {
        "owner": own_party(users[CITIZEN]),
        "document": version.document,
        "version": version,
        "grant": grant,
    }


@pytest.fixture
def world(db, vault_storage):
    make_town()
    service = ServiceFactory(name="État civil", slug="etat-civil")
    other_service = ServiceFactory(name="Urbanisme", slug="urbanisme")
    users = {
        CITIZEN: UserFactory(),
        OTHER_CITIZEN: UserFactory(),
        AGENT: make_agent(service),
        AGENT_OTHER_SERVICE: make_agent(other_service),
        ADMIN: make_admin(),
    }
    news = NewsItem.objects.create(
        title="Fête de l'école", slug="fete-ecole", summary="Samedi.", body="Texte.", is_published=True
    )
    notification = notify_services.notify(
        user=users[CITIZEN], kind="message", context={"subject": "Objet", "message": "Texte."}
    )
    return {
        "users": users,
        "service": service,
        "news": news,
        "notification": notification,
        "regie": regie_world(users),
        "coffre": coffre_world(users, service),
        "demarches": demarches_world(users, service),
        "famille_file": famille_world(users, service),
        "famille_billing": famille_billing_world(users, service),
        "famille_bookings": famille_bookings_world(users, service),
        "famille_attendance": famille_attendance_world(users, service),
        "associations": associations_matrix.world(users),
    }


def regie_world(users: dict) -> dict:
    """The citizen's invoices built through regie.services: one to pay, one paid at the counter, one debited."""
    from guichet.accounts.models import AgentMembership
    from regie import services as regie_services
    from regie.services import LineDraft

    regie = ServiceFactory(name="Régie unique", slug="regie")
    AgentMembership.objects.create(user=users[AGENT], service=regie)
    payer = person_party(users[CITIZEN])
    today = timezone.localdate()

    def bill(due_in_days: int):
        return regie_services.issue_invoice(
            actor=None,
            payer=payer,
            lines=[LineDraft(label="Cantine", service=regie, unit_price_cents=1250)],
            due_date=today + timedelta(days=due_in_days),
        )

    invoice, paid, _debited = bill(60), bill(30), bill(10)
    payment = regie_services.record_counter_payment(
        actor=users[AGENT], payer=payer, invoices=[paid], method="cash", amount_cents=1250
    )
    mandate = regie_services.sign_mandate(
        actor=users[CITIZEN],
        payer=payer,
        holder_name="Camille Martin",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
    )
    batch = regie_services.create_direct_debit_batch(
        actor=users[AGENT], collection_date=today + timedelta(days=20)
    )
    return {
        "invoice": invoice,
        "payment": payment,
        "mandate": mandate,
        "batch": batch,
        "debit": batch.items.get(),
    }


def check(client, world, key: str, row: Row, role: str) -> None:
    if role != ANONYMOUS:
        login(client, world["users"][role])
    url = row.url(world)
    response = getattr(client, row.method)(url, row.data)
    expected = row.expect[role]
    if expected == LOGIN:
        assert response.status_code == 302, f"{key} {url} as {role}: {response.status_code}"
        # The admin's own login URL only hands over to the portal's login page.
        assert response.url.startswith((reverse("account_login"), "/admin/login/")), (
            f"{key} as {role}: {response.url}"
        )
    else:
        assert response.status_code == expected, f"{key} {url} as {role}: {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
def test_each_url_answers_each_role_as_the_matrix_says(client, world, role):
    for key, row in MATRIX.items():
        client.logout()
        check(client, world, key, row, role)


def test_the_admin_login_hands_over_to_the_portal_login(client):
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?next=%2Fadmin%2Faccounts%2Fuser%2F"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/accounts/user/", "/admin/accounts/town/", "/admin/portal/newsitem/add/"]
)
def test_admin_pages_answer_each_role_as_the_prefix_rule_says(client, world, role, path):
    check(client, world, path, Row(lambda w: path, PREFIX_RULES["admin/"].expect), role)
