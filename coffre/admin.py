"""Administrators configure document types; documents themselves are not browsable here."""

from django.contrib import admin

from coffre.models import DocumentType, ShreddingLog
from guichet.admin_tools import ReadOnlyAdmin


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = [
        "label",
        "code",
        "validity_rule",
        "validity_days",
        "for_person",
        "for_household",
        "for_association",
        "is_active",
    ]
    list_filter = ["validity_rule", "for_person", "for_household", "for_association", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["label", "code"]
    prepopulated_fields = {"code": ["label"]}
    ordering = ["position", "label"]


@admin.register(ShreddingLog)
class ShreddingLogAdmin(ReadOnlyAdmin):
    """Read-only: the log only grows, through `coffre.services.shred`."""

    list_display = ["party_id", "data_key_uuid", "shredded_at"]
    search_fields = ["party_id"]
