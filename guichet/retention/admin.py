"""The retention schedule ("le calendrier de conservation") and the report of each run, for administrators.

Administrators change a rule's duration (and, where the law allows both, whether
data is deleted or pseudonymised), and give a procedure its own duration; what
each kind covers and its legal basis come from the code, in plain French. The
runs are read-only: what each night purged, kind by kind.
"""

from django import forms
from django.contrib import admin
from django.db.models import Case, IntegerField, Value, When
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from guichet.admin_tools import ReadOnlyAdmin
from guichet.retention import durations, registry, services
from guichet.retention.enums import RetentionAction
from guichet.retention.models import RetentionOverride, RetentionRule, RetentionRun


def _kind_text(rule: RetentionRule, attribute: str) -> str:
    kind = rule.kind
    return str(getattr(kind, attribute)) if kind else ""


class RetentionRuleForm(forms.ModelForm):
    class Meta:
        model = RetentionRule
        fields = ["days", "action"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kind = self.instance.kind
        if kind is not None:
            # The browser's hint; the model's clean() says it in words.
            self.fields["days"].widget.attrs["min"] = kind.min_days
            self.fields["action"].choices = [
                (value, label) for value, label in RetentionAction.choices if value in kind.actions
            ]


class RetentionOverrideInline(admin.TabularInline):
    model = RetentionOverride
    extra = 0
    fields = ["demarche", "days", "action"]
    autocomplete_fields = ["demarche"]
    verbose_name = _("durée propre à une démarche")
    verbose_name_plural = _(
        "durées propres à des démarches (elles remplacent la durée ci-dessus pour ces démarches seulement)"
    )


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    form = RetentionRuleForm
    list_display = ["label", "duration", "action_label", "covers", "legal_basis", "updated_at"]
    list_display_links = ["label"]
    fieldsets = [
        (None, {"fields": ["label", "covers", "legal_basis", "minimum"]}),
        (_("Durée"), {"fields": ["days", "duration", "action"]}),
        (_("Dernière modification"), {"fields": ["updated_at", "updated_by"]}),
    ]
    readonly_fields = ["label", "covers", "legal_basis", "minimum", "duration", "updated_at", "updated_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("updated_by")

    def get_ordering(self, request):
        # In the schedule's order (the registry's), not alphabetically by code.
        order = [When(code=kind.code, then=Value(index)) for index, kind in enumerate(registry.kinds())]
        return [Case(*order, default=Value(len(order)), output_field=IntegerField()), "code"]

    def get_inlines(self, request, obj):
        kind = obj.kind if obj else None
        return [RetentionOverrideInline] if kind and kind.per_demarche else []

    def has_add_permission(self, request) -> bool:
        # One rule per kind of data, made from the code (migration 0002, then at each run).
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("données"))
    def label(self, rule: RetentionRule) -> str:
        return _kind_text(rule, "label") or rule.code

    @admin.display(description=_("ce que cela couvre"))
    def covers(self, rule: RetentionRule) -> str:
        return _kind_text(rule, "covers")

    @admin.display(description=_("base légale"))
    def legal_basis(self, rule: RetentionRule) -> str:
        return _kind_text(rule, "legal_basis")

    @admin.display(description=_("durée minimale"))
    def minimum(self, rule: RetentionRule) -> str:
        kind = rule.kind
        return durations.format_days(kind.min_days) if kind else ""

    @admin.display(description=_("durée"), ordering="days")
    def duration(self, rule: RetentionRule) -> str:
        kind = rule.kind
        if kind is None:
            return durations.format_days(rule.days)
        return durations.sentence(counted_from=kind.counted_from, days=rule.days, action=rule.action)

    @admin.display(description=_("à la fin de la durée"), ordering="action")
    def action_label(self, rule: RetentionRule) -> str:
        return rule.get_action_display()

    def save_model(self, request, obj, form, change) -> None:
        services.update_rule(actor=request.user, rule=obj, days=obj.days, action=obj.action)

    def save_formset(self, request, form, formset, change) -> None:
        for override in formset.save(commit=False):
            services.save_override(actor=request.user, override=override)
        for override in formset.deleted_objects:
            services.delete_override(actor=request.user, override=override)


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "finished_at", "status", "total", "summary"]
    list_filter = ["status"]
    date_hierarchy = "started_at"
    fields = ["started_at", "finished_at", "status", "total", "report", "errors"]
    readonly_fields = fields

    @staticmethod
    def _lines(run: RetentionRun) -> list[tuple[str, int]]:
        lines = []
        for code, count in run.counts.items():
            try:
                label = str(registry.kind(code).label)
            except registry.UnknownKind:
                label = code
            lines.append((label, count))
        return lines

    @admin.display(description=_("éléments traités"))
    def summary(self, run: RetentionRun) -> str:
        return ", ".join(f"{label} : {count}" for label, count in self._lines(run) if count) or "—"

    @admin.display(description=_("détail par type de données"))
    def report(self, run: RetentionRun) -> str:
        return format_html_join("", "<p>{} : {}</p>", self._lines(run)) or "—"
