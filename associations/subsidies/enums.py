from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Opinion(models.TextChoices):
    """The instructing agent's opinion of a subsidy request, for the committee."""

    FAVOURABLE = "favourable", _("Favorable")
    RESERVED = "reserved", pgettext_lazy("subsidy opinion", "Réservé")
    UNFAVOURABLE = "unfavourable", _("Défavorable")

    @property
    def tone(self) -> str:
        return {"favourable": "success", "reserved": "warning", "unfavourable": "danger"}[self.value]


class ApplicationState(models.TextChoices):
    """Where a subsidy request stands, as the association and the agents read it (derived from its
    démarche's status and the committee's decision)."""

    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Déposée")
    IN_REVIEW = "in_review", _("En cours d'instruction")
    AWAITING_INFORMATION = "awaiting_information", _("En attente de compléments")
    GRANTED = "granted", _("Subvention accordée")
    REFUSED = "refused", _("Subvention refusée")
    CLOSED = "closed", _("Classée sans suite")

    @property
    def tone(self) -> str:
        return {
            "draft": "neutral",
            "submitted": "info",
            "in_review": "info",
            "awaiting_information": "warning",
            "granted": "success",
            "refused": "danger",
            "closed": "neutral",
        }[self.value]


class ReportState(models.TextChoices):
    """The financial report (compte rendu financier) of a granted subsidy."""

    DUE = "due", _("À transmettre")
    OVERDUE = "overdue", _("En retard")
    RECEIVED = "received", _("Reçu, à contrôler")
    CHECKED = "checked", _("Contrôlé")

    @property
    def tone(self) -> str:
        return {"due": "info", "overdue": "danger", "received": "warning", "checked": "success"}[self.value]
