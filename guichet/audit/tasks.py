from celery import shared_task

from guichet.audit import services

BATCH_SIZE = 1000
# Enough to catch up after an outage without running into the worker's time limit.
MAX_BATCHES_PER_RUN = 50


@shared_task(name="guichet.audit.tasks.seal_audit_events", ignore_result=True)
def seal_audit_events() -> int:
    """Seal what was written since the last run (beat, every minute); safe to run twice or side by side."""
    sealed = 0
    for _batch in range(MAX_BATCHES_PER_RUN):
        count = services.seal_pending(batch_size=BATCH_SIZE)
        sealed += count
        if count < BATCH_SIZE:
            break
    return sealed
