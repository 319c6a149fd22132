"""Forms of the agents' attendance sheets and occupancy dashboard (part F4), with French messages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from famille.enums import Attendance


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class SiteDayForm(forms.Form):
    """The site and the day of the attendance sheets (today by default)."""

    site = forms.ModelChoiceField(
        label=_("Lieu d'accueil"),
        queryset=None,
        empty_label=_("Choisissez un lieu"),
        error_messages={
            "required": _("Choisissez le lieu d'accueil."),
            "invalid_choice": _("Choisissez un lieu d'accueil de la liste."),
        },
    )
    jour = forms.DateField(
        label=_("Jour"),
        help_text=_("Par exemple 12/11/2026."),
        input_formats=DATE_FORMATS,
        widget=DateInput(),
        error_messages={
            "required": _("Indiquez le jour."),
            "invalid": _("Indiquez une date valide, par exemple 12/11/2026."),
        },
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites


class SiteWeekForm(SiteDayForm):
    """The site and a day of the ISO week shown on the occupancy dashboard."""

    jour = forms.DateField(
        label=_("Semaine du"),
        help_text=_("Un jour de la semaine voulue, par exemple 12/11/2026."),
        input_formats=DATE_FORMATS,
        widget=DateInput(),
        error_messages={
            "required": _("Indiquez un jour de la semaine."),
            "invalid": _("Indiquez une date valide, par exemple 12/11/2026."),
        },
    )


def field_name(booking_id: int) -> str:
    return f"presence-{booking_id}"


ALL_PRESENT = "tous_presents"


class AttendanceSheetForm(forms.Form):
    """One choice per child of the sheet (present / absent / absence justifiée); at least one ticked.

    A child left without a mark stays as they were (a late arrival is ticked later), unless the
    agent sends the sheet with the "the others are present" button (`tous_presents`): a canteen
    of a hundred children is then ticked by its absences only.
    """

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for row in rows:
            name = field_name(row.booking.pk)
            self.fields[name] = forms.ChoiceField(
                label=str(row.child),
                choices=Attendance.choices,
                required=False,
                initial=row.booking.attendance or None,
                widget=forms.RadioSelect,
                error_messages={
                    "invalid_choice": _("Choisissez « présent », « absent » ou « absence justifiée ».")
                },
            )
            self.rows.append((row, self[name]))

    @property
    def all_present(self) -> bool:
        return self.is_bound and ALL_PRESENT in self.data

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.all_present and not any(cleaned.values()):
            raise forms.ValidationError(_("Cochez la présence d'au moins un enfant."), code="empty")
        return cleaned

    def marks(self) -> dict[int, str]:
        """{booking id: attendance} of the children ticked (all of them with `tous_presents`: the
        children left unticked, and not marked yet, are present)."""
        marks = {}
        for row, bound in self.rows:
            value = self.cleaned_data.get(bound.name)
            if not value and self.all_present and not row.booking.attendance:
                value = Attendance.PRESENT
            if value:
                marks[row.booking.pk] = value
        return marks
