"""Stand-in mail servers for the tests that run tasks eagerly (the worker test uses a real SMTP server)."""

import smtplib
import threading
import time

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    """Answers "try again later" (451) the first `failures` times, then accepts into mail.outbox."""

    failures = 0
    lock = threading.Lock()

    def send_messages(self, messages) -> int:
        with FlakyBackend.lock:
            if FlakyBackend.failures:
                FlakyBackend.failures -= 1
                raise smtplib.SMTPDataError(
                    451, b"4.3.0 Mailbox temporarily unavailable for habitant@exemple.fr"
                )
        return super().send_messages(messages)


class BrokenBackend(EmailBackend):
    """Fails in a way that another try would not fix."""

    def send_messages(self, messages) -> int:
        raise ValueError("the message cannot be encoded")


class SlowBackend(EmailBackend):
    """A slow server, so that two tasks for the same e-mail overlap."""

    def send_messages(self, messages) -> int:
        time.sleep(0.3)
        return super().send_messages(messages)
