"""What the audit log holds about a person, for the personal-data registry.

Audit imports only Django, so it does not declare itself: accounts wires these
fields, `export` and `erase` into its registry.
"""

from django.utils import timezone

from guichet.audit.actions import action_label
from guichet.audit.models import AuditCheckpoint, AuditEvent, AuditSeal
from guichet.audit.selectors import party_ids_for

PERSONAL_FIELDS = {
    # Who acted, from where, and whose data it was: ids and an address, never names.
    AuditEvent: ("actor_id", "owner_party_id", "ip"),
    AuditSeal: (),
    # Where the chain starts again after a retention purge: numbers and a hash.
    AuditCheckpoint: (),
}


def export(user) -> dict:
    """Events about the user's parties: when, what, on which object. Ids only, like the log."""
    events = (
        AuditEvent.objects.for_owner(party_ids_for(user=user))
        .order_by("created_at", "id")
        .values_list("created_at", "action", "target_type", "target_id")
    )
    return {
        "événements": [
            {
                "date": timezone.localtime(created_at).isoformat(),
                "action": action,
                "libellé": action_label(action),
                "type_objet": target_type,
                "id_objet": target_id,
            }
            for created_at, action, target_type, target_id in events.iterator()
        ]
    }


def erase(user) -> None:
    """Erase nothing: the audit trail is kept for its legal retention period.

    It proves who touched whose data (a legal obligation, and the citizen's own
    protection), holds only ids, and is hash-chained, so a row removed on request
    would break the chain. It goes when its retention period ends, not on request
    (whole stretches of the chain, by the nightly retention run).
    """
