from django.contrib import admin

from guichet.admin_tools import ReadOnlyAdmin
from guichet.privacy.models import DeletionRequest


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ReadOnlyAdmin):
    """Read only: the requests are made and cancelled by the people themselves, and erased by the
    daily task; administrators see where each stands."""

    list_display = ("pk", "user_id", "status", "requested_at", "erase_after", "cancelled_at", "erased_at")
    list_filter = ("status",)
    ordering = ("-requested_at",)
    fields = list_display[1:] + ("cancelled_through",)
    readonly_fields = fields
