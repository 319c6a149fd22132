"""Shared fixtures. Undefined variables in the project's own templates fail the test."""

import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Node

PROJECT_TEMPLATES = str(Path(settings.BASE_DIR) / "templates")


class _InvalidTemplateVariable(str):
    """Django's string_if_invalid, made loud for the project's own templates only."""

    def __mod__(self, name):
        frame = sys._getframe(1)
        while frame is not None:
            node = frame.f_locals.get("self")
            if isinstance(node, Node) and getattr(node, "origin", None) is not None:
                origin = node.origin.name or ""
                if origin.startswith(PROJECT_TEMPLATES):
                    raise AssertionError(f"Undefined template variable {name!r} in {origin}")
                return ""
            frame = frame.f_back
        return ""


@pytest.fixture(autouse=True)
def _strict_templates(settings):
    for engine in settings.TEMPLATES:
        engine.setdefault("OPTIONS", {})["string_if_invalid"] = _InvalidTemplateVariable("%s")


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
