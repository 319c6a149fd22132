"""Demo data of the subsidies (idempotent), on the associations' demo (`associations.demo`) and the
démarches' catalogue (loaded by demarches' demo before this one runs):

    the coming year's campaign, open since two weeks, envelope 50 000 €, a grid of 4 criteria:
        Les Amis du Parc's request, sent by Lucas Dupont (president), waiting for the agent;
        the Basket Club's draft, started by Lucas Dupont, a plain member there: the club keeps the
        sending to its board, so Nadia Keller (its president) sends it;
    this year's campaign, closed last autumn: Les Amis du Parc were granted 1 500 € (scored, opinion,
        decision and its letter), their financial report is due in 20 days.

Everything goes through the services (start_application, the démarches' save_page_answers and
submit_request, score_application, give_opinion, decide_application). The services date
everything today: the past campaign is created open, its request sent and decided, and only then
are its dates moved back to last autumn ("demo history only", as the démarches' demo does with
its due dates).
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from associations.demo import demo_associations
from associations.models import Association
from associations.subsidies import services
from associations.subsidies.enums import Opinion
from associations.subsidies.models import Application, Campaign
from coffre.models import Document
from demarches import services as demarches
from demarches.models import Demarche, Request
from guichet.accounts.models import User

SLUG = "demande-de-subvention"
ENVELOPE_CENTS = 5_000_000
CRITERIA = [
    ("Intérêt pour les habitants de la commune", 5, 3),
    ("Qualité et faisabilité du projet", 5, 2),
    ("Budget réaliste et cofinancements", 5, 2),
    ("Bénévolat et vie de l'association", 5, 1),
]
DEMO_SIRET = "73282932000074"


def _answers(association: Association, user: User, *, title: str, amount: int, day: date) -> dict:
    """Valid answers of the catalogue's subsidy procedure: a project whose budget balances."""
    expenses = [
        {"depense_poste": "Location de matériel et de barnums", "depense_montant": amount},
        {"depense_poste": "Animations et intervenants", "depense_montant": 180_000},
        {"depense_poste": "Communication (affiches, flyers)", "depense_montant": 40_000},
    ]
    income = [
        {"recette_origine": "Subvention demandée à la commune", "recette_montant": amount},
        {"recette_origine": "Cotisations des adhérents", "recette_montant": 120_000},
        {"recette_origine": "Buvette et participation des habitants", "recette_montant": 100_000},
    ]
    answers = {
        "association_nom": association.party.name,
        "rna": association.rna,
        "siret": association.siret or DEMO_SIRET,
        "objet": association.purpose,
        "siege": {
            "street": association.address_line or "1 place de la Mairie",
            "complement": "",
            "postal_code": association.postal_code or "77100",
            "town": association.city or "Villebelle",
        },
        "representant_nom": user.last_name,
        "representant_prenom": user.first_name,
        "representant_fonction": "president",
        "representant_courriel": user.email,
        "representant_telephone": "+33123456789",
        "adherents": 140,
        "benevoles": 22,
        "salaries": 0,
        "budget": 1_850_000,
        "type_subvention": "projet",
        "projet_intitule": title,
        "projet_date": (day + timedelta(days=200)).isoformat(),
        "description": (
            "Une journée ouverte à tous les habitants : ateliers nature pour les enfants, concert, pique-nique "
            "partagé et visite du jardin partagé, préparée par les bénévoles de l'association."
        ),
        "montant": amount,
        "cofinancements": "Participation demandée au conseil départemental (en attente).",
        "depenses": expenses,
        "recettes": income,
        "iban": association.iban or "FR7630006000011234567890189",
    }
    papers = {
        "statuts": "statuts-association",
        "rib": "rib",
        "assurance": "attestation-assurance",
    }
    for key, code in papers.items():
        document = (
            Document.objects.filter(
                owner=association.party, document_type__code=code, current_version__isnull=False
            )
            .order_by("-created_at")
            .first()
        )
        if document is not None:
            answers[key] = document.pk
    return answers


def _fill(*, actor: User, request: Request, answers: dict, pages: int | None = None) -> Request:
    """Save the answers page by page, as the démarches' pages do (the first `pages` only, if given)."""
    for page in request.form.pages[:pages]:
        keys = {spec.key for spec in page.fields}
        demarches.save_page_answers(
            actor=actor,
            request=request,
            page_number=page.number,
            page_answers={key: value for key, value in answers.items() if key in keys},
        )
    return Request.objects.get(pk=request.pk)


def _send(
    *, actor: User, campaign: Campaign, association: Association, title: str, amount: int
) -> Application:
    application = services.start_application(actor=actor, campaign=campaign, association=association)
    draft = _fill(
        actor=actor,
        request=application.request,
        answers=_answers(association, actor, title=title, amount=amount, day=timezone.localdate()),
    )
    demarches.submit_request(actor=actor, request=draft)
    return Application.objects.get(pk=application.pk)


def _past_campaign(*, demarche: Demarche, demo, today: date) -> None:
    year = today.year
    if Campaign.objects.filter(year=year).exists():
        return
    campaign = services.create_campaign(
        actor=None,
        year=year,
        name=f"Subventions aux associations {year}",
        opens_on=today - timedelta(days=1),
        closes_on=today,
        envelope_cents=4_000_000,
        demarche=demarche,
        report_due_on=today + timedelta(days=20),
        committee_on=None,
        criteria=CRITERIA,
    )
    application = _send(
        actor=demo.president,
        campaign=campaign,
        association=demo.parc,
        title=f"Fête du parc {year}",
        amount=150_000,
    )
    criteria = list(campaign.criteria.order_by("position"))
    services.score_application(
        actor=demo.agent,
        application=application,
        scores={criterion.pk: score for criterion, score in zip(criteria, (5, 4, 4, 5), strict=True)},
        comment="Projet fédérateur, déjà réussi les années passées ; budget sincère.",
    )
    services.give_opinion(
        actor=demo.agent,
        application=application,
        opinion=Opinion.FAVOURABLE,
        text="Avis favorable : la fête du parc réunit chaque année plus de 600 habitants.",
    )
    services.decide_application(
        actor=demo.agent,
        application=application,
        granted_cents=150_000,
        motivation="Le comité retient le projet pour son intérêt pour tout le quartier.",
    )
    # Demo history only: the campaign received its requests last autumn and its committee met in
    # December; the financial report stays due in 20 days.
    Campaign.objects.filter(pk=campaign.pk).update(
        opens_on=date(year - 1, 9, 1), closes_on=date(year - 1, 10, 31), committee_on=date(year - 1, 12, 10)
    )


def _coming_campaign(*, demarche: Demarche, demo, today: date) -> None:
    year = today.year + 1
    if Campaign.objects.filter(year=year).exists():
        return
    campaign = services.create_campaign(
        actor=None,
        year=year,
        name=f"Subventions aux associations {year}",
        opens_on=today - timedelta(days=14),
        closes_on=today + timedelta(days=45),
        envelope_cents=ENVELOPE_CENTS,
        demarche=demarche,
        report_due_on=date(year + 1, 6, 30),
        committee_on=today + timedelta(days=75),
        criteria=CRITERIA,
    )
    _send(
        actor=demo.president,
        campaign=campaign,
        association=demo.parc,
        title=f"Fête du parc {year}",
        amount=250_000,
    )
    # A plain member of the Basket Club prepares its request; the club's board sends it.
    draft = services.start_application(actor=demo.president, campaign=campaign, association=demo.basket)
    _fill(
        actor=demo.president,
        request=draft.request,
        answers=_answers(
            demo.basket, demo.treasurer, title=f"Tournoi des jeunes {year}", amount=300_000, day=today
        ),
        pages=4,
    )


@transaction.atomic
def seed() -> None:
    demarche = Demarche.objects.filter(slug=SLUG).first()
    if demarche is None:
        return  # the démarches' catalogue is not there
    try:
        demo = demo_associations()
    except (Association.DoesNotExist, User.DoesNotExist):
        return  # the associations' demo is not there
    today = timezone.localdate()
    _past_campaign(demarche=demarche, demo=demo, today=today)
    _coming_campaign(demarche=demarche, demo=demo, today=today)
