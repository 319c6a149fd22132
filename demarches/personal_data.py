"""What the démarches hold about a person, how it is exported and erased (personal-data registry)."""

from django.utils import timezone

from demarches.enums import RequestStatus
from demarches.models import (
    Demarche,
    DemarcheRevision,
    ExportJob,
    FormField,
    FormPage,
    Label,
    LetterTemplate,
    Request,
    RequestAttachment,
    RequestEvent,
    RequestMessage,
    RequestNote,
    ServiceSpace,
)
from guichet.accounts import registry
from guichet.accounts.models import Party


def export(user) -> dict:
    """The requests and drafts of every party the user acts for, with their answers, timeline and messages."""
    requests = (
        Request.objects.for_user(user)
        .select_related("demarche")
        .prefetch_related("events", "messages__attachments", "attachments")
        .order_by("created_at", "pk")
    )
    return {
        "demandes": [
            {
                "référence": request.reference,
                "démarche": request.demarche.title,
                "titulaire": request.applicant_id,
                "statut": request.status,
                "version_du_formulaire": request.revision_id,
                "commencée_le": timezone.localtime(request.created_at).isoformat(),
                "déposée_le": timezone.localtime(request.submitted_at).isoformat()
                if request.submitted_at
                else None,
                "réponses": request.answers,
                "décision_le": timezone.localtime(request.decided_at).isoformat()
                if request.decided_at
                else None,
                "historique": [
                    {
                        "le": timezone.localtime(event.created_at).isoformat(),
                        "type": event.kind,
                        "statut_avant": event.from_status,
                        "statut_après": event.to_status,
                        "par_le_demandeur": event.by_applicant,
                        "motif": event.motivation,
                    }
                    for event in request.events.all()
                ],
                "messages": [
                    {
                        "le": timezone.localtime(message.created_at).isoformat(),
                        "du_demandeur": message.from_applicant,
                        "texte": message.body,
                        "documents": [attachment.document_id for attachment in message.attachments.all()],
                    }
                    for message in request.messages.all()
                ],
                "documents": [attachment.document_id for attachment in request.attachments.all()],
            }
            for request in requests
        ],
        "versions_publiées": list(
            DemarcheRevision.objects.filter(created_by=user).order_by("pk").values_list("pk", flat=True)
        ),
    }


def erase(user) -> None:
    """Delete the drafts of the person's own party; submitted requests stay.

    A submitted request is the town's administrative record, kept for its legal
    retention period (like the documents copied into the service's space), with
    its timeline and messages (their author becomes unknown when the account goes);
    it goes when that period ends, not on request. Drafts were never sent: they go now.
    """
    Request.objects.filter(
        applicant__in=Party.objects.filter(person=user), status=RequestStatus.DRAFT
    ).delete()


# A request once sent is the town's administrative record (archives publiques): it is kept as it was filed,
# with its timeline, messages and the agents' notes, for the retention period of its procedure.
_CATALOGUE = "The town's catalogue of procedures and their forms, the same for everyone."
_RECORD = (
    "A request once sent is the town's administrative record (archives publiques), kept as filed for the "
    "retention period of its procedure; the drafts go with the account."
)

registry.declare(
    app_label="demarches",
    personal_fields={
        # The answers hold whatever the form asked: names, addresses, dates of birth, IBAN…
        Request: (
            "applicant",
            "answers",
            "created_by",
            # At the counter: the consent the applicant gave, in the agent's words.
            "consent_statement",
            # The agent in charge, and the folded copy of the answers the agents search.
            "assignee",
            "search_vector",
        ),
        # The administrator who published a version.
        DemarcheRevision: ("created_by",),
        Demarche: (),
        FormPage: (),
        FormField: (),
        # The timeline: who moved a request, and the reason given to the applicant.
        RequestEvent: ("actor", "motivation"),
        RequestMessage: ("author", "body"),
        # The service's copy of an applicant's document, and the id of their original.
        RequestAttachment: ("document", "source_document_id"),
        # A service's party in the vault: no person in it.
        ServiceSpace: (),
        # Agents' private notes on a request: they may speak of the applicant.
        RequestNote: ("author", "body"),
        # An export of requests, kept encrypted a few hours for the agent who asked for it.
        ExportJob: ("requested_by", "filters"),
        Label: (),
        LetterTemplate: (),
    },
    exporter=export,
    eraser=erase,
    kept={
        Request: dict.fromkeys(
            ("answers", "consent_statement", "search_vector"),
            _RECORD,
        ),
        RequestEvent: {"motivation": _RECORD},
        RequestMessage: {"body": _RECORD},
        RequestNote: {"body": _RECORD},
        ExportJob: {
            "filters": "An agent's export of their service's requests, deleted a day after it was made."
        },
    },
    not_personal={
        Demarche: {
            "link_url_name": "The name of a portal page ('famille:enrolments'), not of a person.",
            **dict.fromkeys(("title", "slug", "summary", "description", "what_to_prepare"), _CATALOGUE),
        },
        DemarcheRevision: {"schema": _CATALOGUE},
        FormPage: dict.fromkeys(("title", "intro", "condition"), _CATALOGUE),
        FormField: dict.fromkeys(
            (
                "pattern_message",
                "key",
                "label",
                "hint",
                "choices",
                "min_date",
                "max_date",
                "pattern",
                "condition",
                "balance_with",
            ),
            _CATALOGUE,
        ),
        Request: {"reference": "The number the town gives a request ('GN-2026-000006'), naming nobody."},
        # Links to the RequestMessage row, whose body is declared there.
        RequestEvent: {"message": "A link to the message, whose body is declared on RequestMessage."},
        RequestAttachment: {
            "message": "A link to the message, whose body is declared on RequestMessage.",
            "field_key": "Which question of the form the document answers (a key of the form).",
        },
        ServiceSpace: {"party": "The service's own party in the vault: nobody is a member of it."},
        Label: {"name": "The agents' own words for sorting requests ('Urgent'), the same for everyone."},
        LetterTemplate: dict.fromkeys(
            ("subject", "body"),
            "The administrators' wording of a procedure's decision letter; names come in when it is rendered.",
        ),
        ExportJob: {
            "file_name": "A generated name ('demandes-etat-civil-2026-11-29.csv').",
            "wrapped_key": "A random key of the encrypted export, wrapped by the master key: no information.",
        },
    },
)
