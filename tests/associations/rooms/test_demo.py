"""The rooms' demo: three rooms with photos and hours, the basket season confirmed, the Amis du Parc's
requests (one in conflict with the season) and a paid booking with its invoices; seeding twice adds nothing."""

from datetime import datetime

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from pytest_django.asserts import assertContains

from associations import demo as associations_demo
from associations.rooms import demo, selectors
from associations.rooms.enums import BookingStatus
from associations.rooms.models import Booking, BookingSeries, Room
from associations.rooms.schedule import PARIS
from guichet.accounts import demo as accounts_demo
from regie.models import Invoice
from tests.helpers import login

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def storages(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "coffre"},
        },
    }


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in ("rooms", "regie")
    }


def test_the_demo_seeds_rooms_a_season_and_requests_once(client):
    with time_machine.travel(NOW, tick=False):
        accounts_demo.seed()
        people = associations_demo.seed()
        demo.seed()
        counts = _counts()
        demo.seed()
        assert _counts() == counts

        assert list(Room.objects.values_list("slug", flat=True)) == [
            "salle-des-fetes",
            "salle-de-reunion-jean-jaures",
            "gymnase-jean-moulin",
        ]
        assert all(room.photos.count() == 2 and room.opening_hours.exists() for room in Room.objects.all())
        series = BookingSeries.objects.get(party=people.basket.party)
        tuesdays = series.bookings.filter(status=BookingStatus.CONFIRMED)
        assert (series.first_date.isoformat(), series.last_date.isoformat()) == ("2026-09-01", "2027-06-30")
        assert tuesdays.count() == 44  # every Tuesday of the season: none is a public holiday this year
        assert {b.starts_at.strftime("%a %H:%M") for b in tuesdays} == {"Tue 18:00"}
        pending = Booking.objects.filter(party=people.parc.party, status=BookingStatus.PENDING)
        assert pending.count() == 2
        home = selectors.agent_home(user=people.agent)
        conflicting = [row for row in home.requests if row.conflicts]
        assert [row.booking.purpose for row in conflicting] == ["Assemblée générale des Amis du Parc"]
        spring = Booking.objects.get(purpose="Fête de printemps du parc")
        assert spring.status == BookingStatus.CONFIRMED
        assert Invoice.objects.get(pk=spring.invoice_id).total_cents == 8 * 1200
        assert Invoice.objects.get(pk=spring.deposit_invoice_id).total_cents == 30000

        login(client, people.president)
        page = client.get(reverse("associations:rooms_my_bookings"))
        assertContains(page, "Fête de printemps du parc")
        assertContains(
            client.get(reverse("associations:rooms_room", args=[Room.objects.first().pk])), "<img", count=2
        )
