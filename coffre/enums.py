from django.db import models
from django.utils.translation import gettext_lazy as _


class MimeType(models.TextChoices):
    """The only types the vault keeps, decided from the file's bytes, never from its name."""

    PDF = "application/pdf", _("Document PDF")
    JPEG = "image/jpeg", _("Image JPEG")
    PNG = "image/png", _("Image PNG")

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[self.value]

    @property
    def code(self) -> str:
        """A short code for audit details (which accept no slash)."""
        return {"application/pdf": "pdf", "image/jpeg": "jpeg", "image/png": "png"}[self.value]


class ValidityRule(models.TextChoices):
    """How long a document of a type stays valid, to fill in its expiry date."""

    NONE = "none", _("Sans date de fin")
    DAYS = "days", _("Durée fixe après la date d'émission")
    END_DATE = "end_date", _("Jusqu'à la date de fin indiquée sur le document")


class ExpiryStatus(models.TextChoices):
    """The badge next to a document in its list."""

    NONE = "none", _("Sans échéance")
    VALID = "valid", _("Valide")
    EXPIRES_SOON = "expires_soon", _("Expire bientôt")
    EXPIRED = "expired", _("Expiré")

    @property
    def tone(self) -> str:
        """The colour of its badge (components/status_badge.html)."""
        return {"none": "neutral", "valid": "success", "expires_soon": "warning", "expired": "danger"}[
            self.value
        ]
