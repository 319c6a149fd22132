"""Append-only audit log. Call `audit.record(actor=…, action=…, target=…, owner=…)`."""


def record(*, actor, action: str, target=None, owner=None, **details):
    # Imported here so that `from guichet import audit` works before apps are ready.
    from guichet.audit.services import record as _record

    return _record(actor=actor, action=action, target=target, owner=owner, **details)
