"""Cards of "Mon espace": each app registers a provider in its AppConfig.ready().

A provider takes the request's user and returns a `Card` or None (nothing to
show). The portal renders them in order and needs no change when an app adds one.
A card's template is included with `card` in its context: it reads its data
from `card.context`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Card:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


CardProvider = Callable[..., Card | None]

_providers: dict[str, CardProvider] = {}


def register(name: str, provider: CardProvider) -> None:
    """Add (or replace) the provider called `name`."""
    _providers[name] = provider


def unregister(name: str) -> None:
    """Remove the provider called `name`, if any (tests, or an app turned off)."""
    _providers.pop(name, None)


def cards_for(user) -> list[Card]:
    cards = [card for provider in _providers.values() if (card := provider(user)) is not None]
    return sorted(cards, key=lambda card: (card.order, card.title))
