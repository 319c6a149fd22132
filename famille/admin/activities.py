"""Activities, their booking rules and sites, closures, sessions and enrolments (part F2)."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from famille import services, tasks
from famille.exceptions import FamilleError
from famille.forms.bookings import WEEKDAYS
from famille.models import Activity, ActivitySite, Closure, Enrolment, SchoolYear, Session


class ActivityForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Jours de la semaine"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Activity
        fields = (
            "kind",
            "name",
            "slug",
            "service",
            "description",
            "is_active",
            "min_age_months",
            "max_age_months",
            "min_level",
            "max_level",
            "weekdays",
            "period",
            "start_time",
            "end_time",
            "booking_opens_days",
            "booking_deadline_days",
            "booking_deadline_time",
            "cancel_deadline_days",
            "cancel_deadline_time",
            "working_days",
            "waiting_list",
            "bill_late_cancellation",
            "bill_unjustified_absence",
        )

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_age_months"), cleaned.get("max_age_months")
        if low is not None and high is not None and low > high:
            self.add_error("max_age_months", _("L'âge maximal doit être au moins l'âge minimal."))
        opens, deadline = cleaned.get("booking_opens_days"), cleaned.get("booking_deadline_days")
        if opens is not None and deadline is not None and opens < deadline:
            self.add_error(
                "booking_opens_days",
                _("La réservation doit ouvrir avant son délai (plus de jours avant la séance)."),
            )
        return cleaned


class ActivitySiteInline(admin.TabularInline):
    model = ActivitySite
    extra = 1
    fields = ("site", "capacity")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """An activity, where it runs (capacity per site) and its booking rules.

    "Générer les séances de l'année" creates the sessions of every school year not
    over yet; it can be run again (after adding a site) and creates only what is missing.
    """

    form = ActivityForm
    inlines = [ActivitySiteInline]
    list_display = ("name", "kind", "service", "period", "waiting_list", "working_days", "is_active")
    list_filter = ("kind", "service", "period", "is_active")
    list_select_related = ("service",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    actions = ["generate_year_sessions"]
    fieldsets = (
        (None, {"fields": ("kind", "name", "slug", "service", "description", "is_active")}),
        (
            _("Qui peut s'inscrire"),
            {"fields": ("min_age_months", "max_age_months", "min_level", "max_level")},
        ),
        (_("Séances"), {"fields": ("weekdays", "period", "start_time", "end_time")}),
        (
            _("Règles de réservation"),
            {
                "description": _(
                    "Les délais se comptent depuis le jour de la séance, à l'heure de Paris : "
                    "« 2 jours avant à 10:00 » ; en jours ouvrés si la case est cochée."
                ),
                "fields": (
                    "booking_opens_days",
                    ("booking_deadline_days", "booking_deadline_time"),
                    ("cancel_deadline_days", "cancel_deadline_time"),
                    "working_days",
                    "waiting_list",
                    "bill_late_cancellation",
                    "bill_unjustified_absence",
                ),
            },
        ),
    )

    @admin.action(description=_("Générer les séances de l'année"))
    def generate_year_sessions(self, request, queryset):
        years = list(SchoolYear.objects.filter(end_date__gte=timezone.localdate()).order_by("start_date"))
        if not years:
            self.message_user(request, _("Aucune année scolaire en cours ou à venir."), messages.WARNING)
            return
        created = 0
        for activity in queryset:
            for year in years:
                try:
                    created += services.generate_sessions(
                        activity=activity, school_year=year, actor=request.user
                    )
                except FamilleError as error:
                    self.message_user(request, error.message, messages.ERROR)
                    return
        self.message_user(
            request,
            ngettext("%(count)d séance créée.", "%(count)d séances créées.", created) % {"count": created},
            messages.SUCCESS,
        )


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    """A day the town closes. Saving it cancels that day's bookings (never billed) and tells the families."""

    list_display = ("date", "site", "activity", "reason", "created_by")
    list_filter = ("site", "activity")
    list_select_related = ("site", "activity", "created_by")
    date_hierarchy = "date"
    fields = ("date", "site", "activity", "reason")

    def get_readonly_fields(self, request, obj=None):
        # The sessions already closed follow the closure's day and place: they do not move.
        return ("date", "site", "activity") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        result = services.close_sessions(actor=request.user, closure=obj)
        self.message_user(
            request,
            _("%(sessions)d séance(s) fermée(s), %(bookings)d réservation(s) annulée(s) sans facturation.")
            % {"sessions": result.sessions, "bookings": result.bookings},
            messages.SUCCESS,
        )


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ("capacity",)

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if self.instance.pk and capacity < self.instance.booked:
            raise forms.ValidationError(
                _("%(booked)d places sont déjà réservées : la capacité ne peut pas descendre en dessous.")
                % {"booked": self.instance.booked}
            )
        return capacity


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    """Sessions are generated (action on the activities): here only their capacity changes; more
    places go to the waiting list at once."""

    form = SessionForm
    list_display = ("date", "activity", "site", "booked", "capacity", "closure")
    list_filter = ("activity", "site", ("closure", admin.EmptyFieldListFilter))
    list_select_related = ("activity", "site", "closure")
    date_hierarchy = "date"
    readonly_fields = ("activity", "site", "date", "start_time", "end_time", "booked", "closure")
    fields = ("activity", "site", "date", "start_time", "end_time", "capacity", "booked", "closure")

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        # Only the capacity changes, and never below what is booked (the CHECK constraint backs it).
        with transaction.atomic():
            Session.objects.filter(pk=obj.pk, booked__lte=obj.capacity).update(capacity=obj.capacity)
            if form.initial.get("capacity") is not None and obj.capacity > form.initial["capacity"]:
                session_id = obj.pk
                transaction.on_commit(lambda: tasks.promote_waiting_list.delay(session_id))
        obj.refresh_from_db()


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    """Enrolments are requested by families and decided by the service's agents on their page."""

    list_display = ("child", "activity", "site", "school_year", "status", "requested_at", "decided_at")
    list_filter = ("status", "activity", "school_year", "site")
    list_select_related = ("child", "activity", "site", "school_year")
    search_fields = ("child__first_name", "child__last_name")
    date_hierarchy = "requested_at"
    readonly_fields = (
        "child",
        "activity",
        "site",
        "school_year",
        "household",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "refusal_reason",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
