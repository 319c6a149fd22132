"""The rooms' configuration for administrators: each room with its photos and opening hours."""

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from associations.rooms.models import Booking, OpeningHours, Room, RoomPhoto
from guichet.admin_tools import ReadOnlyAdmin
from guichet.public_files import check_image
from regie.money import format_eur


class RoomPhotoForm(forms.ModelForm):
    class Meta:
        model = RoomPhoto
        fields = ("image", "alt_text", "position")

    def clean_image(self):
        image = self.cleaned_data.get("image")
        # A new upload is checked by its bytes and renamed; a photo already stored stays as it is.
        if isinstance(image, UploadedFile):
            check_image(image)
        return image


class RoomPhotoInline(admin.TabularInline):
    model = RoomPhoto
    form = RoomPhotoForm
    extra = 1


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 1
    fields = ("weekday", "opens", "closes")


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    """A room: what it offers, its prices (centimes, per hour), its deposit, its rules, its hours."""

    list_display = ("name", "capacity", "association_price", "private_price", "needs_approval", "is_active")
    list_filter = ("is_active", "needs_approval", "private_allowed")
    search_fields = ("name", "address")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [OpeningHoursInline, RoomPhotoInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "slug",
                    "description",
                    "address",
                    "capacity",
                    "equipment",
                    "position",
                    "is_active",
                )
            },
        ),
        (
            _("Accessibilité"),
            {"fields": ("step_free_access", "adapted_toilets", "hearing_loop", "accessibility_details")},
        ),
        (
            _("Tarifs et règles"),
            {
                "fields": (
                    "association_hourly_cents",
                    "private_allowed",
                    "private_hourly_cents",
                    "deposit_cents",
                    "needs_approval",
                    "free_cancellation_days",
                )
            },
        ),
    )

    @admin.display(description=_("associations (l'heure)"))
    def association_price(self, room: Room) -> str:
        return format_eur(room.association_hourly_cents)

    @admin.display(description=_("particuliers (l'heure)"))
    def private_price(self, room: Room) -> str:
        return format_eur(room.private_hourly_cents) if room.private_allowed else "—"


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    """The bookings, to look at: they change only through the pages of the service (its decisions)."""

    list_display = ("reference", "room", "party", "period", "status")
    list_filter = ("status", "room")
    list_select_related = ("room", "party")
    search_fields = ("party__name", "purpose")
