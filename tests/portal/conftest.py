from pathlib import Path

import pytest

TEST_TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture
def test_templates(settings):
    """Templates only the tests use (a dashboard card), found after the project's own."""
    settings.TEMPLATES = [
        {**engine, "DIRS": [*engine.get("DIRS", []), TEST_TEMPLATES]} for engine in settings.TEMPLATES
    ]
