"""What reaches the logs: nothing personal, no secret, whatever the level.

`RedactingFilter` is set on the project's log handlers (settings.LOGGING), so it sees
every record they write, from any logger, even at DEBUG:

- the DEBUG records of Django's template engine (their tracebacks print whole template
  contexts: users, addresses, e-mails), of the database cursor (each query with its
  parameters: names, addresses, codes, password hashes) and of HTTP client libraries that
  log request and response bodies (Stripe's: customers' e-mails) are dropped;
- in the rest (message and traceback), e-mail addresses, IBANs, card numbers, French
  phone numbers, and the secrets carried in URLs (e-mail confirmation and password reset
  keys, invitation and share tokens, calendar feed tokens, any long random path segment)
  are replaced by a mark.

Application code logs ids and codes only (house rule); this is the net under it, for
third-party libraries and for paths that carry a token (django.request's "Not Found:
/…", django-axes' "path_info").
"""

import logging
import re

# Loggers whose DEBUG records hold bodies or contexts rather than events.
DROPPED_BELOW_INFO = (
    "django.template",
    "django.db.backends",
    "stripe",
    "urllib3",
    "requests",
    "httpx",
    "httpcore",
)

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
PHONE = re.compile(r"(?<![\d.])(?:\+33[ .]?|0)[1-9](?:[ .-]?\d{2}){4}(?![\d.])")
# The path segment after a route that carries a secret.
SECRET_ROUTES = re.compile(
    r"(/(?:confirm-email|key|invitation|partage|agenda/\d+|[\w-]*token[\w-]*|jeton)/)([^/\s?#'\"]+)"
)
# Any other long random-looking path segment (letters and digits mixed, 16 characters or more).
RANDOM_SEGMENT = re.compile(
    r"(?<=/)(?=[^/\s?#'\"]*\d)(?=[^/\s?#'\"]*[A-Za-z])[A-Za-z0-9_:.=%-]{16,}(?=[/?#\s'\"]|$)"
)


def redact(text: str) -> str:
    text = EMAIL.sub("[courriel]", text)
    text = IBAN.sub("[iban]", text)
    text = SECRET_ROUTES.sub(r"\1[jeton]", text)
    text = RANDOM_SEGMENT.sub("[jeton]", text)
    text = CARD.sub("[numéro]", text)
    return PHONE.sub("[téléphone]", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO and record.name.startswith(DROPPED_BELOW_INFO):
            return False
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
