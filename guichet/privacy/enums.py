from django.db import models
from django.utils.translation import gettext_lazy as _


class DeletionStatus(models.TextChoices):
    # The account is deactivated; its owner may still come back until `erase_after`.
    PENDING = "pending", _("Suppression demandée")
    CANCELLED = "cancelled", _("Suppression annulée")
    ERASED = "erased", _("Compte supprimé")


class ComeBackChannel(models.TextChoices):
    """How the person came back during the grace period."""

    EMAIL_LINK = "email_link", _("Par le lien du courriel")
    SIGN_IN = "sign_in", _("En se connectant")
