"""Configuration of the subsidy campaigns for administrators: dates, envelope, procedure, score grid.

Saving goes through `services.save_campaign` (the campaign's rules, an envelope never below what was
granted, the procedure's decision letters given on first use). The requests themselves are instructed
in the agents' back-office, not here.
"""

from django import forms
from django.contrib import admin
from django.db.models import Sum
from django.utils.translation import gettext_lazy

from associations.subsidies import services
from associations.subsidies.exceptions import CampaignRefused
from associations.subsidies.models import Campaign, Criterion
from demarches.enums import DemarcheKind
from demarches.models import Demarche
from regie.money import format_eur


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ["position", "label", "max_score", "weight"]
    extra = 0
    ordering = ["position", "pk"]
    verbose_name_plural = gettext_lazy("Grille d'évaluation (critères notés par les agents)")


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "year",
            "name",
            "opens_on",
            "closes_on",
            "envelope_cents",
            "demarche",
            "report_due_on",
            "committee_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "demarche" in self.fields:
            self.fields["demarche"].queryset = Demarche.objects.filter(
                kind=DemarcheKind.FORM, for_association=True
            ).order_by("position", "title")

    def clean(self):
        cleaned = super().clean()
        opens_on, closes_on = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens_on and closes_on and closes_on < opens_on:
            # Said here, before the overlap's check builds a reversed range that PostgreSQL refuses.
            self.add_error("closes_on", gettext_lazy("La campagne se clôt après son ouverture."))
        demarche = cleaned.get("demarche")
        if demarche is not None:
            try:
                services.check_procedure(demarche)
            except CampaignRefused as error:
                self.add_error("demarche", error.message)
        envelope = cleaned.get("envelope_cents")
        if self.instance.pk is not None and envelope is not None:
            granted = services.granted_total(self.instance)
            if envelope < granted:
                self.add_error(
                    "envelope_cents",
                    gettext_lazy("L'enveloppe ne peut pas être inférieure aux %(granted)s déjà accordés.")
                    % {"granted": format_eur(granted)},
                )
        return cleaned


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    inlines = [CriterionInline]
    list_display = ["year", "name", "opens_on", "closes_on", "envelope", "granted", "remaining"]
    list_select_related = ["demarche"]
    ordering = ["-year"]
    search_fields = ["name"]
    readonly_fields = ["granted", "remaining"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(granted_total=Sum("applications__granted_cents", default=0))
        )

    @admin.display(description=gettext_lazy("enveloppe"), ordering="envelope_cents")
    def envelope(self, obj: Campaign) -> str:
        return format_eur(obj.envelope_cents)

    @admin.display(description=gettext_lazy("accordé"))
    def granted(self, obj: Campaign) -> str:
        if obj.pk is None:
            return format_eur(0)
        total = getattr(obj, "granted_total", None)
        return format_eur(total if total is not None else services.granted_total(obj))

    @admin.display(description=gettext_lazy("reste dans l'enveloppe"))
    def remaining(self, obj: Campaign) -> str:
        if obj.pk is None or obj.envelope_cents is None:
            return ""
        total = getattr(obj, "granted_total", None)
        return format_eur(obj.envelope_cents - (total if total is not None else services.granted_total(obj)))

    def save_model(self, request, obj, form, change):
        services.save_campaign(actor=request.user, campaign=obj)
