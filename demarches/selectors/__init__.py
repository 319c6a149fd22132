"""Every read of the démarches the pages need, scoped and prefetched, by side:

- citizen: the catalogue, published forms, a user's requests, timeline, the "Mes demandes" card;
- the back-office modules (queues, instruction, statistics) read for agents, scoped to their services.
"""

from demarches.selectors.citizen import (
    RequestLists,
    RequestsSummary,
    applicants_for,
    attachment_for_user,
    attachment_titles,
    attachments_of,
    awaiting_motivation,
    catalogue,
    decision_version,
    demarches_by_status,
    drafts_of,
    editable_pages,
    has_unpublished_changes,
    letter_pending,
    published_form,
    request_for_user,
    request_lists,
    requests_for_user,
    requests_summary,
    timeline,
)

__all__ = [
    "RequestLists",
    "RequestsSummary",
    "applicants_for",
    "attachment_for_user",
    "attachment_titles",
    "attachments_of",
    "awaiting_motivation",
    "catalogue",
    "decision_version",
    "demarches_by_status",
    "drafts_of",
    "editable_pages",
    "has_unpublished_changes",
    "letter_pending",
    "published_form",
    "request_for_user",
    "request_lists",
    "requests_for_user",
    "requests_summary",
    "timeline",
]
