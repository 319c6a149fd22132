"""The statistics page's filters: a GET form, every field optional (the last twelve months by default)."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demarches.selectors.stats import MAX_MONTHS, Period, add_months
from guichet.accounts.models import Service


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class StatsFilterForm(forms.Form):
    service = forms.ChoiceField(label=gettext_lazy("Service"), required=False)
    du = forms.DateField(
        label=gettext_lazy("Du"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Vide : le premier jour du mois, il y a onze mois."),
    )
    au = forms.DateField(
        label=gettext_lazy("Au"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Vide : aujourd'hui."),
    )

    def __init__(
        self,
        data=None,
        *,
        services: list[Service],
        every_service: bool = False,
        today: date | None = None,
        **kwargs,
    ):
        """`services`: those the user may read; `every_service`: an administrator's, all of the town's."""
        super().__init__(data, **kwargs)
        self.services = services
        self.today = today or timezone.localdate()
        default = Period.default(self.today)
        self.fields["du"].initial, self.fields["au"].initial = default.start, default.end
        self.fields["service"].choices = [
            (
                "",
                _("Tous les services")
                if every_service
                else _("Tous mes services")
                if len(services) > 1
                else _("Mon service"),
            ),
            *((str(service.pk), service.name) for service in services),
        ]
        self.fields["service"].error_messages["invalid_choice"] = _("Choisissez un service de la liste.")

    def clean(self):
        cleaned = super().clean()
        default = Period.default(self.today)
        start = cleaned.get("du") or default.start
        end = cleaned.get("au") or default.end
        if "du" in self.errors or "au" in self.errors:
            return cleaned
        if end < start:
            self.add_error("au", _("La fin de la période ne peut pas précéder son début."))
        elif end >= add_months(start, MAX_MONTHS):
            self.add_error(
                "au", _("Choisissez une période de %(months)d mois au plus.") % {"months": MAX_MONTHS}
            )
        else:
            cleaned["period"] = Period(start=start, end=end)
        return cleaned

    def selection(self) -> tuple[list[Service], Period] | None:
        """The services and the period asked for (every service given by default), or None if invalid."""
        if not self.is_bound:
            return self.services, Period.default(self.today)
        if not self.is_valid():
            return None
        chosen = self.cleaned_data.get("service")
        services = (
            [service for service in self.services if str(service.pk) == chosen] if chosen else self.services
        )
        return services, self.cleaned_data["period"]
