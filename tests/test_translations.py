"""Every French text of the portal has its English translation, and the catalogue is up to date.

The test extracts the messages again (`makemessages`, as a developer would) in a copy of the
project, so the committed catalogue is never touched, then reads it with polib.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUE = Path("locale") / "en" / "LC_MESSAGES" / "django.po"
IGNORED = ("locale", "var", "bench", "tests", "node_modules", "docs")


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [name for name in listed.stdout.splitlines() if name.split("/")[0] not in IGNORED]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is needed to extract the messages: apt-get install gettext")
    copy = tmp_path_factory.mktemp("project")
    for name in tracked_files():
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    (copy / CATALOGUE).parent.mkdir(parents=True)
    shutil.copy2(ROOT / CATALOGUE, copy / CATALOGUE)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-v", "0"],
        cwd=copy,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "guichet.settings"},
    )
    return polib.pofile(str(copy / CATALOGUE))


def label(entry: polib.POEntry) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    return f"{entry.msgid[:70]!r} ({where})"


def test_every_french_message_has_an_english_translation(extracted):
    assert len(extracted) > 4000
    missing = [label(entry) for entry in extracted.untranslated_entries()]
    assert missing == [], (
        "Translate these in locale/en/LC_MESSAGES/django.po (after `manage.py makemessages -l en`):\n"
        + "\n".join(missing)
    )


def test_no_translation_is_left_fuzzy(extracted):
    # A fuzzy entry is a guess by msgmerge after the French changed: gettext does not use it.
    fuzzy = [label(entry) for entry in extracted.fuzzy_entries()]
    assert fuzzy == [], "Check and unmark these translations:\n" + "\n".join(fuzzy)


def test_the_committed_catalogue_holds_every_message_of_the_code(extracted):
    committed = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(ROOT / CATALOGUE))}
    new = [label(entry) for entry in extracted if (entry.msgctxt, entry.msgid) not in committed]
    assert new == [], "Run `manage.py makemessages -l en` and translate:\n" + "\n".join(new)
