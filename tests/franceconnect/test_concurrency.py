"""One identity, one account: concurrent links and sign-ups of the same identity leave exactly one."""

import threading

import pytest
from django.db import connection

from guichet.accounts.models import User
from guichet.franceconnect import services
from guichet.franceconnect.exceptions import FranceConnectError
from guichet.franceconnect.models import FranceConnectIdentity
from tests.factories import UserFactory, make_town
from tests.franceconnect.factories import certified

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concurrency")]
THREADS = 20


def race(target, count: int) -> tuple[list, list]:
    barrier = threading.Barrier(count)
    done, refused = [], []

    def run(index: int) -> None:
        try:
            barrier.wait()
            done.append(target(index))
        except FranceConnectError as error:
            refused.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, refused


def test_an_identity_linked_by_many_accounts_at_once_goes_to_one():
    users = [UserFactory() for _ in range(THREADS)]
    identity = certified()

    done, refused = race(lambda index: services.link_identity(actor=users[index], identity=identity), THREADS)

    assert len(done) == 1
    assert refused == ["identity_taken"] * (THREADS - 1)
    assert FranceConnectIdentity.objects.get().user_id == done[0].user_id


def test_an_identity_signing_up_many_times_at_once_makes_one_account():
    make_town()
    identity = certified()

    done, refused = race(
        lambda index: services.create_account(
            identity=identity, email=f"angela{index}@exemple.fr", terms_accepted=True
        ),
        THREADS,
    )

    assert len(done) == 1
    assert refused == ["identity_taken"] * (THREADS - 1)
    assert User.objects.count() == 1
    assert FranceConnectIdentity.objects.count() == 1
