"""Tariffs (part F3): date-bounded rules per activity with their quotient brackets; runs and
certificates shown read-only (they change only through the billing services)."""

from itertools import pairwise

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from famille.enums import PricingMode
from famille.models import BillingRun, TariffBracket, TariffRule, TaxCertificate
from guichet.admin_tools import ReadOnlyAdmin


def _period(start, end) -> str:
    if end is None:
        return _("à partir du %(start)s") % {"start": date_format(start, "j F Y")}
    return _("du %(start)s au %(end)s") % {
        "start": date_format(start, "j F Y"),
        "end": date_format(end, "j F Y"),
    }


class TariffRuleForm(forms.ModelForm):
    class Meta:
        model = TariffRule
        fields = (
            "activity",
            "valid_from",
            "valid_until",
            "mode",
            "unit",
            "non_resident_price_cents",
            "effort_base",
            "effort_rate",
            "floor_cents",
            "ceiling_cents",
        )

    def clean(self):
        cleaned = super().clean()
        activity, start, end = cleaned.get("activity"), cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("La date de fin ne peut pas précéder la date de début."))
        if cleaned.get("mode") == PricingMode.EFFORT_RATE and cleaned.get("effort_rate") is None:
            self.add_error("effort_rate", _("Indiquez le taux d'effort d'un tarif au taux d'effort."))
        floor, ceiling = cleaned.get("floor_cents"), cleaned.get("ceiling_cents")
        if floor is not None and ceiling is not None and ceiling < floor:
            self.add_error("ceiling_cents", _("Le plafond ne peut pas être inférieur au plancher."))
        if activity and start and not self.errors:
            others = TariffRule.objects.filter(activity=activity).exclude(pk=self.instance.pk)
            overlapping = others.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=start))
            if end is not None:
                overlapping = overlapping.filter(valid_from__lte=end)
            other = overlapping.order_by("valid_from").first()
            if other is not None:
                raise forms.ValidationError(
                    _(
                        "Ce tarif chevauche celui de la même activité en vigueur %(period)s : "
                        "donnez d'abord une date de fin à l'un des deux, un seul tarif s'applique chaque jour."
                    )
                    % {"period": _period(other.valid_from, other.valid_until)}
                )
        return cleaned


class TariffBracketFormSet(BaseInlineFormSet):
    """Brackets of one rule never overlap; a rule by brackets has at least one."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        ranges = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or data.get("qf_min") is None:
                continue
            if data.get("qf_max") is not None and data["qf_max"] < data["qf_min"]:
                raise forms.ValidationError(
                    _("Une tranche ne peut pas finir (%(high)s) avant de commencer (%(low)s).")
                    % {"low": data["qf_min"], "high": data["qf_max"]}
                )
            ranges.append((data["qf_min"], data.get("qf_max")))
        ranges.sort(key=lambda bounds: bounds[0])
        for (low, high), (next_low, next_high) in pairwise(ranges):
            if high is None or next_low <= high:
                raise forms.ValidationError(
                    _(
                        "Les tranches de quotient %(first)s et %(second)s se chevauchent : un quotient doit tomber dans une seule tranche."
                    )
                    % {"first": _bracket(low, high), "second": _bracket(next_low, next_high)}
                )
        if getattr(self.instance, "mode", None) == PricingMode.BRACKETS and not ranges:
            raise forms.ValidationError(
                _("Un tarif par tranches de quotient doit avoir au moins une tranche.")
            )


def _bracket(low: int, high: int | None) -> str:
    if high is None:
        return _("« %(low)s et plus »") % {"low": low}
    return _("« %(low)s à %(high)s »") % {"low": low, "high": high}


class TariffBracketInline(admin.TabularInline):
    model = TariffBracket
    formset = TariffBracketFormSet
    extra = 3
    fields = ("qf_min", "qf_max", "price_cents")


@admin.register(TariffRule)
class TariffRuleAdmin(admin.ModelAdmin):
    form = TariffRuleForm
    inlines = [TariffBracketInline]
    list_display = ("activity", "valid_from", "valid_until", "mode", "unit")
    list_filter = ("mode", "unit", "activity")
    list_select_related = ("activity",)
    date_hierarchy = "valid_from"
    fieldsets = (
        (None, {"fields": ("activity", "valid_from", "valid_until", "mode", "unit")}),
        (_("Tranches de quotient"), {"fields": ("non_resident_price_cents",)}),
        (
            _("Taux d'effort"),
            {"fields": ("effort_base", "effort_rate", "floor_cents", "ceiling_cents")},
        ),
    )


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdmin):
    list_display = ("month", "status", "created_at", "issued_at")
    list_filter = ("status",)
    exclude = ("summary",)


@admin.register(TaxCertificate)
class TaxCertificateAdmin(ReadOnlyAdmin):
    list_display = ("household", "year", "amount_cents", "created_at")
    list_filter = ("year",)
    list_select_related = ("household__party",)
