from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from guichet.accounts import services
from guichet.accounts.models import AgentMembership, Party, PartyMembership, Service, Town, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["date_joined", "last_login", "terms_version", "terms_accepted_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Identité et coordonnées"),
            {
                "fields": [
                    "first_name",
                    "last_name",
                    "phone",
                    "address_line",
                    "address_complement",
                    "postal_code",
                    "city",
                ]
            },
        ),
        (_("Droits"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Historique"), {"fields": ["date_joined", "last_login", "terms_version", "terms_accepted_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    actions = ["reset_second_factor"]

    @admin.action(description=_("Réinitialiser la double authentification (appareil perdu)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            services.reset_second_factor(actor=request.user, user=user)
        messages.success(
            request,
            _(
                "Double authentification réinitialisée : à sa prochaine connexion, la personne configurera un nouveau téléphone."
            ),
        )


class PartyMembershipInline(admin.TabularInline):
    model = PartyMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["person"]
    inlines = [PartyMembershipInline]


class AgentMembershipInline(admin.TabularInline):
    model = AgentMembership
    extra = 1
    raw_id_fields = ["user"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "email", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AgentMembershipInline]


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["name", "logo", "primary_color", "secondary_color"]}),
        (_("Contact"), {"fields": ["address", "phone", "email", "opening_hours", "website", "dpo_contact"]}),
        (_("Calendrier"), {"fields": ["school_holiday_zone"]}),
        (
            _("Textes légaux"),
            {
                "fields": [
                    "legal_notice",
                    "privacy_notice",
                    "terms_of_use",
                    "terms_version",
                    "accessibility_statement",
                    "accessibility_status",
                ]
            },
        ),
    ]

    def has_add_permission(self, request) -> bool:
        return not Town.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
