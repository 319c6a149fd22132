"""Campaigns and subsidy requests built through the real services (the catalogue's procedure, the
associations' services, the démarches' pages' services), as the town, associations and agents make them."""

import io
from datetime import date, timedelta

from django.utils import timezone

from associations.models import Association
from associations.subsidies import services
from associations.subsidies.models import Application, Campaign
from coffre import services as vault
from coffre.models import DocumentType
from demarches import services as demarches
from demarches.catalogue import load_catalogue
from demarches.models import Demarche, Request
from tests.associations.factories import associations_service
from tests.coffre.factories import pdf_bytes

SLUG = "demande-de-subvention"
CRITERIA = [
    ("Intérêt pour les habitants", 5, 3),
    ("Qualité du projet", 5, 2),
    ("Budget réaliste", 5, 2),
    ("Vie de l'association", 5, 1),
]


def subsidy_demarche() -> Demarche:
    """The catalogue's subsidy procedure, published, instructed by the vie associative service."""
    associations_service()
    load_catalogue(slugs=[SLUG])
    return Demarche.objects.select_related("current_revision", "service").get(slug=SLUG)


def make_campaign(
    *,
    year: int | None = None,
    envelope_cents: int = 5_000_000,
    opens_on: date | None = None,
    closes_on: date | None = None,
    report_due_on: date | None = None,
    committee_on: date | None = None,
    demarche: Demarche | None = None,
    criteria=CRITERIA,
) -> Campaign:
    """A campaign open today by default (ten days ago to in thirty days), its report due in 200 days."""
    today = timezone.localdate()
    opens_on = opens_on or today - timedelta(days=10)
    closes_on = closes_on or today + timedelta(days=30)
    return services.create_campaign(
        actor=None,
        year=year or closes_on.year + 1,
        name=f"Subventions aux associations {year or closes_on.year + 1}",
        opens_on=opens_on,
        closes_on=closes_on,
        envelope_cents=envelope_cents,
        demarche=demarche or subsidy_demarche(),
        report_due_on=report_due_on or today + timedelta(days=200),
        committee_on=committee_on,
        criteria=criteria,
    )


def budget(amount: int, *, extra_expenses: int = 50_000, extra_income: int = 50_000) -> dict:
    """A budget of two lines on each side, balanced unless the extras differ."""
    return {
        "depenses": [
            {"depense_poste": "Location de matériel", "depense_montant": amount},
            {"depense_poste": "Animations", "depense_montant": extra_expenses},
        ],
        "recettes": [
            {"recette_origine": "Subvention de la commune", "recette_montant": amount},
            {"recette_origine": "Cotisations", "recette_montant": extra_income},
        ],
    }


def answers(association: Association, *, amount: int = 150_000, **overrides) -> dict:
    """Valid answers of the catalogue's subsidy procedure (no document: they are optional)."""
    result = {
        "association_nom": association.party.name,
        "rna": association.rna or "W751234567",
        "siret": "73282932000074",
        "objet": "Animer la vie du quartier.",
        "siege": {
            "street": "12 allée des Tilleuls",
            "complement": "",
            "postal_code": "77100",
            "town": "Villebelle",
        },
        "representant_nom": "Dupont",
        "representant_prenom": "Lucas",
        "representant_fonction": "president",
        "representant_courriel": "lucas.dupont@exemple.fr",
        "representant_telephone": "+33612345678",
        "adherents": 120,
        "benevoles": 20,
        "salaries": 0,
        "budget": 1_500_000,
        "type_subvention": "fonctionnement",
        "description": "Les activités de l'année : fête de quartier, jardin partagé et ateliers nature.",
        "montant": amount,
        "iban": "FR7630006000011234567890189",
        **budget(amount),
    }
    result.update(overrides)
    return result


def fill(*, actor, request: Request, values: dict) -> Request:
    """Save every page of the draft as the pages do."""
    for page in request.form.pages:
        keys = {spec.key for spec in page.fields}
        demarches.save_page_answers(
            actor=actor,
            request=request,
            page_number=page.number,
            page_answers={key: value for key, value in values.items() if key in keys},
        )
    return Request.objects.get(pk=request.pk)


def draft(
    *, actor, campaign: Campaign, association: Association, amount: int = 150_000, **overrides
) -> Application:
    """A complete draft, started from the association's subsidies page."""
    application = services.start_application(actor=actor, campaign=campaign, association=association)
    fill(actor=actor, request=application.request, values=answers(association, amount=amount, **overrides))
    return Application.objects.select_related("request", "campaign", "association__party").get(
        pk=application.pk
    )


def submitted(
    *, actor, campaign: Campaign, association: Association, amount: int = 150_000, **overrides
) -> Application:
    application = draft(actor=actor, campaign=campaign, association=association, amount=amount, **overrides)
    demarches.submit_request(actor=actor, request=application.request)
    return refreshed(application)


def refreshed(application: Application) -> Application:
    return Application.objects.select_related("request", "campaign__demarche", "association__party").get(
        pk=application.pk
    )


def grant(
    *, agent, application: Application, amount: int | None = None, motivation: str = "Projet retenu."
) -> Application:
    services.decide_application(
        actor=agent,
        application=application,
        granted_cents=application.requested_cents if amount is None else amount,
        motivation=motivation,
    )
    return refreshed(application)


def report_document(*, actor, association: Association, title: str = "Compte rendu financier 2027"):
    """A financial report's PDF in the association's vault (its board stores it)."""
    return vault.store_document_from_file(
        actor=actor,
        owner=association.party,
        source=io.BytesIO(pdf_bytes(marker=b"compte rendu")),
        filename="compte-rendu.pdf",
        document_type=DocumentType.objects.get(code=services.REPORT_DOCUMENT_TYPE),
        title=title,
    ).document
