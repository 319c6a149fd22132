"""No template of the project holds what the CSP would block: inline <style>, style="" attributes, event
handler attributes, javascript: URLs, inline scripts. Only documents that are no web page may: the PDFs
WeasyPrint renders on the server and the e-mails (a mail reader applies no CSP and wants inline styles).
The crawl (test_crawl.py) checks the same on every page as served; the browser test
(tests/e2e/test_security_csp.py) that Chromium reports no violation."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
NOT_PAGES = {
    "demarches/pdf/acknowledgement.html": "PDF (WeasyPrint)",
    "demarches/pdf/decision.html": "PDF (WeasyPrint)",
    "famille/pdf/attendance.html": "PDF (WeasyPrint)",
    "famille/pdf/tax_certificate.html": "PDF (WeasyPrint)",
    "regie/invoice.html": "PDF (WeasyPrint)",
    "regie/receipt.html": "PDF (WeasyPrint)",
    "notify/email/message.html": "HTML e-mail",
}
BLOCKED = {
    "a <style> element": re.compile(r"<style\b", re.I),
    "a style attribute": re.compile(r"\sstyle\s*=", re.I),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
    "hx-on (htmx's inline handlers)": re.compile(r"\shx-on", re.I),
}
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)


def project_templates() -> list[Path]:
    found = [
        path for path in TEMPLATES.rglob("*") if path.suffix in (".html", ".txt", ".svg") and path.is_file()
    ]
    assert len(found) > 200
    return found


def test_no_page_template_holds_inline_style_handlers_or_script():
    offending = {}
    for path in project_templates():
        name = path.relative_to(TEMPLATES).as_posix()
        if name in NOT_PAGES:
            continue
        text = path.read_text(encoding="utf-8")
        problems = [what for what, pattern in BLOCKED.items() if pattern.search(text)]
        for attributes in SCRIPT.findall(text):
            if "src=" not in attributes and 'type="application/json"' not in attributes:
                problems.append("an inline script")
            elif "src=" in attributes and 'nonce="{{ csp_nonce }}"' not in attributes:
                problems.append("a script without the response's nonce")
        if problems:
            offending[name] = problems
    assert offending == {}


def test_the_exempt_documents_still_exist_and_are_no_pages():
    for name in NOT_PAGES:
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        assert "<script" not in text, name  # not even they run scripts
        assert '{% extends "base.html" %}' not in text, name
