from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionAction(models.TextChoices):
    """What happens to data at the end of its retention period."""

    DELETE = "delete", _("Suppression")
    # The record stays, without what names the person: answers, messages, documents, applicant.
    PSEUDONYMISE = "pseudonymise", _("Pseudonymisation")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminé")
    # At least one kind of data failed; the others were purged, and the next night tries again.
    FAILED = "failed", _("Terminé avec des erreurs")
