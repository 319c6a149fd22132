"""What the subsidies hold about a person, how it is exported and erased (personal-data registry).

A subsidy request is the association's (a legal person) and, once sent, the town's
record: its answers live in the démarches' Request (declared there). Here are the
people who started, instructed, decided and reported, and the free texts that may
speak of someone (the agents' comments, the association's report).
"""

from django.utils import timezone

from associations.models import Association
from associations.subsidies.models import Application, Campaign, Criterion, FinancialReport, Score
from guichet.accounts import registry


def _moment(value):
    return timezone.localtime(value).isoformat() if value else None


def export(user) -> dict:
    """The subsidy requests of the user's associations (what was asked, granted, reported), and those
    the user started or reported."""
    applications = (
        Application.objects.filter(association__in=Association.objects.for_user(user))
        .select_related("campaign", "request", "report")
        .order_by("campaign__year", "pk")
    )
    return {
        "demandes_de_subvention": [
            {
                "demande": application.pk,
                "association": application.association_id,
                "campagne": application.campaign.year,
                "référence": application.request.reference,
                "commencée_par_vous": application.created_by_id == user.pk,
                "montant_demandé_centimes": application.requested_cents,
                "montant_accordé_centimes": application.granted_cents,
                "motif_de_la_décision": application.decision_motivation,
                "décision_le": _moment(application.decided_at),
                "compte_rendu": {
                    "dépenses_réalisées_centimes": application.report.actual_expenses_cents,
                    "recettes_réalisées_centimes": application.report.actual_income_cents,
                    "commentaire": application.report.comment,
                    "transmis_le": _moment(application.report.filed_at),
                    "transmis_par_vous": application.report.filed_by_id == user.pk,
                    "en_retard": application.report.is_late,
                }
                if hasattr(application, "report")
                else None,
            }
            for application in applications
        ]
    }


def erase(user) -> None:
    """Nothing to delete here: the requests and reports are the association's and the town's records
    (kept for their retention period, like the démarches' requests), the agents' comments are the
    service's work. The user's account goes (accounts' eraser): who started, decided or reported then
    reads as unknown (the links are SET_NULL). The drafts of a person's own party are the démarches'
    to delete; a subsidy request is always an association's."""


_INCOME = "The income of an association's project budget (a legal person's accounts), not a person's income."

registry.declare(
    app_label="subsidies",
    personal_fields={
        Campaign: ("created_by",),
        Criterion: (),
        Application: (
            "association",
            "created_by",
            "scored_by",
            "score_comment",
            "opinion_by",
            "opinion_text",
            "decided_by",
            "decision_motivation",
        ),
        Score: (),
        FinancialReport: ("comment", "document", "source_document_id", "filed_by", "checked_by"),
    },
    exporter=export,
    eraser=erase,
    kept={
        Application: dict.fromkeys(
            ("score_comment", "opinion_text", "decision_motivation"),
            "The service's instruction and the town's decision on the association's request: administrative "
            "records, kept for their retention period.",
        ),
        FinancialReport: {
            "comment": "The association's report on the use of a public subsidy, kept for the control of public "
            "funds."
        },
    },
    not_personal={
        Campaign: {
            "name": "The campaign's title ('Subventions aux associations 2027'), not a person's name."
        },
        Criterion: {"label": "A criterion of the campaign's scoring grid, the same for every association."},
        Application: {"income_cents": _INCOME},
        FinancialReport: {"actual_income_cents": _INCOME},
    },
)
