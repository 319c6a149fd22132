"""What can go wrong in the vault, each with the French message the user is shown.

Every error is a `VaultError`: a view catches that one class and shows
`error.message`. Messages never name a file, a title or a person (they may end
up in logs); sizes are the only figures they carry.
"""

from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class VaultError(Exception):
    """Base of the vault's domain errors; `message` is French and safe to show."""

    default_message: Promise | str = _("L'opération sur le coffre-fort n'a pas abouti.")

    def __init__(self, message: Promise | str | None = None):
        self.message = str(message if message is not None else self.default_message)
        super().__init__(self.message)


class VaultIntegrityError(VaultError):
    """The ciphertext, a wrapped key or their binding was altered, cut, reordered or mixed up."""

    default_message = _(
        "Ce document a été altéré ou ne correspond plus à son empreinte : il ne peut pas être ouvert."
    )


class VaultKeyError(VaultError):
    """A key needed to decrypt is gone: shredded vault, or a master key missing from COFFRE_KEKS."""

    default_message = _(
        "Les clés de ce coffre-fort ne sont plus disponibles : le document ne peut pas être ouvert."
    )


class VaultAccessDenied(VaultError):
    """The actor may not do this for this owner. Views answer 404 (someone else's) or 403."""

    default_message = _("Vous n'avez pas accès à ce coffre-fort.")


class FileTypeRefused(VaultError):
    default_message = _(
        "Ce type de fichier n'est pas accepté : seuls les documents PDF et les images JPEG ou PNG le sont."
    )


class EmptyFile(VaultError):
    default_message = _("Le fichier est vide.")


class FileTooLarge(VaultError):
    def __init__(self, *, limit: int):
        super().__init__(
            _("Le fichier dépasse la taille maximale autorisée (%(limit)s).")
            % {"limit": filesizeformat(limit)}
        )


class QuotaExceeded(VaultError):
    def __init__(self, *, available: int, size: int):
        super().__init__(
            _(
                "L'espace du coffre-fort est insuffisant : il reste %(available)s et le fichier fait "
                "%(size)s. Supprimez des documents ou d'anciennes versions pour faire de la place."
            )
            % {"available": filesizeformat(max(available, 0)), "size": filesizeformat(size)}
        )


class UploadIncomplete(VaultError):
    default_message = _("Le fichier n'a pas été reçu en entier. Veuillez le déposer à nouveau.")


class DocumentTypeNotAllowed(VaultError):
    default_message = _("Ce type de document ne peut pas être déposé dans ce coffre-fort.")


class ExpiryDateRequired(VaultError):
    default_message = _("Indiquez la date de fin de validité de ce document.")


class InvalidDates(VaultError):
    default_message = _("La date de fin de validité ne peut pas précéder la date d'émission.")


class InvalidGrant(VaultError):
    default_message = _("Ce partage n'est pas valable.")
