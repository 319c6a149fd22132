from celery import shared_task


@shared_task(name="guichet.retention.tasks.apply_retention", acks_late=True, ignore_result=True)
def apply_retention() -> int | None:
    """Beat, nightly: apply the retention schedule once and report it (a RetentionRun).

    Safe to run twice or side by side: a second run at the same time returns at
    once, and one after finds nothing more to purge. Returns the run's id.
    """
    from guichet.retention import services

    run = services.run_retention()
    return run.pk if run else None
