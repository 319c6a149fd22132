from guichet.celery import app as celery_app

__all__ = ["celery_app"]


class GuichetWarning(Warning):
    """Base class of the project's own warnings: tests turn them into errors."""
