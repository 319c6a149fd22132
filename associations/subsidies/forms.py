"""Input of the subsidies' pages, validated with clear French messages. Amounts are typed in euros
("1 500,00") and cleaned into cents."""

from django import forms
from django.utils.translation import gettext_lazy as _

from associations.subsidies.enums import ApplicationState, Opinion, ReportState
from associations.subsidies.models import Campaign
from associations.subsidies.selectors import AGENT_STATES
from regie.forms import EurosField
from regie.money import format_eur

TEXT_MAX_LENGTH = 5000


class AmountField(EurosField):
    """An amount in euros that may be 0,00 € (a refusal; nothing spent or received)."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            if error.code == "not_positive":
                return 0
            raise


def _text(label, *, required: bool, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX_LENGTH,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Ce champ est obligatoire.")},
    )


class DocumentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.title


# The association's side ------------------------------------------------------------------------------


class ReportForm(forms.Form):
    """The financial report: the project's actual totals, a comment, the document from the vault."""

    actual_expenses_cents = AmountField(
        label=_("Dépenses réalisées"),
        error_messages={"required": _("Indiquez le total des dépenses réalisées, en euros.")},
        help_text=_("Le total des dépenses du projet, en euros. Par exemple : 12 480,00."),
    )
    actual_income_cents = AmountField(
        label=_("Recettes réalisées"),
        error_messages={"required": _("Indiquez le total des recettes réalisées, en euros.")},
        help_text=_("Le total des recettes du projet, la subvention de la commune comprise."),
    )
    comment = _text(
        _("Commentaire"),
        required=False,
        help_text=_("Ce que le projet a permis, les écarts avec le budget prévisionnel et leurs raisons."),
    )
    document = DocumentChoiceField(
        label=_("Compte rendu financier"),
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
        help_text=_(
            "Le document « Compte rendu financier d'une subvention » du coffre-fort de l'association."
        ),
        error_messages={
            "required": _("Choisissez le compte rendu financier dans le coffre-fort de l'association."),
            "invalid_choice": _("Choisissez le compte rendu financier dans le coffre-fort de l'association."),
        },
    )

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = documents


# The back-office ------------------------------------------------------------------------------------


class ScoreForm(forms.Form):
    """The campaign's score grid: one score per criterion, from 0 to its maximum, and a comment."""

    def __init__(self, *args, grid, **kwargs):
        super().__init__(*args, **kwargs)
        self.grid = grid
        for row in grid:
            criterion = row.criterion
            self.fields[self.name_of(criterion)] = forms.IntegerField(
                label=criterion.label,
                min_value=0,
                max_value=criterion.max_score,
                initial=row.score,
                help_text=_("Note de 0 à %(max)d, coefficient %(weight)d.")
                % {"max": criterion.max_score, "weight": criterion.weight},
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                error_messages={
                    "required": _("Notez ce critère."),
                    "invalid": _("Saisissez un nombre entier."),
                    "min_value": _("La note va de 0 à %(max)d.") % {"max": criterion.max_score},
                    "max_value": _("La note va de 0 à %(max)d.") % {"max": criterion.max_score},
                },
            )
        self.fields["comment"] = _text(_("Commentaire de l'évaluation"), required=False)

    @staticmethod
    def name_of(criterion) -> str:
        return f"criterion_{criterion.pk}"

    def scores(self) -> dict[int, int]:
        return {row.criterion.pk: self.cleaned_data[self.name_of(row.criterion)] for row in self.grid}


class OpinionForm(forms.Form):
    opinion = forms.ChoiceField(
        label=_("Avis du service"),
        choices=Opinion.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez un avis : favorable, réservé ou défavorable.")},
    )
    text = _text(
        _("Motif de l'avis"), required=False, help_text=_("Obligatoire pour un avis réservé ou défavorable.")
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("opinion") in (Opinion.RESERVED, Opinion.UNFAVOURABLE)
            and not cleaned.get("text", "").strip()
        ):
            self.add_error("text", _("Motivez un avis réservé ou défavorable : le comité le lira."))
        return cleaned


class DecisionForm(forms.Form):
    granted_cents = AmountField(
        label=_("Montant accordé par le comité"),
        error_messages={"required": _("Indiquez le montant accordé, ou 0 pour refuser la subvention.")},
    )
    motivation = _text(
        _("Motif de la décision"),
        required=True,
        help_text=_("L'association le lit dans son espace et dans le courrier de décision."),
    )

    def __init__(self, *args, requested_cents: int, remaining_cents: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.requested_cents = requested_cents
        self.fields["granted_cents"].help_text = _(
            "En euros, au plus le montant demandé (%(requested)s) ; 0 pour refuser la subvention. "
            "Il reste %(remaining)s dans l'enveloppe."
        ) % {"requested": format_eur(requested_cents), "remaining": format_eur(remaining_cents)}

    def clean_granted_cents(self):
        granted = self.cleaned_data["granted_cents"]
        if granted is not None and granted > self.requested_cents:
            raise forms.ValidationError(
                _("Le montant accordé ne peut pas dépasser le montant demandé (%(requested)s).")
                % {"requested": format_eur(self.requested_cents)}
            )
        return granted


class ApplicationFilterForm(forms.Form):
    """The back-office list's filters (GET); an unknown value is ignored."""

    campagne = forms.ModelChoiceField(
        label=_("Campagne"),
        queryset=Campaign.objects.order_by("-year"),
        required=False,
        empty_label=_("Toutes"),
    )
    etat = forms.ChoiceField(
        label=_("État"),
        required=False,
        choices=[("", _("Tous"))] + [(state.value, ApplicationState(state).label) for state in AGENT_STATES],
    )
    avis = forms.ChoiceField(
        label=_("Avis"),
        required=False,
        choices=[("", _("Tous")), ("none", _("Sans avis"))] + list(Opinion.choices),
    )
    q = forms.CharField(label=_("Association ou référence"), required=False, max_length=100)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        campaign = data.get("campagne")
        return {
            "campaign_id": campaign.pk if campaign else None,
            "state": data.get("etat", ""),
            "opinion": data.get("avis", ""),
            "query": data.get("q", ""),
        }


class ReportFilterForm(forms.Form):
    etat = forms.ChoiceField(
        label=_("Compte rendu"), required=False, choices=[("", _("Tous"))] + list(ReportState.choices)
    )

    def state(self) -> str:
        return self.cleaned_data.get("etat", "") if self.is_valid() else ""
