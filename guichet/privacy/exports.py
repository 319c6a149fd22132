"""Download all my data: one ZIP, streamed, with a JSON file per app and the export of my vault.

    README.txt            what each file is, in French
    donnees/<app>.json    what each app holds about the person (the personal-data registry's export)
    coffre-fort.zip       the person's own vault as the vault exports it: the documents byte for byte
                          (decrypted), its manifest (SHA-256 of each) and its trace

`zipfile` writes into a sink emptied after every piece: one app's JSON at a time is in memory,
the documents only 64 KiB at a time (the vault's export streams them from their encrypted blobs),
and nothing is written to a temporary file.
"""

import json
import zipfile
from collections.abc import Iterator
from datetime import datetime

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coffre import exports as vault_exports
from guichet import audit
from guichet.accounts import registry
from guichet.accounts.models import Party

VAULT_FILE = "coffre-fort.zip"
README_FILE = "README.txt"

# What each app's file holds, for the README (an app not named here is described by its name).
DESCRIPTIONS = {
    "accounts": gettext_lazy(
        "votre compte : vos coordonnées, votre inscription, les conditions acceptées, les titulaires pour "
        "lesquels vous agissez (vous-même, votre foyer, vos associations) et, si vous êtes agent, vos services"
    ),
    "audit": gettext_lazy(
        "le journal des opérations faites sur vos données : la date, l'action et l'objet (des numéros, "
        "jamais de contenu)"
    ),
    "notify": gettext_lazy("vos notifications, l'envoi de chaque courriel et vos préférences"),
    "portal": gettext_lazy("rien à votre nom : le portail ne garde que les actualités de la commune"),
    "franceconnect": gettext_lazy(
        "votre identité certifiée par FranceConnect, si vous l'avez liée à votre compte"
    ),
    "coffre": gettext_lazy(
        "la liste des documents des coffres-forts que vous pouvez ouvrir (le vôtre, celui de votre foyer, "
        "de vos associations) : intitulés, dates, empreintes SHA-256, partages avec les services"
    ),
    "regie": gettext_lazy("vos factures, paiements, remboursements, avoirs et mandats de prélèvement"),
    "demarches": gettext_lazy(
        "vos démarches : brouillons et demandes, vos réponses, leur historique et vos messages"
    ),
    "famille": gettext_lazy(
        "vos dossiers famille : coordonnées du foyer, enfants (santé comprise), documents remis, quotients "
        "familiaux et réservations"
    ),
    "associations": gettext_lazy(
        "vos associations : leur fiche, votre rôle, les invitations que vous avez envoyées"
    ),
    "subsidies": gettext_lazy(
        "les demandes de subvention de vos associations, leurs décisions et comptes rendus"
    ),
    "rooms": gettext_lazy("vos réservations de salles, pour vous ou pour une association"),
    "equipment": gettext_lazy("les prêts de matériel que vous avez demandés pour une association"),
    "privacy": gettext_lazy("vos demandes de suppression de compte et ce qu'elles sont devenues"),
}


def data_file(label: str) -> str:
    return f"donnees/{label}.json"


def describe(label: str) -> str:
    if label in DESCRIPTIONS:
        return str(DESCRIPTIONS[label])
    try:
        name = apps.get_app_config(label).verbose_name
    except LookupError:
        name = label
    return _("les données de « %(name)s »") % {"name": name}


def to_json(data) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


class PersonalDataExport:
    """The ZIP of everything the portal holds about one person, produced as it is iterated."""

    def __init__(self, *, user, vault: vault_exports.VaultExport, now: datetime):
        self.filename = f"mes-donnees-{timezone.localdate(now).isoformat()}.zip"
        self._user = user
        self._vault = vault
        self._now = now
        labels = sorted(declaration.app_label for declaration in registry.declarations())
        # Rendered now, in the request's language, before the streaming starts.
        self._readme = render_to_string(
            "privacy/export/readme.txt",
            {
                "files": [(data_file(label), describe(label)) for label in labels],
                "vault_file": VAULT_FILE,
                "generated_at": timezone.localtime(now),
            },
        )

    def __iter__(self) -> Iterator[bytes]:
        sink = vault_exports.ZipSink()
        with zipfile.ZipFile(sink, mode="w", allowZip64=True) as archive:
            self._write_text(archive, README_FILE, self._readme)
            yield sink.drain()
            for label, data in registry.iter_user_data(self._user):
                self._write_text(archive, data_file(label), to_json(data))
                yield sink.drain()
            info = self._info(VAULT_FILE)
            # The vault's own ZIP, stored as it comes (its documents are compressed already).
            info.compress_type = zipfile.ZIP_STORED
            with archive.open(info, mode="w", force_zip64=True) as target:
                for chunk in self._vault:
                    target.write(chunk)
                    if data := sink.drain():
                        yield data
        yield sink.drain()

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=vault_exports.zip_time(self._now))
        info.external_attr = 0o644 << 16
        return info

    def _write_text(self, archive: zipfile.ZipFile, name: str, text: str) -> None:
        info = self._info(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, text.encode())


def export_personal_data(*, actor, now: datetime | None = None) -> PersonalDataExport:
    """Everything about the actor, as a ZIP to stream to them.

    The vault's content keys are unwrapped here, before any byte is sent (a key problem raises a
    `coffre.exceptions.VaultError` now, not halfway through the download). Writes one audit event
    (plus the vault's own for its export)."""
    now = now or timezone.now()
    person = Party.objects.get(person=actor)
    vault = vault_exports.export_vault(actor=actor, owner=person, now=now)
    audit.record(
        actor=actor,
        action="privacy.data.export",
        target=person,
        owner=person,
        apps=len(registry.declarations()),
    )
    return PersonalDataExport(user=actor, vault=vault, now=now)
