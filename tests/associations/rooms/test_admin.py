"""Administrators configure the rooms in the Django admin: hours and photos inline, photos checked by their bytes."""

import io
from datetime import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertContains

from associations.rooms.models import Room
from tests.factories import make_admin
from tests.helpers import login

pytestmark = pytest.mark.django_db


def image(kind: str = "PNG") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 80, 60)).save(buffer, format=kind)
    return buffer.getvalue()


def room_form(photo: SimpleUploadedFile) -> dict:
    return {
        "name": "Salle polyvalente",
        "slug": "salle-polyvalente",
        "description": "",
        "address": "",
        "capacity": "80",
        "equipment": "Tables\nChaises",
        "position": "0",
        "is_active": "on",
        "accessibility_details": "",
        "association_hourly_cents": "0",
        "private_hourly_cents": "0",
        "deposit_cents": "0",
        "needs_approval": "on",
        "free_cancellation_days": "7",
        "opening_hours-TOTAL_FORMS": "1",
        "opening_hours-INITIAL_FORMS": "0",
        "opening_hours-0-weekday": "1",
        "opening_hours-0-opens": "18:00",
        "opening_hours-0-closes": "22:00",
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "0",
        "photos-0-image": photo,
        "photos-0-alt_text": "La salle vue de l'entrée",
        "photos-0-position": "0",
    }


def test_a_room_is_made_with_its_hours_and_a_photo_renamed(client):
    login(client, make_admin())

    page = client.get(reverse("admin:rooms_room_add"))
    response = client.post(
        reverse("admin:rooms_room_add"), room_form(SimpleUploadedFile("ma salle.png", image()))
    )

    assert page.status_code == 200
    assert response.status_code == 302, response.context["adminform"].errors if response.context else ""
    room = Room.objects.get(slug="salle-polyvalente")
    assert list(room.opening_hours.values_list("weekday", "opens", "closes")) == [(1, time(18), time(22))]
    photo = room.photos.get()
    assert photo.image.name.startswith("rooms/photos/") and photo.image.name.endswith(".png")
    assert "ma salle" not in photo.image.name


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (image("GIF"), "Envoyez une image PNG ou JPEG."),
        (b"%PDF-1.4 not an image", "Téléversez une image valide."),
    ],
)
def test_a_photo_that_is_not_a_png_or_jpeg_is_refused(client, content, message):
    login(client, make_admin())

    response = client.post(
        reverse("admin:rooms_room_add"), room_form(SimpleUploadedFile("photo.png", content))
    )

    assert response.status_code == 200
    assertContains(response, message)
    assert not Room.objects.exists()
