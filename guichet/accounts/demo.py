"""Demo data of accounts: the town, its services, and one account per role.

Idempotent: running it twice changes nothing. Used by `manage.py seed_demo`.
"""

import secrets
from base64 import b32encode
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.accounts import services
from guichet.accounts.enums import AccessibilityStatus, AgentRole
from guichet.accounts.models import AgentMembership, Service, Town, User

DEMO_DOMAIN = "demo.guichet.fr"
DEMO_PASSWORD = "Guichet-Demo-2026"  # noqa: S105 (printed by make demo, demo only)

SERVICES = [
    ("etat-civil", "État civil", "Actes de naissance, de mariage et de décès, recensement citoyen."),
    ("education", "Éducation", "Inscriptions scolaires, restauration scolaire."),
    ("enfance", "Enfance et petite enfance", "Accueil périscolaire, centres de loisirs, crèches."),
    ("urbanisme", "Urbanisme", "Occupation du domaine public, autorisations de travaux."),
    ("vie-associative", "Vie associative", "Subventions, salles et matériel pour les associations."),
    ("police-municipale", "Police municipale", "Signalements sur la voie publique, tranquillité vacances."),
    ("ccas", "CCAS", "Action sociale : aides, portage de repas, domiciliation."),
    ("regie", "Régie unique", "Factures et paiements de tous les services."),
]


@dataclass
class DemoAccount:
    role: str
    email: str
    otp_secret: str = ""


def _user(email: str, first_name: str, last_name: str, **extra) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email, DEMO_PASSWORD, first_name=first_name, last_name=last_name, **extra
        )
        services.accept_terms(user=user, version=Town.current().terms_version)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _totp(user: User) -> str:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Démo", confirmed=True, key=secrets.token_hex(20))
    return b32encode(device.bin_key).decode().rstrip("=")


def _town() -> Town:
    town = Town.objects.filter(pk=1).first()
    if town is None:
        town = Town(
            name="Villebelle",
            address="Hôtel de ville\n1 place de la République\n00000 Villebelle",
            phone="01 23 45 67 89",
            email="contact@villebelle.example",
            opening_hours="Du lundi au vendredi, de 8 h 30 à 17 h 30.\nLe samedi, de 9 h à 12 h.",
            dpo_contact="dpo@villebelle.example",
            terms_version="2026-11",
            accessibility_status=AccessibilityStatus.PARTIAL,
            legal_notice=(
                "Éditeur : commune de Villebelle, hôtel de ville, 1 place de la République.\n\n"
                "Directeur de la publication : le maire.\n\n"
                "Hébergement : serveurs de la commune."
            ),
            privacy_notice=(
                "La commune traite vos données pour instruire vos démarches, gérer les activités "
                "de vos enfants et encaisser vos paiements. Chaque traitement a sa base légale "
                "et sa durée de conservation.\n\n"
                "Vous pouvez accéder à vos données, les corriger, les télécharger et demander leur "
                "effacement depuis « Mon espace ». Pour toute question : dpo@villebelle.example."
            ),
            terms_of_use=(
                "Le guichet numérique permet de faire des démarches auprès de la commune, "
                "à toute heure. Vous vous engagez à donner des informations exactes.\n\n"
                "Votre compte est personnel. Gardez votre mot de passe secret."
            ),
            accessibility_statement=(
                "La commune s'engage à rendre ses services numériques accessibles, conformément "
                "à l'article 47 de la loi n° 2005-102 du 11 février 2005.\n\n"
                "Si vous n'arrivez pas à accéder à un contenu ou à un service, contactez la mairie : "
                "nous vous aiderons ou vous proposerons une autre façon de faire."
            ),
        )
        town.save()
    return town


@transaction.atomic
def seed() -> list[DemoAccount]:
    _town()
    accounts = []
    for slug, name, description in SERVICES:
        service, _created = Service.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
        agent = _user(f"agent.{slug}@{DEMO_DOMAIN}", "Agent", name)
        AgentMembership.objects.get_or_create(
            user=agent, service=service, defaults={"role": AgentRole.MANAGER}
        )
        accounts.append(DemoAccount(f"agent ({name})", agent.email, _totp(agent)))

    citizen = _user(f"citoyen@{DEMO_DOMAIN}", "Camille", "Martin", city="Villebelle")
    parent = _user(f"parent@{DEMO_DOMAIN}", "Sofia", "Benali", city="Villebelle")
    member = _user(f"association@{DEMO_DOMAIN}", "Lucas", "Dupont", city="Villebelle")
    admin = _user(f"admin@{DEMO_DOMAIN}", "Alex", "Admin", is_staff=True, is_superuser=True)
    return [
        DemoAccount("habitant", citizen.email),
        DemoAccount("parent", parent.email),
        DemoAccount("membre d'association", member.email),
        DemoAccount("administrateur", admin.email, _totp(admin)),
        *accounts,
    ]
