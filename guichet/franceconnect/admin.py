from django.contrib import admin

from guichet.franceconnect.models import PERSON_FIELDS, FranceConnectIdentity


@admin.register(FranceConnectIdentity)
class FranceConnectIdentityAdmin(admin.ModelAdmin):
    """Read only: an identity comes from FranceConnect, never from a form."""

    list_display = ["user", "acr", "linked_at", "certified_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    ordering = ["-linked_at"]
    readonly_fields = ["user", *PERSON_FIELDS]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
