"""Fixtures of the subsidies tests: Monday 7 December 2026 in Paris, the vie associative service and
its agent, two verified associations (the Amis du Parc: president, treasurer, member; the Basket
Club), the catalogue's subsidy procedure and an open campaign of 2027 with a 50 000 € envelope."""

from dataclasses import dataclass
from datetime import date, datetime

import pytest
import time_machine

from associations.models import Association
from associations.subsidies.models import Campaign
from demarches.models import Demarche
from famille.deadlines import PARIS
from guichet.accounts.enums import PartyRole
from guichet.accounts.models import User
from tests.associations.factories import add_member, associations_agent, make_association
from tests.associations.subsidies.factories import make_campaign, subsidy_demarche
from tests.factories import UserFactory, make_town

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=PARIS)
TODAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def vault_storage(settings, tmp_path):
    """The vault's documents of these tests are really encrypted, into a folder of each test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "coffre"},
        },
    }


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class World:
    agent: User
    president: User
    treasurer: User
    member: User
    association: Association
    other_president: User
    other_association: Association
    demarche: Demarche
    campaign: Campaign


@pytest.fixture
def world(db, clock) -> World:
    make_town(name="Villebelle")
    agent = associations_agent(first_name="Alex", last_name="Durand")
    president = UserFactory(first_name="Lucas", last_name="Dupont")
    association = make_association(president, name="Les Amis du Parc", agent=agent)
    treasurer = add_member(
        association, UserFactory(first_name="Nadia", last_name="Keller"), role=PartyRole.TREASURER
    )
    member = add_member(association, UserFactory(first_name="Camille", last_name="Martin"))
    other_president = UserFactory()
    other = make_association(other_president, name="Basket Club", agent=agent)
    demarche = subsidy_demarche()
    return World(
        agent=agent,
        president=president,
        treasurer=treasurer,
        member=member,
        association=association,
        other_president=other_president,
        other_association=other,
        demarche=demarche,
        campaign=make_campaign(year=2027, demarche=demarche, committee_on=date(2027, 2, 15)),
    )
