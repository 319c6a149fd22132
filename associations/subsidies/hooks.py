"""How the subsidies plug into the démarches (demarches.hooks), registered by SubsidiesConfig.ready().

A "subsidy procedure" is a démarche that a campaign uses; the démarches' other
procedures are none of these hooks' business (they return at once).

submit_check        before a subsidy request is sent: the association must be verified, the
                    campaign open, and a plain member may not send it when the association keeps
                    that to its board. A draft started from the public catalogue (no application
                    yet) goes to the campaign of its procedure open today, or is refused.
on_request_submitted once sent (inside the submission's transaction): the application is made
                    for a draft from the catalogue, and records the amount asked (answers
                    « montant ») and the budget's totals (the balanced groups).
decision_check      the generic request page neither accepts nor refuses a subsidy request
                    (the committee's amount is recorded from the subsidy's page, which then
                    moves the request itself), nor reopens a decided one.
letter_context      {{ subvention.montant_accorde }}, {{ subvention.campagne }}… for the letters.
"""

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from associations.exceptions import AssociationNotVerified
from associations.models import Association
from associations.subsidies import perms
from associations.subsidies.models import Application, Campaign
from associations.subsidies.services import AMOUNT_KEY, closed_message, exists_message
from demarches import engine
from demarches.enums import RequestStatus
from demarches.exceptions import SubmissionRefused
from guichet import audit
from regie.money import format_eur

LETTER_VARIABLE = "subvention"


def _is_subsidy_procedure(demarche_id: int) -> bool:
    return Campaign.objects.filter(demarche_id=demarche_id).exists()


def _application(request) -> Application | None:
    return (
        Application.objects.select_related("campaign", "association__party")
        .filter(request_id=request.pk)
        .first()
    )


def _open_campaign(demarche_id: int, today) -> Campaign | None:
    return Campaign.objects.open_on(today).filter(demarche_id=demarche_id).first()


def _no_campaign_message(demarche_id: int, today) -> str:
    last = (
        Campaign.objects.filter(demarche_id=demarche_id, closes_on__lt=today).order_by("-closes_on").first()
    )
    if last is not None:
        return closed_message(last)
    upcoming = (
        Campaign.objects.filter(demarche_id=demarche_id, opens_on__gt=today).order_by("opens_on").first()
    )
    if upcoming is not None:
        return _(
            "La campagne %(year)s ouvre le %(date)s : vous pourrez envoyer votre demande à partir de ce jour."
        ) % {
            "year": upcoming.year,
            "date": formats.date_format(upcoming.opens_on, "j F Y"),
        }
    return _("Aucune campagne de subventions n'est ouverte pour le moment.")


def submit_check(actor, request) -> str | None:
    """Why this subsidy request cannot be sent now, in French; None when it can (or is not one)."""
    today = timezone.localdate()
    application = _application(request)
    if application is not None:
        campaign, association = application.campaign, application.association
    else:
        if not _is_subsidy_procedure(request.demarche_id):
            return None
        association = (
            Association.objects.select_related("party").filter(party_id=request.applicant_id).first()
        )
        if association is None:
            return _("Seule une association peut demander une subvention.")
        campaign = _open_campaign(request.demarche_id, today)
        if campaign is None:
            return _no_campaign_message(request.demarche_id, today)
        if Application.objects.filter(campaign=campaign, association=association).exists():
            return exists_message(campaign)
    if not association.is_verified:
        return AssociationNotVerified.default_message
    if campaign.is_closed(today):
        return closed_message(campaign)
    if not campaign.is_open(today):
        return _no_campaign_message(request.demarche_id, today)
    if not perms.can_submit(actor, association):
        return _(
            "Votre association réserve l'envoi des demandes de subvention à son bureau : un membre du bureau "
            "(présidence, trésorerie, secrétariat) doit envoyer cette demande. Votre brouillon reste prêt "
            "pour lui, dans les demandes de l'association."
        )
    return None


def on_request_submitted(sender, request, actor, **kwargs) -> None:
    """Record what the subsidy request asks for, once sent (atomic with the submission)."""
    application = Application.objects.select_for_update(of=("self",)).filter(request_id=request.pk).first()
    if application is None:
        if not _is_subsidy_procedure(request.demarche_id):
            return
        campaign = _open_campaign(request.demarche_id, timezone.localdate())
        association = Association.objects.get(party_id=request.applicant_id)
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    campaign=campaign, association=association, request=request, created_by=request.created_by
                )
        except IntegrityError:
            # The association's other draft was sent a moment before: this one stays a draft.
            raise SubmissionRefused(exists_message(campaign)) from None
    requested = request.answers.get(AMOUNT_KEY)
    application.requested_cents = requested if isinstance(requested, int) and requested >= 0 else None
    balances = engine.balances(request.form, request.answers)
    if balances:
        application.expenses_cents, application.income_cents = balances[0].total, balances[0].partner_total
    application.save(update_fields=["requested_cents", "expenses_cents", "income_cents", "updated_at"])
    audit.record(
        actor=actor,
        action="subsidies.application.submit",
        target=application,
        owner=request.applicant_id,
        campaign=application.campaign_id,
        request=request.pk,
    )


def decision_check(actor, request, status: str) -> str | None:
    """Subsidy requests are decided from their subsidy's page, which records the committee's amount."""
    application = Application.objects.filter(request_id=request.pk).only("pk", "granted_cents").first()
    if application is None:
        return None
    if status in (RequestStatus.ACCEPTED, RequestStatus.REFUSED):
        expected = RequestStatus.ACCEPTED if application.granted_cents else RequestStatus.REFUSED
        if application.granted_cents is None or status != expected:
            return _(
                "Une demande de subvention se décide depuis sa page dans « Subventions », avec le montant "
                "accordé par le comité : le courrier de décision le reprend."
            )
    if RequestStatus(request.status).is_final and application.granted_cents is not None:
        return _(
            "La décision du comité sur cette subvention est enregistrée : elle ne se rouvre pas depuis "
            "cette page."
        )
    return None


def letter_context(request) -> dict:
    """The subsidy's values for the decision letter; {} for another procedure's request."""
    application = Application.objects.select_related("campaign").filter(request_id=request.pk).first()
    if application is None:
        return {}
    campaign = application.campaign
    return {
        LETTER_VARIABLE: {
            "campagne": campaign.name,
            "annee": str(campaign.year),
            "montant_demande": format_eur(application.requested_cents or 0),
            "montant_accorde": format_eur(application.granted_cents or 0),
            "motif": application.decision_motivation,
            "compte_rendu_avant_le": campaign.report_due_on,
            "comite_le": campaign.committee_on or "",
        }
    }


def register() -> None:
    from demarches import hooks

    hooks.register_submit_check("subsidies", submit_check)
    hooks.request_submitted.connect(on_request_submitted, dispatch_uid="subsidies.on_request_submitted")
    hooks.register_decision_check("subsidies", decision_check)
    hooks.register_letter_context(LETTER_VARIABLE, letter_context)
