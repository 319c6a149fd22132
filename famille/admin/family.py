"""The family file's configuration (part F1): documents asked of families, sites, school years."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from coffre.models import DocumentType
from famille.models import RequiredDocument, SchoolYear, Site


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(admin.ModelAdmin):
    """What the town asks once of every family, of the household or of each child.

    A requirement stops being asked when "demandé" is unticked; it is never deleted,
    since the documents already given point at it.
    """

    list_display = ["document_type", "for_child", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["for_child", "is_active"]
    ordering = ["position", "pk"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "document_type":
            # Families give them from the household's vault: only types a household may keep.
            kwargs["queryset"] = DocumentType.objects.filter(for_household=True).order_by("position", "label")
            kwargs["help_text"] = _("Les familles le choisissent dans le coffre-fort du foyer.")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    """Schools (the children's, in their file), leisure centres, nurseries: where activities happen."""

    list_display = ["name", "kind", "address", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["name", "address"]
    ordering = ["name"]


@admin.register(SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ["name", "start_date", "end_date"]
    ordering = ["-start_date"]
    date_hierarchy = "start_date"
