from django.db import models

from guichet import context
from guichet.audit.models import AuditEvent

_SCALARS = (int, bool, type(None))
_MAX_DETAIL_TEXT = 64


def _check_detail(key: str, value) -> None:
    # Rows hold ids and codes, never names or content: short scalars only.
    if isinstance(value, list | tuple):
        for item in value:
            _check_detail(key, item)
    elif isinstance(value, str):
        if len(value) > _MAX_DETAIL_TEXT:
            raise ValueError(f"Audit detail {key!r} is too long to be an id or a code.")
    elif not isinstance(value, _SCALARS):
        raise TypeError(f"Audit detail {key!r} must be an id or a code, not {type(value).__name__}.")


def _reference(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk)
    if isinstance(obj, str) and ":" in obj:
        kind, _sep, pk = obj.partition(":")
        return kind, pk
    raise TypeError("An audit target is a model instance or a 'app.model:id' string.")


def record(*, actor, action: str, target=None, owner=None, **details) -> AuditEvent:
    """Append one event. `owner` is the party whose data was touched (a Party or its id)."""
    for key, value in details.items():
        _check_detail(key, value)
    target_type, target_id = _reference(target)
    request = context.current()
    actor_id = getattr(actor, "pk", actor)
    owner_id = getattr(owner, "pk", owner)
    return AuditEvent.objects.create(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        owner_party_id=owner_id,
        ip=request.ip,
        request_id=request.request_id,
        details=details,
    )
