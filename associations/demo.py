"""Demo data of the associations' space (idempotent): two verified associations with their members
and their papers in their vaults. The sub-apps' demos (subsidies, rooms, equipment) build on them:
`demo_associations()` returns them once seeded.

    Les Amis du Parc de Villebelle: Lucas Dupont (association@…) president, Camille Martin (citoyen@…)
        member, Nadia Keller (tresoriere.parc@…) treasurer.
    Basket Club de Villebelle: Nadia Keller president, Lucas Dupont member (he switches between the two).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from associations import services
from associations.enums import AssociationStatus
from associations.models import Association
from coffre import services as coffre_services
from coffre.models import Document, DocumentType
from famille.demo import demo_pdf
from guichet.accounts.demo import DEMO_DOMAIN, DEMO_PASSWORD
from guichet.accounts.enums import PartyRole
from guichet.accounts.models import PartyMembership, Service, User

PARC_RNA = "W751000123"
BASKET_RNA = "W751000456"


@dataclass(frozen=True)
class DemoAssociations:
    parc: Association
    basket: Association
    president: User  # Lucas Dupont, association@…
    treasurer: User  # Nadia Keller, tresoriere.parc@…
    member: User  # Camille Martin, citoyen@…
    agent: User  # the vie associative service's demo agent


def _user(email: str, first_name: str, last_name: str) -> User:
    from allauth.account.models import EmailAddress

    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name, "city": "Villebelle"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    return user


def _join(user: User, association: Association, role: str) -> None:
    PartyMembership.objects.get_or_create(user=user, party=association.party, defaults={"role": role})


def _association(*, actor: User, agent: User, name: str, rna: str, **profile) -> Association:
    association = Association.objects.filter(rna=rna).first()
    if association is None:
        association = services.create_association(actor=actor, name=name, rna=rna, **profile)
    if association.status != AssociationStatus.VERIFIED:
        association = services.verify_association(actor=agent, association=association)
    return association


def _papers(*, actor: User, association: Association, today: date) -> None:
    """Statutes, last general assembly's minutes, RIB and insurance in the association's vault."""
    papers = [
        ("statuts-association", "Statuts", None, None),
        ("pv-assemblee-generale", "Procès-verbal de l'assemblée générale", today - timedelta(days=60), None),
        ("rib", "RIB du compte de l'association", None, None),
        (
            "attestation-assurance",
            "Attestation d'assurance",
            today - timedelta(days=90),
            today + timedelta(days=275),
        ),
    ]
    for code, title, issue, expiry in papers:
        document_type = DocumentType.objects.get(code=code)
        if Document.objects.filter(owner=association.party, document_type=document_type).exists():
            continue
        content = demo_pdf(
            title, [f"{association.party.name} : document de démonstration.", "Données fictives."]
        )
        coffre_services.store_document_from_file(
            actor=actor,
            owner=association.party,
            source=BytesIO(content),
            filename=f"{code}.pdf",
            document_type=document_type,
            title=title,
            issue_date=issue,
            expiry_date=expiry,
        )


@transaction.atomic
def seed() -> DemoAssociations:
    today = timezone.localdate()
    service = Service.objects.get(slug=settings.ASSOCIATIONS_SERVICE_SLUG)
    agent = User.objects.get(email=f"agent.{service.slug}@{DEMO_DOMAIN}")
    president = User.objects.get(email=f"association@{DEMO_DOMAIN}")
    member = User.objects.get(email=f"citoyen@{DEMO_DOMAIN}")
    treasurer = _user(f"tresoriere.parc@{DEMO_DOMAIN}", "Nadia", "Keller")
    parc = _association(
        actor=president,
        agent=agent,
        name="Les Amis du Parc de Villebelle",
        rna=PARC_RNA,
        purpose="Faire vivre le parc municipal : fêtes de quartier, jardin partagé, ateliers nature.",
        address_line="12 allée des Tilleuls",
        postal_code="77100",
        city="Villebelle",
        email="contact@amisduparc.example",
        phone="01 23 45 67 89",
    )
    basket = _association(
        actor=treasurer,
        agent=agent,
        name="Basket Club de Villebelle",
        rna=BASKET_RNA,
        purpose="Pratique du basket-ball en loisir et en compétition, école de basket dès 6 ans.",
        address_line="Gymnase Jean-Moulin, 3 rue du Stade",
        postal_code="77100",
        city="Villebelle",
        email="bureau@basketvillebelle.example",
    )
    _join(member, parc, PartyRole.MEMBER)
    _join(treasurer, parc, PartyRole.TREASURER)
    _join(president, basket, PartyRole.MEMBER)
    if not parc.iban:
        services.set_bank_details(
            actor=president,
            association=parc,
            holder="Les Amis du Parc de Villebelle",
            iban="FR7630006000011234567890189",
            bic="AGRIFRPP",
        )
    _papers(actor=president, association=parc, today=today)
    _papers(actor=treasurer, association=basket, today=today)
    return demo_associations()


def demo_associations() -> DemoAssociations:
    """The demo's associations and people, once `seed()` has run (the sub-apps' demos start here)."""
    return DemoAssociations(
        parc=Association.objects.select_related("party").get(rna=PARC_RNA),
        basket=Association.objects.select_related("party").get(rna=BASKET_RNA),
        president=User.objects.get(email=f"association@{DEMO_DOMAIN}"),
        treasurer=User.objects.get(email=f"tresoriere.parc@{DEMO_DOMAIN}"),
        member=User.objects.get(email=f"citoyen@{DEMO_DOMAIN}"),
        agent=User.objects.get(email=f"agent.{settings.ASSOCIATIONS_SERVICE_SLUG}@{DEMO_DOMAIN}"),
    )
