"""What the admin screens of every app share (Django only)."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """A journal or a record made by the portal itself: administrators read it, never add, edit or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
