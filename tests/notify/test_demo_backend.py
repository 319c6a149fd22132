"""The demo's mailer: what `make demo` uses when no SMTP server is configured."""

from django.core import mail

from guichet.notify.backends import ConsoleAndFileBackend


def test_the_demo_mailer_prints_and_keeps_each_message_in_the_outbox_folder(tmp_path, capsys):
    backend = ConsoleAndFileBackend(alias="default", file_path=str(tmp_path))
    message = mail.EmailMessage(
        "Votre reçu", "Merci pour votre paiement.", "mairie@exemple.fr", ["lea@exemple.fr"]
    )

    assert backend.send_messages([message]) == 1

    printed = capsys.readouterr().out
    assert "To: lea@exemple.fr" in printed
    assert "Merci pour votre paiement." in printed
    kept = list(tmp_path.iterdir())
    assert len(kept) == 1
    assert "lea@exemple.fr" in kept[0].read_text()
