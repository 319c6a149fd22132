"""Forms of enrolments and bookings (part F2), with French messages."""

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

WEEKDAYS = [
    (0, _("Lundi")),
    (1, _("Mardi")),
    (2, _("Mercredi")),
    (3, _("Jeudi")),
    (4, _("Vendredi")),
    (5, _("Samedi")),
    (6, _("Dimanche")),
]
# A recurring booking spans at most a school year.
MAX_SPAN = timedelta(days=366)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ActivitySiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.activity.name} — {obj.site.name}"


class EnrolmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.activity.name} — {obj.site.name} ({obj.school_year.name})"


class EnrolmentRequestForm(forms.Form):
    child = forms.ModelChoiceField(
        label=_("Enfant"),
        queryset=None,
        empty_label=_("Choisissez un enfant"),
        error_messages={
            "required": _("Choisissez l'enfant à inscrire."),
            "invalid_choice": _("Choisissez un enfant de votre foyer."),
        },
    )
    activity_site = ActivitySiteChoiceField(
        label=_("Activité et lieu"),
        queryset=None,
        empty_label=_("Choisissez une activité"),
        error_messages={
            "required": _("Choisissez l'activité et le lieu."),
            "invalid_choice": _("Choisissez une activité de la liste."),
        },
    )
    school_year = forms.ModelChoiceField(
        label=_("Année scolaire"),
        queryset=None,
        empty_label=None,
        error_messages={
            "required": _("Choisissez l'année scolaire."),
            "invalid_choice": _("Choisissez une année scolaire de la liste."),
        },
    )

    def __init__(self, *args, children, activity_sites, school_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = children
        self.fields["activity_site"].queryset = activity_sites
        self.fields["school_year"].queryset = school_years


class RecurringBookingForm(forms.Form):
    """ "Every Monday, Tuesday and Thursday until the end of the term", for one of the child's enrolments."""

    enrolment = EnrolmentChoiceField(
        label=_("Activité"),
        queryset=None,
        empty_label=None,
        error_messages={
            "required": _("Choisissez l'activité à réserver."),
            "invalid_choice": _("Choisissez une activité de la liste."),
        },
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Les jours de la semaine"),
        choices=WEEKDAYS[:5],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins un jour de la semaine.")},
    )
    start = forms.DateField(
        label=_("À partir du"),
        widget=DateInput,
        error_messages={
            "required": _("Indiquez le premier jour."),
            "invalid": _("Indiquez une date valide."),
        },
    )
    until = forms.DateField(
        label=_("Jusqu'au"),
        help_text=_("Par défaut, la fin de la période scolaire (veille des prochaines vacances)."),
        widget=DateInput,
        error_messages={
            "required": _("Indiquez le dernier jour."),
            "invalid": _("Indiquez une date valide."),
        },
    )

    def __init__(self, *args, enrolments, weekend: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = enrolments
        if weekend:
            self.fields["weekdays"].choices = WEEKDAYS

    def clean(self):
        cleaned = super().clean()
        start, until = cleaned.get("start"), cleaned.get("until")
        if start and until:
            if until < start:
                self.add_error("until", _("Le dernier jour doit suivre le premier."))
            elif until - start > MAX_SPAN:
                self.add_error("until", _("Réservez au plus une année scolaire à la fois."))
        return cleaned


class CalendarForm(forms.Form):
    """The month calendar's plain form: days ticked to book (`book`, session ids), bookings ticked to
    cancel (`cancel`), or a whole week (`week`, its Monday)."""

    book = forms.TypedMultipleChoiceField(coerce=int, required=False)
    cancel = forms.TypedMultipleChoiceField(coerce=int, required=False)
    week = forms.DateField(required=False)

    def __init__(self, *args, calendar, **kwargs):
        super().__init__(*args, **kwargs)
        entries = list(calendar.entries())
        self.fields["book"].choices = [(entry.session.pk, entry.session.pk) for entry in entries]
        self.fields["cancel"].choices = [
            (entry.booking.pk, entry.booking.pk)
            for entry in entries
            if entry.booking is not None and entry.booking.household_id == calendar.household.pk
        ]
        self.fields["book"].error_messages["invalid_choice"] = _(
            "Un des jours cochés n'est pas dans ce calendrier : rechargez la page."
        )
        self.fields["cancel"].error_messages["invalid_choice"] = _(
            "Une des réservations cochées n'est plus la vôtre : rechargez la page."
        )

    def clean(self):
        cleaned = super().clean()
        # The checkboxes are the calendar's cells, not one field: their errors go to the form's summary.
        for name in ("book", "cancel", "week"):
            for error in self._errors.pop(name, []):
                self.add_error(None, error)
        if not self.errors and not (cleaned.get("book") or cleaned.get("cancel") or cleaned.get("week")):
            raise forms.ValidationError(_("Cochez au moins un jour à réserver ou une réservation à annuler."))
        return cleaned


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        help_text=_("Il sera communiqué à la famille."),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Indiquez le motif du refus : il sera communiqué à la famille.")},
    )


class EnrolmentFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("État"), required=False)
    activity = forms.TypedChoiceField(label=_("Activité"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, statuses, activities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Tous les états")), *statuses]
        self.fields["activity"].choices = [
            ("", _("Toutes les activités")),
            *[(a.pk, a.name) for a in activities],
        ]
