import pytest


@pytest.fixture
def queued_tasks():
    """Tasks go to the test Redis broker, with no worker (as in production, where a town's month
    takes longer than a page may wait): yields how many wait in the queues."""
    import redis
    from django.conf import settings

    from guichet.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()
    broker = redis.Redis.from_url(app.conf.broker_url)
    try:
        yield lambda: sum(broker.llen(queue) for queue in settings.CELERY_TASK_QUEUES)
    finally:
        app.control.purge()
        app.conf.task_always_eager = saved
