"""Forms of the rooms' pages, with French messages. The services check the rules again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from associations.rooms.enums import WEEKDAYS, RoomCondition
from associations.selectors import ActingParty
from regie.forms import EurosField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


def _time(label, **kwargs) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        widget=TimeInput,
        error_messages={
            "required": _("Indiquez l'heure."),
            "invalid": _("Indiquez une heure, par exemple 18:00."),
        },
        **kwargs,
    )


def _date(label, required_message, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DateInput,
        error_messages={
            "required": required_message,
            "invalid": _("Indiquez une date valide, par exemple 15/09/2026."),
        },
        **kwargs,
    )


class _RequestForm(forms.Form):
    """For whom, what, how many: what a one-off and a weekly request share."""

    party = forms.ChoiceField(
        label=_("Pour le compte de"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez pour le compte de qui vous réservez."),
            "invalid_choice": _("Choisissez l'un des titulaires proposés."),
        },
    )
    purpose = forms.CharField(
        label=_("Objet ou nom de l'événement"),
        max_length=200,
        help_text=_("Par exemple : assemblée générale, entraînement, anniversaire."),
        error_messages={
            "required": _("Indiquez l'objet de la réservation."),
            "max_length": _("L'objet compte 200 caractères au plus."),
        },
    )
    attendees = forms.IntegerField(
        label=_("Nombre de participants attendus"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Indiquez le nombre de participants attendus."),
            "invalid": _("Indiquez un nombre entier."),
            "min_value": _("Indiquez au moins 1 participant."),
        },
    )

    def __init__(self, *args, parties: list[ActingParty], capacity: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.parties = {str(party.party.pk): party for party in parties}
        self.fields["party"].choices = [(key, party.label) for key, party in self.parties.items()]
        if len(parties) == 1 and not self.is_bound:
            self.initial.setdefault("party", next(iter(self.parties)))
        self.fields["attendees"].help_text = _("La salle accueille %(capacity)d personnes au plus.") % {
            "capacity": capacity
        }
        self.fields["attendees"].widget.attrs["max"] = capacity

    def clean_party(self):
        return self.parties[self.cleaned_data["party"]].party

    def _check_times(self, cleaned):
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("L'heure de fin doit suivre l'heure de début."))


class BookingForm(_RequestForm):
    day = _date(_("Date"), _("Indiquez la date."))
    start = _time(_("De"))
    end = _time(_("À"))

    field_order = ["party", "day", "start", "end", "purpose", "attendees"]

    def clean(self):
        cleaned = super().clean()
        self._check_times(cleaned)
        return cleaned


class SeriesForm(_RequestForm):
    weekday = forms.TypedChoiceField(
        label=_("Chaque"),
        choices=WEEKDAYS,
        coerce=int,
        error_messages={
            "required": _("Choisissez le jour de la semaine."),
            "invalid_choice": _("Choisissez un jour."),
        },
    )
    start = _time(_("De"))
    end = _time(_("À"))
    first_date = _date(_("À partir du"), _("Indiquez la première date."))
    last_date = _date(
        _("Jusqu'au"),
        _("Indiquez la dernière date."),
        help_text=_("Une saison d'un an au plus. Les jours fériés sont sautés."),
    )

    field_order = ["party", "weekday", "start", "end", "first_date", "last_date", "purpose", "attendees"]

    def clean(self):
        cleaned = super().clean()
        self._check_times(cleaned)
        first, last = cleaned.get("first_date"), cleaned.get("last_date")
        if first and last and last < first:
            self.add_error("last_date", _("La dernière date doit suivre la première."))
        return cleaned


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Le demandeur le lit : proposez si possible un autre créneau."),
        error_messages={"required": _("Indiquez le motif du refus.")},
    )


class CheckForm(forms.Form):
    condition = forms.ChoiceField(
        label=_("État de la salle"),
        choices=RoomCondition.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Indiquez dans quel état la salle a été rendue.")},
    )
    damage_notes = forms.CharField(
        label=_("Constat"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Obligatoire en cas de dégradations : ce qui a été constaté, où."),
    )
    kept = EurosField(
        label=_("Retenue sur la caution (euros)"),
        required=False,
        help_text=_("Laissez vide pour libérer toute la caution."),
    )

    def __init__(self, *args, deposit_cents: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.deposit_cents = deposit_cents
        if not deposit_cents:
            del self.fields["kept"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("condition") == RoomCondition.DAMAGED and not cleaned.get("damage_notes", "").strip():
            self.add_error("damage_notes", _("Décrivez les dégradations ou manquements constatés."))
        kept = cleaned.get("kept") or 0
        if kept > self.deposit_cents:
            self.add_error("kept", _("La retenue ne peut pas dépasser la caution."))
        if kept and cleaned.get("condition") == RoomCondition.GOOD:
            self.add_error("kept", _("Une retenue suppose des dégradations constatées."))
        cleaned["kept"] = kept
        return cleaned
