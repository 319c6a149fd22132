"""Subsidies: every state change of the campaigns, the requests, their instruction and their reports.

Public API (keyword-only arguments, `actor` first; every refusal is a
`associations.subsidies.exceptions.SubsidyError`, an AssociationError with a French `message`):

Campaigns (administrators, in the admin; the demo)
    create_campaign(actor, year, name, opens_on, closes_on, envelope_cents, demarche, report_due_on,
                    committee_on=None, criteria=()) -> Campaign          (CampaignRefused)
    save_campaign(actor, campaign) -> Campaign                           (CampaignRefused)
    check_campaign(campaign) -> None                                     (CampaignRefused)
    ensure_letter_templates(demarche) -> int
The association (its members)
    start_application(actor, campaign, association, today=None) -> Application
        (AssociationAccessDenied, AssociationNotVerified, CampaignClosed, ApplicationExists)
    then the démarches' own pages fill and send it; associations.subsidies.hooks checks the sending
    and records what was asked (the amount, the budget's totals) once sent.
    file_report(actor, application, actual_expenses_cents, actual_income_cents, comment, document,
                today=None) -> FinancialReport                           (NotBoardMember, ReportRefused)
The vie associative service (its agents)
    score_application(actor, application, scores, comment="") -> Application   (InstructionRefused)
    give_opinion(actor, application, opinion, text="") -> Application          (InstructionRefused)
    decide_application(actor, application, granted_cents, motivation) -> Application
        (InstructionRefused, EnvelopeExceeded)
    check_report(actor, report) -> FinancialReport
Celery beat
    send_report_reminders(today=None) -> int

The committee's decision locks the campaign's row first, so two decisions of one
campaign run one after the other and the amounts granted never exceed its
envelope; it then moves the démarches request to accepted (or refused, for 0 €)
through `demarches.services.change_status(..., letter=True)`: the démarches'
machinery writes the timeline, tells the association and has the decision's
letter (PDF) made, with the subsidy's values (hooks.letter_context).
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from associations import perms as association_perms
from associations.enums import BOARD_ROLES
from associations.exceptions import AssociationAccessDenied, AssociationNotVerified, NotBoardMember
from associations.models import Association
from associations.subsidies import perms
from associations.subsidies.enums import Opinion
from associations.subsidies.exceptions import (
    ApplicationExists,
    CampaignClosed,
    CampaignRefused,
    EnvelopeExceeded,
    InstructionRefused,
    ReportRefused,
)
from associations.subsidies.models import Application, Campaign, Criterion, FinancialReport, Score
from coffre import services as vault
from coffre.exceptions import VaultError
from coffre.models import Document
from demarches import services as demarches
from demarches.enums import DemarcheKind, DemarcheStatus, FieldKind, RequestStatus
from demarches.exceptions import DemarcheError
from demarches.models import Demarche, LetterTemplate
from guichet import audit
from guichet.accounts.models import User
from guichet.notify import services as notify
from regie.money import format_eur

REPORT_DOCUMENT_TYPE = "compte-rendu-financier"
# The answer of the subsidy procedure that says how much is asked (an amount, in cents).
AMOUNT_KEY = "montant"
REPORT_REMINDER_DAYS = 30
REPORT_REMINDER_NOTIFICATION_KIND = "subsidies_report_reminder"
REPORT_FILED_NOTIFICATION_KIND = "subsidies_report_filed"
IN_PROGRESS = (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW, RequestStatus.AWAITING_INFORMATION)

# The decision letters of a subsidy procedure, given to it when a campaign first uses it (the
# administrators may change them in the démarche's admin: existing ones are never replaced).
LETTERS: dict[str, tuple[str, str]] = {
    RequestStatus.ACCEPTED: (
        "Attribution d'une subvention – {{ subvention.campagne }}",
        "Madame la Présidente, Monsieur le Président,\n\n"
        "{% if subvention.comite_le %}Après l'avis du comité du {{ subvention.comite_le|date:'j F Y' }}, "
        "{% endif %}la commune attribue à {{ applicant }} une subvention de {{ subvention.montant_accorde }} "
        "au titre de la campagne {{ subvention.annee }} (demande {{ reference }} du {{ submitted_on }}, "
        "montant demandé : {{ subvention.montant_demande }}).\n\n"
        "{% if motivation %}{{ motivation }}\n\n{% endif %}"
        "La subvention est versée sur le compte bancaire de l'association. Elle est affectée à l'objet de "
        "votre demande : l'association transmet au service « {{ service }} » le compte rendu financier de "
        "son emploi au plus tard le {{ subvention.compte_rendu_avant_le|date:'j F Y' }}, depuis la page "
        "« Subventions » de son espace sur le guichet numérique.\n\n"
        "Veuillez agréer, Madame la Présidente, Monsieur le Président, l'expression de nos salutations "
        "distinguées.",
    ),
    RequestStatus.REFUSED: (
        "Votre demande de subvention – {{ subvention.campagne }}",
        "Madame la Présidente, Monsieur le Président,\n\n"
        "{% if subvention.comite_le %}Après l'avis du comité du {{ subvention.comite_le|date:'j F Y' }}, "
        "{% endif %}la commune n'a pas pu retenir la demande de subvention de {{ applicant }} au titre de "
        "la campagne {{ subvention.annee }} (demande {{ reference }} du {{ submitted_on }}, montant "
        "demandé : {{ subvention.montant_demande }}).\n\n"
        "Motif de la décision : {{ motivation }}\n\n"
        "Vous pouvez contester cette décision dans un délai de deux mois à compter de sa réception, par "
        "un recours gracieux adressé à la mairie ou par un recours contentieux devant le tribunal "
        "administratif.\n\n"
        "Veuillez agréer, Madame la Présidente, Monsieur le Président, l'expression de nos salutations "
        "distinguées.",
    ),
}


# Helpers ------------------------------------------------------------------------------------------


def _date(day: date) -> str:
    return formats.date_format(day, "j F Y")


def _check_agent(actor) -> None:
    if not perms.can_instruct(actor):
        raise AssociationAccessDenied()


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("campaign__demarche__service", "association__party", "request")
        .get(pk=application.pk)
    )


def granted_total(campaign: Campaign, *, exclude: Application | None = None) -> int:
    """The amounts granted so far in the campaign (cents)."""
    applications = Application.objects.filter(campaign=campaign, granted_cents__isnull=False)
    if exclude is not None:
        applications = applications.exclude(pk=exclude.pk)
    return applications.aggregate(total=Sum("granted_cents"))["total"] or 0


def board_users(association: Association) -> list[User]:
    """The association's board (president, treasurer, secretary), active accounts."""
    return list(
        User.objects.filter(
            party_memberships__party_id=association.party_id,
            party_memberships__role__in=BOARD_ROLES,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def _agents() -> list[User]:
    return list(
        User.objects.filter(
            agent_memberships__service__slug=settings.ASSOCIATIONS_SERVICE_SLUG,
            agent_memberships__service__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def subsidies_url(association: Association) -> str:
    return reverse("associations:association_subsidies", args=[association.pk])


# Campaigns ----------------------------------------------------------------------------------------


def check_procedure(demarche: Demarche) -> None:
    """A campaign's procedure: a published online form of the vie associative service, for associations,
    that asks for the amount (field « montant », an amount in euros)."""
    demarche = Demarche.objects.select_related("service", "current_revision").get(pk=demarche.pk)
    if demarche.kind != DemarcheKind.FORM or demarche.status != DemarcheStatus.PUBLISHED:
        raise CampaignRefused(_("Choisissez une démarche en ligne publiée."))
    if demarche.service.slug != settings.ASSOCIATIONS_SERVICE_SLUG or not demarche.for_association:
        raise CampaignRefused(
            _("Choisissez une démarche des associations, instruite par le service de la vie associative.")
        )
    try:
        amount = demarche.current_revision.form.get(AMOUNT_KEY)
    except (AttributeError, KeyError):
        amount = None
    if amount is None or amount.kind != FieldKind.AMOUNT:
        raise CampaignRefused(
            _(
                "La démarche choisie doit demander le montant de la subvention : un champ « montant » en euros."
            )
        )


def check_campaign(campaign: Campaign) -> None:
    """Everything a campaign must respect before it is saved: its own rules (dates, no overlap with
    another campaign of its procedure), its procedure, and an envelope no smaller than what was granted."""
    # The dates' order first: the overlap's check builds their range, which PostgreSQL refuses reversed.
    if campaign.opens_on and campaign.closes_on and campaign.closes_on < campaign.opens_on:
        raise CampaignRefused(_("La campagne se clôt après son ouverture."))
    try:
        campaign.full_clean()
    except ValidationError as error:
        raise CampaignRefused(" ".join(error.messages)) from None
    check_procedure(campaign.demarche)
    if campaign.pk is not None:
        granted = granted_total(campaign)
        if campaign.envelope_cents < granted:
            raise CampaignRefused(
                _("L'enveloppe ne peut pas être inférieure aux %(granted)s déjà accordés.")
                % {"granted": format_eur(granted)}
            )
        changed = Application.objects.filter(campaign=campaign).exclude(
            request__demarche_id=campaign.demarche_id
        )
        if changed.exists():
            raise CampaignRefused(
                _(
                    "Des associations ont déjà commencé leur demande : la démarche de la campagne ne change plus."
                )
            )


def ensure_letter_templates(*, demarche: Demarche) -> int:
    """Give the subsidy procedure its decision letters (accepted, refused) mentioning the amount, when it
    has none for that decision yet; returns how many were made."""
    made = 0
    for outcome, (subject, body) in LETTERS.items():
        if LetterTemplate.objects.filter(demarche=demarche, outcome=outcome).exists():
            continue
        template = LetterTemplate(demarche=demarche, outcome=outcome, subject=subject, body=body)
        template.full_clean()
        template.save()
        made += 1
    return made


def _check_manager(actor) -> None:
    # None is the system (the demo's data); anyone else is an administrator of the campaigns.
    if actor is not None and not perms.can_manage_campaigns(actor):
        raise AssociationAccessDenied()


@transaction.atomic
def save_campaign(*, actor, campaign: Campaign) -> Campaign:
    """Record a new or changed campaign (the admin's form): its rules checked, the campaign's row locked
    while its envelope is compared with what was granted, its procedure given its decision letters."""
    _check_manager(actor)
    creating = campaign.pk is None
    if not creating:
        Campaign.objects.select_for_update().get(pk=campaign.pk)
    check_campaign(campaign)
    if creating:
        campaign.created_by = actor
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        # Another campaign took the year or the dates at the same moment: say which rule.
        check_campaign(campaign)
        raise
    ensure_letter_templates(demarche=campaign.demarche)
    audit.record(
        actor=actor,
        action="subsidies.campaign.create" if creating else "subsidies.campaign.update",
        target=campaign,
        year=campaign.year,
        envelope=campaign.envelope_cents,
    )
    return campaign


@transaction.atomic
def create_campaign(
    *,
    actor,
    year: int,
    name: str,
    opens_on: date,
    closes_on: date,
    envelope_cents: int,
    demarche: Demarche,
    report_due_on: date,
    committee_on: date | None = None,
    criteria: Iterable[tuple[str, int, int]] = (),
) -> Campaign:
    """Open a yearly campaign with its score grid: `criteria` are (label, maximum score, weight)."""
    campaign = save_campaign(
        actor=actor,
        campaign=Campaign(
            year=year,
            name=" ".join((name or "").split()),
            opens_on=opens_on,
            closes_on=closes_on,
            envelope_cents=envelope_cents,
            demarche=demarche,
            report_due_on=report_due_on,
            committee_on=committee_on,
        ),
    )
    for position, (label, max_score, weight) in enumerate(criteria, start=1):
        criterion = Criterion(
            campaign=campaign, label=label, max_score=max_score, weight=weight, position=position * 10
        )
        try:
            criterion.full_clean()
        except ValidationError as error:
            raise CampaignRefused(" ".join(error.messages)) from None
        criterion.save()
    return campaign


# The association's requests ---------------------------------------------------------------------------


def closed_message(campaign: Campaign) -> str:
    return _(
        "La campagne %(year)s est close depuis le %(date)s : votre demande ne peut plus être envoyée. "
        "Le service de la vie associative annoncera la prochaine campagne."
    ) % {"year": campaign.year, "date": _date(campaign.closes_on)}


def exists_message(campaign: Campaign) -> str:
    return _(
        "Votre association a déjà une demande dans la campagne %(year)s : reprenez-la depuis la page "
        "« Subventions » de l'association."
    ) % {"year": campaign.year}


@transaction.atomic
def start_application(
    *, actor, campaign: Campaign, association: Association, today: date | None = None
) -> Application:
    """A member starts the association's request in an open campaign: the procedure's draft (for the
    association's party) and the application, together. One request per association and campaign."""
    today = today or timezone.localdate()
    association = Association.objects.select_for_update().select_related("party").get(pk=association.pk)
    if not association_perms.is_member(actor, association):
        raise AssociationAccessDenied()
    if not perms.can_start(actor, association):
        raise AssociationNotVerified()
    campaign = Campaign.objects.select_related("demarche").get(pk=campaign.pk)
    if campaign.is_closed(today):
        raise CampaignClosed(closed_message(campaign))
    if not campaign.is_open(today):
        raise CampaignClosed(
            _("La campagne %(year)s ouvre le %(date)s.")
            % {"year": campaign.year, "date": _date(campaign.opens_on)}
        )
    # The association's row is locked: two members starting at once make one request.
    if Application.objects.filter(campaign=campaign, association=association).exists():
        raise ApplicationExists(exists_message(campaign))
    try:
        request = demarches.start_request(
            actor=actor, demarche=campaign.demarche, applicant=association.party
        )
    except DemarcheError as error:
        raise CampaignClosed(error.messages[0]) from None
    application = Application.objects.create(
        campaign=campaign, association=association, request=request, created_by=actor
    )
    audit.record(
        actor=actor,
        action="subsidies.application.start",
        target=application,
        owner=association.party_id,
        campaign=campaign.pk,
        request=request.pk,
    )
    return application


# Instruction (the vie associative service) ------------------------------------------------------------


def _check_in_progress(application: Application) -> None:
    if application.request.status == RequestStatus.DRAFT:
        raise InstructionRefused(_("L'association n'a pas encore envoyé cette demande."))
    if application.is_decided or application.request.status not in IN_PROGRESS:
        raise InstructionRefused(
            _("Cette demande est close (« %(status)s ») : son instruction est terminée.")
            % {"status": application.state.label}
        )


def _start_review(*, actor, application: Application) -> None:
    """The first step of the instruction takes a request just sent into "En cours d'instruction"."""
    if application.request.status == RequestStatus.SUBMITTED:
        demarches.change_status(actor=actor, request=application.request, status=RequestStatus.IN_REVIEW)


@transaction.atomic
def score_application(
    *, actor, application: Application, scores: Mapping[int, int], comment: str = ""
) -> Application:
    """Fill the campaign's score grid: a score per criterion (criterion id → score, from 0 to its
    maximum), and a comment; the weighted total is kept with it."""
    _check_agent(actor)
    application = _lock(application)
    _check_in_progress(application)
    criteria = list(application.campaign.criteria.order_by("position", "pk"))
    if not criteria:
        raise InstructionRefused(_("La campagne n'a pas de grille d'évaluation."))
    values = {}
    for criterion in criteria:
        score = scores.get(criterion.pk)
        if score is None:
            raise InstructionRefused(
                _("Notez chaque critère : « %(label)s » n'a pas de note.") % {"label": criterion.label}
            )
        if not 0 <= int(score) <= criterion.max_score:
            raise InstructionRefused(
                _("La note de « %(label)s » va de 0 à %(max)d.")
                % {"label": criterion.label, "max": criterion.max_score}
            )
        values[criterion.pk] = int(score)
    Score.objects.filter(application=application).delete()
    Score.objects.bulk_create(
        [Score(application=application, criterion_id=pk, score=score) for pk, score in values.items()]
    )
    application.score_points = sum(values[c.pk] * c.weight for c in criteria)
    application.score_max = sum(c.max_score * c.weight for c in criteria)
    application.score_comment = (comment or "").strip()
    application.scored_by = actor
    application.scored_at = timezone.now()
    application.save(
        update_fields=["score_points", "score_max", "score_comment", "scored_by", "scored_at", "updated_at"]
    )
    audit.record(
        actor=actor,
        action="subsidies.application.score",
        target=application,
        owner=application.association.party_id,
        points=application.score_points,
        out_of=application.score_max,
    )
    _start_review(actor=actor, application=application)
    return application


@transaction.atomic
def give_opinion(*, actor, application: Application, opinion: str, text: str = "") -> Application:
    """The instructing agent's opinion for the committee: favourable, réservé or défavorable; the last
    two are explained."""
    _check_agent(actor)
    application = _lock(application)
    _check_in_progress(application)
    if opinion not in Opinion.values:
        raise InstructionRefused(_("Choisissez un avis : favorable, réservé ou défavorable."))
    text = (text or "").strip()
    if opinion != Opinion.FAVOURABLE and not text:
        raise InstructionRefused(_("Motivez un avis réservé ou défavorable : le comité le lira."))
    application.opinion, application.opinion_text = opinion, text
    application.opinion_by, application.opinion_at = actor, timezone.now()
    application.save(update_fields=["opinion", "opinion_text", "opinion_by", "opinion_at", "updated_at"])
    audit.record(
        actor=actor,
        action="subsidies.application.opinion",
        target=application,
        owner=application.association.party_id,
        opinion=opinion,
    )
    _start_review(actor=actor, application=application)
    return application


@transaction.atomic
def decide_application(
    *, actor, application: Application, granted_cents: int, motivation: str
) -> Application:
    """Record the committee's decision: the amount granted (at most the amount asked; 0 refuses), with
    its motivation, within what remains of the campaign's envelope; the request is then accepted or
    refused, and its letter made.

    The campaign's row is locked first: decisions of one campaign wait for each other, so the
    total granted is read after the previous one committed and never exceeds the envelope.
    """
    _check_agent(actor)
    campaign = Campaign.objects.select_for_update().get(pk=application.campaign_id)
    application = _lock(application)
    _check_in_progress(application)
    motivation = (motivation or "").strip()
    if not motivation:
        raise InstructionRefused(
            _("Indiquez le motif de la décision : l'association le lira dans le courrier.")
        )
    granted_cents = int(granted_cents)
    if granted_cents < 0:
        raise InstructionRefused(_("Le montant accordé est positif, ou nul pour refuser la subvention."))
    requested = application.requested_cents or 0
    if granted_cents > requested:
        raise InstructionRefused(
            _("Le montant accordé ne peut pas dépasser le montant demandé (%(requested)s).")
            % {"requested": format_eur(requested)}
        )
    remaining = campaign.envelope_cents - granted_total(campaign, exclude=application)
    if granted_cents > remaining:
        raise EnvelopeExceeded(
            _("Il ne reste que %(remaining)s dans l'enveloppe de la campagne %(year)s.")
            % {"remaining": format_eur(max(remaining, 0)), "year": campaign.year}
        )
    application.granted_cents = granted_cents
    application.decision_motivation = motivation
    application.decided_by, application.decided_at = actor, timezone.now()
    application.save(
        update_fields=["granted_cents", "decision_motivation", "decided_by", "decided_at", "updated_at"]
    )
    audit.record(
        actor=actor,
        action="subsidies.application.decide",
        target=application,
        owner=application.association.party_id,
        campaign=campaign.pk,
        granted=granted_cents,
    )
    try:
        demarches.change_status(
            actor=actor,
            request=application.request,
            status=RequestStatus.ACCEPTED if granted_cents else RequestStatus.REFUSED,
            motivation=motivation,
            letter=True,
        )
    except DemarcheError as error:
        raise InstructionRefused(error.messages[0]) from None
    return application


# The financial report --------------------------------------------------------------------------------


@transaction.atomic
def file_report(
    *,
    actor,
    application: Application,
    actual_expenses_cents: int,
    actual_income_cents: int,
    comment: str,
    document: Document,
    today: date | None = None,
) -> FinancialReport:
    """The board files the financial report of a granted subsidy: the project's actual totals, a comment,
    and the report's document from the association's vault, re-encrypted into the service's space (the
    town's record). After the deadline it is still received, marked late."""
    today = today or timezone.localdate()
    association = application.association
    if not association_perms.is_member(actor, association):
        raise AssociationAccessDenied()
    if not perms.can_file_report(actor, association):
        raise NotBoardMember()
    application = _lock(application)
    if not application.is_granted or application.request.status != RequestStatus.ACCEPTED:
        raise ReportRefused(_("Aucun compte rendu financier n'est attendu pour cette demande."))
    if FinancialReport.objects.filter(application=application).exists():
        raise ReportRefused(_("Le compte rendu financier de cette subvention est déjà transmis."))
    if actual_expenses_cents < 0 or actual_income_cents < 0:
        raise ReportRefused(_("Les montants réalisés sont positifs ou nuls."))
    document = (
        Document.objects.select_related("current_version", "document_type")
        .filter(pk=document.pk, owner_id=association.party_id, document_type__code=REPORT_DOCUMENT_TYPE)
        .first()
    )
    if document is None or document.current_version is None:
        raise ReportRefused(_("Choisissez le compte rendu financier dans le coffre-fort de l'association."))
    space = demarches.service_space(service=application.campaign.demarche.service)
    try:
        copy = vault.copy_to_space(actor=actor, version=document.current_version, space=space)
    except VaultError as error:
        raise ReportRefused(error.message) from None
    report = FinancialReport.objects.create(
        application=application,
        actual_expenses_cents=actual_expenses_cents,
        actual_income_cents=actual_income_cents,
        comment=(comment or "").strip(),
        document_id=copy.document_id,
        source_document_id=document.pk,
        filed_by=actor,
        is_late=today > application.campaign.report_due_on,
    )
    audit.record(
        actor=actor,
        action="subsidies.report.file",
        target=report,
        owner=association.party_id,
        application=application.pk,
        document=copy.document_id,
        late=report.is_late,
    )
    notify.notify_many(
        users=_agents(),
        kind=REPORT_FILED_NOTIFICATION_KIND,
        context={
            "association": association.party.name,
            "campaign": application.campaign.name,
            "late": report.is_late,
        },
        url=reverse("associations:agent_subsidy", args=[application.pk]),
    )
    return report


@transaction.atomic
def check_report(*, actor, report: FinancialReport) -> FinancialReport:
    """An agent marks a financial report checked (done once; a second time changes nothing)."""
    _check_agent(actor)
    report = (
        FinancialReport.objects.select_for_update()
        .select_related("application__association")
        .get(pk=report.pk)
    )
    if report.checked_at is None:
        report.checked_by, report.checked_at = actor, timezone.now()
        report.save(update_fields=["checked_by", "checked_at"])
        audit.record(
            actor=actor,
            action="subsidies.report.check",
            target=report,
            owner=report.application.association.party_id,
            application=report.application_id,
        )
    return report


def _remind(application_id: int, *, field: str, now: datetime) -> bool:
    """Claim one reminder (a conditional UPDATE: only one run sends it) and tell the board."""
    with transaction.atomic():
        claimed = Application.objects.filter(
            pk=application_id, **{f"{field}__isnull": True}, report__isnull=True
        ).update(**{field: now})
        if not claimed:
            return False
        application = Application.objects.select_related("campaign", "association__party").get(
            pk=application_id
        )
        campaign = application.campaign
        overdue = field == "report_overdue_reminded_at"
        notify.notify_many(
            users=board_users(application.association),
            kind=REPORT_REMINDER_NOTIFICATION_KIND,
            context={
                "association": application.association.party.name,
                "campaign": campaign.name,
                "granted": format_eur(application.granted_cents),
                "due": _date(campaign.report_due_on),
                "overdue": overdue,
            },
            url=subsidies_url(application.association),
        )
        audit.record(
            actor=None,
            action="subsidies.report.remind",
            target=application,
            owner=application.association.party_id,
            overdue=overdue,
        )
    return True


def send_report_reminders(*, today: date | None = None) -> int:
    """Remind the board of each granted subsidy whose financial report is not in: 30 days before the
    deadline (or as soon as the subsidy is granted, when later), then once overdue. Each reminder goes
    once (a timestamp on the application); returns how many were sent."""
    today = today or timezone.localdate()
    now = timezone.now()
    granted = Application.objects.filter(
        granted_cents__gt=0, request__status=RequestStatus.ACCEPTED, report__isnull=True
    )
    soon = granted.filter(
        report_reminded_at__isnull=True,
        campaign__report_due_on__gte=today,
        campaign__report_due_on__lte=today + timedelta(days=REPORT_REMINDER_DAYS),
    ).values_list("pk", flat=True)
    late = granted.filter(
        report_overdue_reminded_at__isnull=True, campaign__report_due_on__lt=today
    ).values_list("pk", flat=True)
    sent = sum(_remind(pk, field="report_reminded_at", now=now) for pk in list(soon))
    sent += sum(_remind(pk, field="report_overdue_reminded_at", now=now) for pk in list(late))
    return sent


__all__ = [
    "AMOUNT_KEY",
    "LETTERS",
    "REPORT_DOCUMENT_TYPE",
    "REPORT_FILED_NOTIFICATION_KIND",
    "REPORT_REMINDER_DAYS",
    "REPORT_REMINDER_NOTIFICATION_KIND",
    "board_users",
    "check_campaign",
    "check_procedure",
    "check_report",
    "closed_message",
    "create_campaign",
    "decide_application",
    "ensure_letter_templates",
    "exists_message",
    "file_report",
    "give_opinion",
    "granted_total",
    "save_campaign",
    "score_application",
    "send_report_reminders",
    "start_application",
]
