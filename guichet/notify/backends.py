"""The demo's e-mail backend: printed to the console and kept in var/mail/."""

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class ConsoleAndFileBackend(BaseEmailBackend):
    def __init__(self, *, file_path: str, **kwargs):
        super().__init__(**kwargs)
        self.console = ConsoleBackend()
        self.file = FileBackend(file_path=file_path)

    def send_messages(self, email_messages) -> int:
        self.console.send_messages(email_messages)
        return self.file.send_messages(email_messages)
