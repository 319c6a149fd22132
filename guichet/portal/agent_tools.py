"""The back-office's tools on the agents' home: each app registers a provider in its AppConfig.ready().

A provider takes the user and returns a `Tool` (a link to the app's back-office)
or None when the user has no use of it; the views behind the link check the
permission again. The portal needs no change when an app adds one.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Tool:
    title: str
    url: str
    description: str = ""
    order: int = 100


ToolProvider = Callable[..., Tool | None]

_providers: dict[str, ToolProvider] = {}


def register(name: str, provider: ToolProvider) -> None:
    """Add (or replace) the provider called `name`."""
    _providers[name] = provider


def unregister(name: str) -> None:
    _providers.pop(name, None)


def tools_for(user) -> list[Tool]:
    tools = [tool for provider in _providers.values() if (tool := provider(user)) is not None]
    return sorted(tools, key=lambda tool: (tool.order, tool.title))
