"""The equipment's configuration for administrators: what the town lends, how many, with a photo.

Loans are only read here: every move of a loan goes through the services (the back-office pages),
which lock the stock and write the audit.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from associations.equipment.models import Item, Loan, LoanLine
from guichet.admin_tools import ReadOnlyAdmin
from guichet.public_files import check_image


class ItemForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = [
            "name",
            "unit_singular",
            "unit_plural",
            "description",
            "stock",
            "max_per_loan",
            "deliverable",
            "photo",
            "photo_alt",
            "position",
            "is_active",
        ]

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        # A new upload is checked by its bytes and renamed; the photo already there stays as it is.
        if photo and hasattr(photo, "content_type"):
            check_image(photo)
        return photo

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("photo") and not (cleaned.get("photo_alt") or "").strip():
            self.add_error("photo_alt", ValidationError(_("Décrivez la photo en quelques mots.")))
        for field in ("unit_singular", "unit_plural"):
            if cleaned.get(field):
                cleaned[field] = cleaned[field].strip().lower()
        return cleaned


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    """The equipment lent. An item is never deleted once lent (its loans point at it): untick "prêté"
    to take it out of the catalogue. Lowering the stock does not cancel loans already accepted: the
    agents' stock page shows any week it no longer covers."""

    form = ItemForm
    list_display = ["name", "stock", "max_per_loan", "deliverable", "position", "is_active"]
    list_editable = ["stock", "position", "is_active"]
    list_filter = ["is_active", "deliverable"]
    search_fields = ["name", "description"]
    ordering = ["position", "name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.loan_lines.exists()


class LoanLineInline(admin.TabularInline):
    model = LoanLine
    extra = 0
    can_delete = False
    fields = ["item", "quantity", "returned_quantity", "damaged_quantity", "lost_quantity", "damage_note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "association", "start_date", "end_date", "status", "delivery_mode"]
    list_filter = ["status", "delivery_mode"]
    date_hierarchy = "start_date"
    list_select_related = ["association__party"]
    inlines = [LoanLineInline]
    readonly_fields = [field.name for field in Loan._meta.fields]
