"""Forms of the billing pages (part F3), with French messages."""

import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthInput(forms.TextInput):
    input_type = "month"


class BillingMonthForm(forms.Form):
    """The month to prepare (or recompute), written AAAA-MM (a month picker where browsers have one)."""

    month = forms.CharField(
        label=_("Mois à facturer"),
        help_text=_("Au format AAAA-MM, par exemple 2026-11. Seul un mois terminé peut être facturé."),
        widget=MonthInput(attrs={"pattern": r"\d{4}-\d{2}", "inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Indiquez le mois à facturer.")},
    )

    def clean_month(self) -> date:
        value = self.cleaned_data["month"].strip()
        match = MONTH.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
            raise forms.ValidationError(_("Indiquez un mois au format AAAA-MM, par exemple 2026-11."))
        return date(int(match.group(1)), int(match.group(2)), 1)


class IssueForm(forms.Form):
    """Issuing is final: the agent ticks that they reviewed the draft."""

    confirm = forms.BooleanField(
        label=_("J'ai vérifié les totaux et les anomalies : émettre une facture par foyer."),
        error_messages={"required": _("Cochez la case pour confirmer l'émission des factures.")},
    )
