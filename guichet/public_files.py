"""Public images (association logos, room photos): a storage of their own, never the vault's.

What is stored here is meant to be seen by anyone (the pages of a room, an association's
logo), so it is served as it is by `portal:public_media`; personal papers never come here.
Uploads are checked by their bytes (`check_image`): a PNG or JPEG that Pillow can read, of
a bounded size, renamed.
"""

import uuid
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

MAX_IMAGE_BYTES = 3 * 1024 * 1024
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg"}


def public_storage() -> Storage:
    """The storage of public images (settings.STORAGES["public"]).

    A model's ImageField reads it once, when the model class is built: tests keep the test settings'
    per-worker folder rather than overriding STORAGES["public"]."""
    return storages["public"]


def check_image(upload) -> str:
    """Check an uploaded PNG or JPEG by its content (a French error else) and name it by its real type."""
    from PIL import Image, UnidentifiedImageError

    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError(
            _("L'image dépasse %(max)d Mo : réduisez-la avant de l'envoyer.")
            % {"max": MAX_IMAGE_BYTES // 2**20}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("Ce fichier n'est pas une image PNG ou JPEG lisible.")) from None
    finally:
        upload.seek(0)
    if kind not in IMAGE_FORMATS:
        raise ValidationError(_("Envoyez une image PNG ou JPEG."))
    upload.name = f"image.{IMAGE_FORMATS[kind]}"
    return IMAGE_FORMATS[kind]


@deconstructible
class RandomName:
    """An `upload_to` that renames every file: the sender's file name is never kept, only the
    extension that `check_image` gave it."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        extension = PurePosixPath(filename).suffix.lstrip(".").lower()
        if extension not in IMAGE_FORMATS.values():
            extension = "bin"
        return str(PurePosixPath(self.folder) / f"{uuid.uuid4().hex}.{extension}")

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder
