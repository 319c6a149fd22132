from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyKind(models.TextChoices):
    PERSON = "person", _("Personne")
    HOUSEHOLD = "household", _("Foyer")
    ASSOCIATION = "association", _("Association")
    # A municipal service's own space (its copies of documents received): no members.
    SERVICE = "service", _("Service municipal")


class PartyRole(models.TextChoices):
    """How a user belongs to a party. Apps use the roles that fit their parties."""

    HOLDER = "holder", _("Titulaire")
    GUARDIAN = "guardian", _("Responsable légal")
    PRESIDENT = "president", _("Président ou présidente")
    TREASURER = "treasurer", _("Trésorier ou trésorière")
    SECRETARY = "secretary", _("Secrétaire")
    MEMBER = "member", _("Membre")


class AgentRole(models.TextChoices):
    AGENT = "agent", _("Agent")
    MANAGER = "manager", _("Responsable de service")


class HolidayZone(models.TextChoices):
    A = "A", _("Zone A")
    B = "B", _("Zone B")
    C = "C", _("Zone C")
    CORSE = "corse", _("Corse")
    OUTRE_MER = "outre-mer", _("Outre-mer")


class AccessibilityStatus(models.TextChoices):
    NONE = "non", _("non conforme")
    PARTIAL = "partiel", _("partiellement conforme")
    FULL = "total", _("totalement conforme")
