from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Theme(models.TextChoices):
    """The catalogue's headings."""

    CIVIL_STATUS = "civil_status", _("État civil et citoyenneté")
    EVERYDAY_LIFE = "everyday_life", _("Vie quotidienne, voirie et sécurité")
    EDUCATION = "education", _("Éducation et enfance")
    SOLIDARITY = "solidarity", _("Solidarité et seniors")
    ASSOCIATIONS = "associations", _("Associations")
    TOWN_HALL = "town_hall", _("La mairie")


class Audience(models.TextChoices):
    """Who may file a procedure: the kind of the applicant party (guichet.accounts.PartyKind)."""

    PERSON = "person", _("Particulier")
    HOUSEHOLD = "household", _("Foyer")
    ASSOCIATION = "association", _("Association")


class DemarcheStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publiée")
    CLOSED = "closed", _("Fermée")


class DemarcheKind(models.TextChoices):
    FORM = "form", _("Formulaire en ligne")
    LINK = "link", _("Lien vers une page du guichet")


class FieldKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Texte court")
    LONG_TEXT = "long_text", _("Texte long")
    EMAIL = "email", _("Adresse électronique")
    PHONE = "phone", _("Téléphone")
    NUMBER = "number", _("Nombre")
    AMOUNT = "amount", _("Montant en euros")
    DATE = "date", _("Date")
    YES_NO = "yes_no", _("Oui / non")
    SINGLE_CHOICE = "single_choice", _("Choix unique")
    MULTIPLE_CHOICE = "multiple_choice", _("Choix multiples")
    ADDRESS = "address", _("Adresse postale")
    SIRET = "siret", _("Numéro SIRET")
    IBAN = "iban", _("IBAN")
    RNA = "rna", _("Numéro RNA d'association")
    DOCUMENT = "document", _("Document du coffre-fort")
    GROUP = "group", _("Groupe répétable")
    EXPLANATION = "explanation", _("Texte explicatif (affichage seul)")
    SECTION = "section", _("Titre de section (affichage seul)")

    @property
    def is_display_only(self) -> bool:
        return self in (FieldKind.EXPLANATION, FieldKind.SECTION)

    @property
    def has_choices(self) -> bool:
        return self in (FieldKind.SINGLE_CHOICE, FieldKind.MULTIPLE_CHOICE)


class ChoiceDisplay(models.TextChoices):
    """How a single choice is shown: radio buttons (up to about ten options) or a drop-down list."""

    RADIO = "radio", _("Boutons radio")
    SELECT = "select", _("Liste déroulante")


class ConditionOp(models.TextChoices):
    EQUALS = "equals", _("est égal à")
    NOT_EQUALS = "not_equals", _("est différent de")
    CONTAINS = "contains", _("contient")
    ANSWERED = "answered", _("est renseigné")
    NOT_ANSWERED = "not_answered", _("n'est pas renseigné")


class RequestStatus(models.TextChoices):
    """The statuses citizens see (issue 5); the agents' workflow moves them (issue 6)."""

    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Déposée")
    IN_REVIEW = "in_review", _("En cours d'instruction")
    AWAITING_INFORMATION = "awaiting_information", _("En attente de compléments")
    ACCEPTED = "accepted", _("Acceptée")
    REFUSED = "refused", _("Refusée")
    CLOSED = "closed", _("Classée sans suite")

    @property
    def tone(self) -> str:
        """The colour of its badge (components/status_badge.html)."""
        return {
            "draft": "neutral",
            "submitted": "info",
            "in_review": "info",
            "awaiting_information": "warning",
            "accepted": "success",
            "refused": "danger",
            "closed": "neutral",
        }[self.value]

    @property
    def is_final(self) -> bool:
        return self in (RequestStatus.ACCEPTED, RequestStatus.REFUSED, RequestStatus.CLOSED)

    @property
    def is_in_progress(self) -> bool:
        """Sent and not decided yet: the service is working on it (or waiting for the applicant)."""
        return self in (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW, RequestStatus.AWAITING_INFORMATION)


class EventKind(models.TextChoices):
    """The lines of a request's timeline."""

    SUBMITTED = "submitted", _("Demande déposée")
    STATUS = "status", _("Changement de statut")
    MESSAGE = "message", _("Message")
    DOCUMENT = "document", _("Document")
    REMINDER = "reminder", _("Relance")


class Channel(models.TextChoices):
    """How a request reached the town: online by the applicant, or at the counter by an agent."""

    ONLINE = "online", _("En ligne")
    COUNTER = "counter", _("Au guichet")


class SilenceRule(models.TextChoices):
    """What the administration's silence means once the legal delay has passed (CRPA, L. 231-1 and
    L. 231-4)."""

    NONE = "none", _("Pas de décision implicite")
    ACCEPT = "accept", _("Le silence vaut acceptation")
    REJECT = "reject", _("Le silence vaut rejet")


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV (tableur, séparateur point-virgule)")
    XLSX = "xlsx", _("Excel (XLSX)")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("En préparation")
    DONE = "done", pgettext_lazy("export status", "Prêt")
    FAILED = "failed", _("Échec")


class LabelTone(models.TextChoices):
    """The colour of a label's badge (components/status_badge.html tones)."""

    NEUTRAL = "neutral", _("Gris")
    INFO = "info", _("Bleu")
    SUCCESS = "success", _("Vert")
    WARNING = "warning", _("Orange")
    DANGER = "danger", _("Rouge")
