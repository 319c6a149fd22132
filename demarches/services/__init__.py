"""Every state change of the démarches, one function per use case, by sub-domain:

- procedures: publishing and duplicating a procedure (administrators);
- requests: drafts, submission and follow-up by the applicant, and `move()`, the one
  path of every status change (timeline, audit, notification, deadline clock);
- instruction: the agents' moves, assignment, labels, notes, messages, decisions;

Callers import this package (`from demarches import services`); the names below are
its public interface.
"""

from demarches.services.instruction import (
    ASSIGNED_NOTIFICATION_KIND,
    FEE_DUE_DAYS,
    MESSAGE_NOTIFICATION_KIND,
    add_note,
    assign_request,
    change_status,
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
    "APPLICANT_MOVE_NOTIFICATION_KIND",
    "ASSIGNED_NOTIFICATION_KIND",
    "MESSAGE_NOTIFICATION_KIND",
    "add_note",
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
