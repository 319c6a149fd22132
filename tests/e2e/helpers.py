"""What browser tests share: the accessibility check and the screenshots for review."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

# RGAA 4.1 follows WCAG 2.1 level AA: the rules tagged for levels A and AA of 2.0 and 2.1.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENS = Path("/tmp/screens")  # noqa: S108 (a fixed place where the lead looks at them, not a secret)
WIDTHS = (360, 1280)

_axe = Axe()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            if node.get("failureSummary"):
                summary = " ".join(node["failureSummary"].split())
                lines.append(f"       {summary}")
    return "\n".join(lines)


def check_accessibility(page) -> None:
    """Fail with a readable list if axe finds a WCAG 2.0/2.1 A or AA violation on the page."""
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    violations = results.response["violations"]
    if violations:
        pytest.fail(
            f"Accessibility violations on {page.url}:\n{format_violations(violations)}",
            pytrace=False,
        )


def take_screenshots(page, *, name: str) -> None:
    """Full-page screenshots at phone and desktop widths, for a person to look at."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(SCREENS / f"{name}-{width}.png"), full_page=True)
    if original:
        page.set_viewport_size(original)
