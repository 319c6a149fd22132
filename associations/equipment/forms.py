"""Forms of the equipment pages, with French messages. The services check everything again."""

from datetime import date

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations.equipment.availability import period_label
from associations.equipment.enums import DeliveryMode
from associations.equipment.models import Item, LoanLine
from associations.equipment.services import MAX_LOAN_DAYS, ReturnCount
from coffre.forms import DateInput

# The longest period the catalogue shows availability for (a loan lasts less; an agent planning
# ahead may look further).
MAX_LOOKUP_DAYS = 92


def _quantity_widget() -> forms.NumberInput:
    return forms.NumberInput(attrs={"min": 0, "inputmode": "numeric", "class": "equipment-quantity"})


class PeriodForm(forms.Form):
    """The catalogue's dates (GET): both or neither."""

    debut = forms.DateField(
        label=gettext_lazy("Premier jour"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": gettext_lazy("Saisissez une date valide, par exemple 12/06/2026.")},
    )
    fin = forms.DateField(
        label=gettext_lazy("Dernier jour"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": gettext_lazy("Saisissez une date valide, par exemple 14/06/2026.")},
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("debut"), cleaned.get("fin")
        if self.errors:
            return cleaned
        if start and not end:
            self.add_error("fin", _("Indiquez aussi le dernier jour."))
        elif end and not start:
            self.add_error("debut", _("Indiquez aussi le premier jour."))
        elif start and end:
            if end < start:
                self.add_error("fin", _("Le dernier jour est le premier jour ou après."))
            elif (end - start).days + 1 > MAX_LOOKUP_DAYS:
                self.add_error(
                    "fin", _("Choisissez une période de %(days)s jours au plus.") % {"days": MAX_LOOKUP_DAYS}
                )
        return cleaned

    def period(self) -> tuple[date | None, date | None]:
        if not self.is_bound or not self.is_valid():
            return None, None
        return self.cleaned_data.get("debut"), self.cleaned_data.get("fin")


def item_field_name(item: Item) -> str:
    return f"article_{item.pk}"


class LoanRequestForm(forms.Form):
    """A loan request: for which association, when, what for, how many of each item, how it travels."""

    association = forms.TypedChoiceField(
        label=gettext_lazy("Pour quelle association ?"),
        coerce=int,
        error_messages={
            "required": gettext_lazy("Choisissez l'association qui emprunte."),
            "invalid_choice": gettext_lazy("Choisissez une de vos associations vérifiées."),
        },
    )
    debut = forms.DateField(
        label=gettext_lazy("Premier jour du prêt"),
        widget=DateInput(),
        help_text=gettext_lazy("Le jour où vous prenez ou recevez le matériel."),
        error_messages={
            "required": gettext_lazy("Indiquez le premier jour du prêt."),
            "invalid": gettext_lazy("Saisissez une date valide, par exemple 12/06/2026."),
        },
    )
    fin = forms.DateField(
        label=gettext_lazy("Dernier jour du prêt"),
        widget=DateInput(),
        error_messages={
            "required": gettext_lazy("Indiquez le dernier jour du prêt."),
            "invalid": gettext_lazy("Saisissez une date valide, par exemple 14/06/2026."),
        },
    )
    purpose = forms.CharField(
        label=gettext_lazy("Manifestation"),
        max_length=200,
        help_text=gettext_lazy("Par exemple « Fête de quartier du parc », « Assemblée générale »."),
        error_messages={
            "required": gettext_lazy("Indiquez la manifestation pour laquelle vous empruntez ce matériel.")
        },
    )
    delivery_mode = forms.ChoiceField(
        label=gettext_lazy("Livraison ou retrait"),
        choices=DeliveryMode.choices,
        initial=DeliveryMode.PICKUP,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choisissez la livraison ou le retrait à l'atelier municipal.")
        },
    )
    delivery_address = forms.CharField(
        label=gettext_lazy("Adresse de livraison"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("Seulement pour une livraison : le lieu de la manifestation."),
    )
    contact_name = forms.CharField(
        label=gettext_lazy("Personne à contacter"),
        max_length=140,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Son téléphone"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("Obligatoire pour une livraison : le livreur appelle en arrivant."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    note = forms.CharField(
        label=gettext_lazy("Précisions"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Horaires de livraison, accès au lieu, étage…"),
    )

    def __init__(self, *args, associations, items: list[Item], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fin"].help_text = _("Le jour où vous le rendez (%(days)s jours au plus en tout).") % {
            "days": MAX_LOAN_DAYS
        }
        self.associations = {entry.association.pk: entry.association for entry in associations}
        self.fields["association"].choices = [(entry.association.pk, entry.label) for entry in associations]
        self.items = items
        for item in items:
            self.fields[item_field_name(item)] = forms.IntegerField(
                label=item.name,
                required=False,
                min_value=0,
                widget=_quantity_widget(),
                help_text=self._hint(item, None),
                error_messages={
                    "invalid": _("Indiquez un nombre de %(units)s, 0 si vous n'en voulez pas.")
                    % {"units": item.unit_plural},
                    "min_value": _("Le nombre ne peut pas être négatif."),
                },
            )

    @staticmethod
    def _hint(item: Item, left_text: str | None) -> str:
        parts = [left_text or _("%(stock)s en tout.") % {"stock": item.units(item.stock)}]
        if item.max_per_loan:
            parts.append(_("Au plus %(most)s par prêt.") % {"most": item.max_per_loan})
        if not item.deliverable:
            parts.append(_("À retirer à l'atelier (ne se livre pas)."))
        return " ".join(parts)

    def show_left(self, left: dict[int, int], start: date, end: date) -> None:
        """Write what is left over the period under each item's field."""
        period = period_label(start, end)
        for item in self.items:
            text = _("%(left)s disponibles %(period)s (sur %(stock)s).") % {
                "left": left.get(item.pk, 0),
                "period": period,
                "stock": item.stock,
            }
            hint = self._hint(item, text)
            # A bound field copies its help text when first made (the validation made them all).
            self.fields[item_field_name(item)].help_text = hint
            self[item_field_name(item)].help_text = hint

    def item_fields(self) -> list:
        return [self[item_field_name(item)] for item in self.items]

    def other_fields(self, *names: str) -> list:
        return [self[name] for name in names]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("debut"), cleaned.get("fin")
        if start and end and end < start:
            self.add_error("fin", _("La date de fin doit être le jour du début ou après."))
        if not self.errors and not any(cleaned.get(item_field_name(item)) for item in self.items):
            self.add_error(None, _("Indiquez combien vous empruntez d'au moins un matériel."))
        if cleaned.get("delivery_mode") == DeliveryMode.DELIVERY:
            if not (cleaned.get("delivery_address") or "").strip():
                self.add_error("delivery_address", _("Indiquez l'adresse où livrer le matériel."))
            if not (cleaned.get("contact_phone") or "").strip():
                self.add_error(
                    "contact_phone", _("Indiquez le téléphone de la personne qui recevra le matériel.")
                )
        return cleaned

    def period(self) -> tuple[date | None, date | None]:
        """The dates typed, once they are valid and in order (for the availability hints)."""
        data = getattr(self, "cleaned_data", {})
        start, end = data.get("debut"), data.get("fin")
        if start and end and start <= end:
            return start, end
        return None, None

    def quantities(self) -> dict[int, int]:
        return {item.pk: self.cleaned_data.get(item_field_name(item)) or 0 for item in self.items}

    def chosen_association(self):
        return self.associations[self.cleaned_data["association"]]


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif du refus"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("L'association le lit dans son espace et dans la notification."),
        error_messages={"required": gettext_lazy("Indiquez le motif du refus : l'association le lira.")},
    )


class ReturnForm(forms.Form):
    """The return check: per line, how many came back in all, how many damaged, the damage seen."""

    note = forms.CharField(
        label=gettext_lazy("Remarques sur le retour"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, lines: list[LoanLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            most = line.quantity - line.lost_quantity
            units = line.item.unit_plural
            self.fields[f"rendus_{line.pk}"] = forms.IntegerField(
                label=_("Rendus en tout"),
                min_value=0,
                max_value=most,
                initial=line.returned_quantity if line.returned_quantity else most,
                widget=_quantity_widget(),
                help_text=_("%(lent)s prêtés.") % {"lent": line.item.units(line.quantity)},
                error_messages={
                    "required": _("Indiquez combien de %(units)s sont revenues (0 si aucune).")
                    % {"units": units},
                    "invalid": _("Indiquez un nombre."),
                    "min_value": _("Le nombre ne peut pas être négatif."),
                    "max_value": _("Il en a été prêté %(lent)s : il ne peut pas en revenir plus.")
                    % {"lent": most},
                },
            )
            self.fields[f"abimes_{line.pk}"] = forms.IntegerField(
                label=_("Dont abîmés"),
                min_value=0,
                initial=line.damaged_quantity,
                widget=_quantity_widget(),
                error_messages={
                    "required": _("Indiquez combien sont abîmés (0 si aucun)."),
                    "invalid": _("Indiquez un nombre."),
                    "min_value": _("Le nombre ne peut pas être négatif."),
                },
            )
            self.fields[f"degats_{line.pk}"] = forms.CharField(
                label=_("Dégâts constatés"),
                required=False,
                max_length=2000,
                initial=line.damage_note,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def groups(self) -> list[tuple[LoanLine, list]]:
        """Each line with its three fields, for one fieldset per item."""
        return [
            (line, [self[f"rendus_{line.pk}"], self[f"abimes_{line.pk}"], self[f"degats_{line.pk}"]])
            for line in self.lines
        ]

    def clean(self):
        cleaned = super().clean()
        for line in self.lines:
            returned, damaged = cleaned.get(f"rendus_{line.pk}"), cleaned.get(f"abimes_{line.pk}")
            if returned is None or damaged is None:
                continue
            if returned < line.returned_quantity:
                self.add_error(
                    f"rendus_{line.pk}",
                    _("%(before)s étaient déjà comptés rendus : indiquez le total rendu depuis le départ.")
                    % {"before": line.returned_quantity},
                )
            if damaged > returned:
                self.add_error(f"abimes_{line.pk}", _("Il y en a plus d'abîmés que de rendus."))
            elif damaged and not (cleaned.get(f"degats_{line.pk}") or "").strip():
                self.add_error(f"degats_{line.pk}", _("Décrivez les dégâts constatés."))
        return cleaned

    def counts(self) -> dict[int, ReturnCount]:
        return {
            line.pk: ReturnCount(
                returned=self.cleaned_data[f"rendus_{line.pk}"],
                damaged=self.cleaned_data[f"abimes_{line.pk}"],
                damage_note=self.cleaned_data.get(f"degats_{line.pk}", ""),
            )
            for line in self.lines
        }


class StockForm(forms.Form):
    debut = forms.DateField(
        label=gettext_lazy("À partir de la semaine du"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": gettext_lazy("Saisissez une date valide, par exemple 01/06/2026.")},
    )
