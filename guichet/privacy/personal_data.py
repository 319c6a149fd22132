"""What the personal-data rights hold about a person (personal-data registry): their deletion requests,
ids and dates only. The rows outlive the erasure: they prove when the person asked and when the
town erased (the link points at the anonymised account)."""

from django.utils import timezone

from guichet.accounts import registry
from guichet.privacy.models import DeletionRequest


def _moment(value):
    return timezone.localtime(value).isoformat() if value else None


def export(user) -> dict:
    return {
        "demandes_de_suppression": [
            {
                "demandée_le": _moment(deletion.requested_at),
                "état": deletion.status,
                "suppression_définitive_prévue_le": _moment(deletion.erase_after),
                "annulée_le": _moment(deletion.cancelled_at),
                "annulée": deletion.cancelled_through,
            }
            for deletion in DeletionRequest.objects.filter(user=user).order_by("requested_at", "pk")
        ]
    }


def erase(user) -> None:
    """Nothing to erase: the request is the proof of the erasure itself (ids and dates only)."""


registry.declare(
    app_label="privacy",
    personal_fields={DeletionRequest: ("user",)},
    exporter=export,
    eraser=erase,
)
