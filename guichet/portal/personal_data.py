"""The portal's entry in the personal-data registry: its news hold none."""

from guichet.accounts import registry
from guichet.portal.models import NewsItem


def export(user) -> dict:
    return {}


def erase(user) -> None:
    """News are the town's publications, tied to no account: nothing to erase."""


registry.declare(
    app_label="portal",
    personal_fields={NewsItem: ()},
    exporter=export,
    eraser=erase,
    not_personal={
        NewsItem: dict.fromkeys(
            ("title", "slug", "summary", "body", "image", "image_alt"),
            "A news item, written by the town's staff for everyone to read.",
        )
    },
)
