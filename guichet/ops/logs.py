"""Structured logs: the request id on every record, and JSON lines (python-json-logger) in production.

settings.LOGGING puts `RequestIdFilter` and guichet.security.logs.RedactingFilter on its handlers and,
with LOG_FORMAT=json (the default when DJANGO_DEBUG is false), formats with `JsonFormatter`: one JSON
object a line with the time, level, logger, message and request id. A JSON line holds more than the
message (a traceback, the `extra` values such as django.request's request), so the formatter redacts
every value it writes too, the same way as the filter (which redacts the message and the traceback).
"""

import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from guichet import context
from guichet.security.logs import redact

JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"
# Written by the formatter or checked on the way in (a request id is 8 to 64 of A-Z a-z 0-9 . _ -):
# nothing personal, and a uuid's digits must not read as a phone number.
NOT_REDACTED = {"time", "level", "logger", "request_id"}


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record: the request's or the task's ("" outside of both)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = context.current().request_id
        return True


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(key): _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    # Anything else (a request, a model instance) as its text, redacted like the rest.
    return redact(str(value))


class JsonFormatter(BaseJsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", JSON_FORMAT)
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        super().__init__(*args, **kwargs)

    def formatException(self, ei) -> str:
        # The base class formats the exception again rather than use the filter's redacted text.
        return redact(super().formatException(ei))

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: value if key in NOT_REDACTED else _redacted(value) for key, value in log_data.items()}
