"""Fixtures of the equipment tests: Monday 1 June 2026 in Paris, the vie associative service and
its agent, a verified association with its president and a member, and the items."""

from dataclasses import dataclass

import pytest
import time_machine

from associations.equipment.models import Item
from associations.models import Association
from guichet.accounts.models import User
from tests.associations.equipment.factories import NOW, ItemFactory
from tests.associations.factories import add_member, associations_agent, make_association
from tests.factories import UserFactory, make_town


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class World:
    agent: User
    president: User
    member: User
    association: Association
    other_president: User
    other_association: Association
    chairs: Item
    tables: Item
    barriers: Item


@pytest.fixture
def world(db, clock) -> World:
    make_town(name="Villebelle")
    agent = associations_agent(first_name="Alex", last_name="Durand")
    president = UserFactory(first_name="Lucas", last_name="Dupont")
    association = make_association(president, name="Les Amis du Parc", agent=agent)
    member = add_member(association)
    other_president = UserFactory()
    other = make_association(other_president, name="Basket Club", agent=agent)
    return World(
        agent=agent,
        president=president,
        member=member,
        association=association,
        other_president=other_president,
        other_association=other,
        chairs=ItemFactory(chairs=True),
        tables=ItemFactory(tables=True),
        barriers=ItemFactory(barriers=True),
    )
