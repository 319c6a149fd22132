"""The associations in the administrators' screens: read-only, since every change of an association goes
through its members' pages or the vie associative service's back-office (audited services)."""

from django.contrib import admin

from associations.models import Association


@admin.register(Association)
class AssociationAdmin(admin.ModelAdmin):
    list_display = ["party", "rna", "siret", "city", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["party__name", "rna", "siret", "city"]
    ordering = ["party__name"]
    readonly_fields = [field.name for field in Association._meta.concrete_fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
