"""Every state change of the démarches, one function per use case, by sub-domain:

- procedures: publishing and duplicating a procedure (administrators);
- requests: drafts, submission and follow-up by the applicant, and `move()`, the one
  path of every status change (timeline, audit, notification, deadline clock);
- instruction: the agents' moves, assignment, labels, notes, messages, decisions;
- batch: one action on several requests ticked in the queue, each in its own transaction;
- exports: the agents' exports of requests (built by Celery, encrypted at rest, purged);
- counter: an agent starts a request for a citizen at the counter, with their consent;
- deadlines: the silence rule, reminders and escalations, closing unanswered requests (Celery beat);

Callers import this package (`from demarches import services`); the names below are
its public interface.
"""

from demarches.services.batch import (
    ADD_LABEL,
    ASSIGN,
    ASSIGN_TO_ME,
    BATCH_ACTIONS,
    START_REVIEW,
    BatchResult,
    apply_batch,
)
from demarches.services.counter import start_counter_request
from demarches.services.deadlines import (
    ESCALATED_NOTIFICATION_KIND,
    INFORMATION_REMINDER_NOTIFICATION_KIND,
    OVERDUE_NOTIFICATION_KIND,
    apply_silence_rules,
    remind_information,
    remind_overdue,
)
from demarches.services.exports import (
    build_export,
    mark_export_failed,
    open_export,
    purge_exports,
    request_export,
)
from demarches.services.instruction import (
    ASSIGNED_NOTIFICATION_KIND,
    FEE_DUE_DAYS,
    MESSAGE_NOTIFICATION_KIND,
    add_note,
    assign_request,
    bill_fee,
    change_status,
    open_request_document,
    request_information,
    send_agent_message,
    set_labels,
)
from demarches.services.procedures import duplicate_demarche, publish_demarche
from demarches.services.requests import (
    APPLICANT_MOVE_NOTIFICATION_KIND,
    MESSAGE_MAX_LENGTH,
    STATUS_NOTIFICATION_KIND,
    SUBMITTED_NOTIFICATION_KIND,
    answer_information_request,
    applicant_users,
    clean_body,
    delete_draft,
    document_answers,
    index_request,
    move,
    save_page_answers,
    send_message,
    service_space,
    start_request,
    store_applicant_document,
    submit_request,
    withdraw_request,
)

__all__ = [
    "ADD_LABEL",
    "ASSIGN",
    "ASSIGN_TO_ME",
    "BATCH_ACTIONS",
    "START_REVIEW",
    "BatchResult",
    "apply_batch",
    "build_export",
    "mark_export_failed",
    "open_export",
    "purge_exports",
    "request_export",
    "ESCALATED_NOTIFICATION_KIND",
    "INFORMATION_REMINDER_NOTIFICATION_KIND",
    "OVERDUE_NOTIFICATION_KIND",
    "apply_silence_rules",
    "start_counter_request",
    "bill_fee",
    "remind_information",
    "remind_overdue",
    "APPLICANT_MOVE_NOTIFICATION_KIND",
    "ASSIGNED_NOTIFICATION_KIND",
    "MESSAGE_NOTIFICATION_KIND",
    "add_note",
    "open_request_document",
    "assign_request",
    "clean_body",
    "request_information",
    "send_agent_message",
    "set_labels",
    "FEE_DUE_DAYS",
    "MESSAGE_MAX_LENGTH",
    "STATUS_NOTIFICATION_KIND",
    "SUBMITTED_NOTIFICATION_KIND",
    "answer_information_request",
    "applicant_users",
    "change_status",
    "delete_draft",
    "document_answers",
    "duplicate_demarche",
    "index_request",
    "move",
    "publish_demarche",
    "save_page_answers",
    "send_message",
    "service_space",
    "start_request",
    "store_applicant_document",
    "submit_request",
    "withdraw_request",
]
