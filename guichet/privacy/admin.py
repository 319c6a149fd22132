from django.contrib import admin

from guichet.privacy.models import DeletionRequest


@admin.register(DeletionRequest)
class DeletionRequestAdmin(admin.ModelAdmin):
    """Read only: the requests are made and cancelled by the people themselves, and erased by the
    daily task; administrators see where each stands."""

    list_display = ("pk", "user_id", "status", "requested_at", "erase_after", "cancelled_at", "erased_at")
    list_filter = ("status",)
    ordering = ("-requested_at",)
    fields = list_display[1:] + ("cancelled_through",)
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
