"""Cards of "Mon espace": each app registers a provider in its AppConfig.ready().

A provider takes the request's user and returns a `Card` or None (nothing to
show). The portal renders them in order and needs no change when an app adds one.
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
    _providers[name] = provider


def cards_for(user) -> list[Card]:
    cards = [card for provider in _providers.values() if (card := provider(user)) is not None]
    return sorted(cards, key=lambda card: (card.order, card.title))
