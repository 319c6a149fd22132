"""Input of the family file's pages (part F1), with French messages.

The services check everything again; these forms say what is wrong field by field.
"""

from datetime import date

from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coffre.forms import DateInput
from famille.enums import SchoolLevel, SiteKind
from famille.models import Site
from regie.forms import EurosField

PHONE = RegexValidator(
    r"^\+?[0-9 .()-]{6,20}$",
    gettext_lazy("Indiquez un numéro de téléphone, par exemple 06 12 34 56 78."),
)
POSTAL_CODE = RegexValidator(r"^[0-9]{5}$", gettext_lazy("Indiquez un code postal à 5 chiffres."))


class HouseholdForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Nom du foyer"),
        max_length=120,
        help_text=gettext_lazy("Par exemple « Famille Martin ». Les agents de la mairie le voient."),
    )
    address = forms.CharField(
        label=gettext_lazy("Adresse"),
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postal_code = forms.CharField(
        label=gettext_lazy("Code postal"),
        max_length=5,
        validators=[POSTAL_CODE],
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    city = forms.CharField(
        label=gettext_lazy("Commune"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Téléphone du foyer"),
        max_length=32,
        validators=[PHONE],
        help_text=gettext_lazy("Le numéro où joindre la famille en cas de besoin pendant une activité."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Adresse électronique du foyer"),
        required=False,
        help_text=gettext_lazy("Facultative : sinon, la mairie écrit aux responsables légaux."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Adresse électronique de l'autre responsable légal"),
        help_text=gettext_lazy(
            "Nous lui envoyons un lien valable 14 jours. Il ou elle l'accepte avec son propre compte, "
            "ouvert avec cette adresse."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class ShareChildForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Adresse électronique de l'autre parent"),
        help_text=gettext_lazy(
            "En garde alternée : l'autre parent reçoit un lien valable 14 jours et ajoute l'enfant à son "
            "propre dossier famille. Chaque foyer réserve et paie ses jours."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class ChildForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("Prénom"), max_length=100)
    last_name = forms.CharField(label=gettext_lazy("Nom"), max_length=100)
    birth_date = forms.DateField(
        label=gettext_lazy("Date de naissance"),
        widget=DateInput(),
        help_text=gettext_lazy("Par exemple 14/03/2018."),
    )
    school = forms.ModelChoiceField(
        label=gettext_lazy("École"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=gettext_lazy("Pas encore scolarisé, ou école d'une autre commune"),
    )
    school_level = forms.ChoiceField(
        label=gettext_lazy("Classe"),
        choices=[("", gettext_lazy("Pas de classe"))] + list(SchoolLevel.choices),
        required=False,
    )
    image_rights = forms.BooleanField(
        label=gettext_lazy("J'autorise la mairie à photographier ou filmer mon enfant pendant les activités"),
        required=False,
        help_text=gettext_lazy("Vous pouvez changer d'avis à tout moment."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = Site.objects.filter(kind=SiteKind.SCHOOL).order_by("name")

    def clean_birth_date(self) -> date:
        birth_date = self.cleaned_data["birth_date"]
        if birth_date > timezone.localdate():
            raise forms.ValidationError(_("La date de naissance ne peut pas être dans le futur."))
        if birth_date.year < timezone.localdate().year - 25:
            raise forms.ValidationError(_("Vérifiez l'année de naissance."))
        return birth_date


class HealthForm(forms.Form):
    allergies = forms.CharField(
        label=gettext_lazy("Allergies"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Alimentaires, médicamenteuses ou autres ; laissez vide s'il n'y en a pas."),
    )
    medical_notes = forms.CharField(
        label=gettext_lazy("Informations médicales utiles"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Traitement, asthme, régime… Seuls les agents habilités les lisent."),
    )
    has_pai = forms.BooleanField(
        label=gettext_lazy("Mon enfant a un projet d'accueil individualisé (PAI)"), required=False
    )
    pai_details = forms.CharField(
        label=gettext_lazy("Détails du PAI"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Ce qu'il prévoit, où se trouve la trousse d'urgence…"),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("has_pai") and not (data.get("pai_details") or "").strip():
            self.add_error("pai_details", _("Décrivez le PAI en quelques mots."))
        return data


class PickupForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nom et prénom"), max_length=200)
    relationship = forms.CharField(
        label=gettext_lazy("Lien avec l'enfant"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Par exemple : grand-mère, voisin, assistante maternelle."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Téléphone"),
        max_length=32,
        validators=[PHONE],
        widget=forms.TextInput(attrs={"type": "tel"}),
    )


class DocumentChoiceForm(forms.Form):
    """Choose, among the household vault's documents of the right type, the one to give."""

    document = forms.ModelChoiceField(
        label=gettext_lazy("Document du coffre-fort du foyer"),
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": gettext_lazy("Choisissez un document."),
            "invalid_choice": gettext_lazy("Choisissez un document de la liste."),
        },
    )

    def __init__(self, *args, documents: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["document"]
        field.queryset = documents
        field.label_from_instance = self._label

    @staticmethod
    def _label(document) -> str:
        if document.expiry_date:
            return _("%(title)s (valable jusqu'au %(date)s)") % {
                "title": document.title,
                "date": formats.date_format(document.expiry_date, "SHORT_DATE_FORMAT"),
            }
        return _("%(title)s (sans date de fin)") % {"title": document.title}


class QuotientForm(DocumentChoiceForm):
    value = forms.IntegerField(
        label=gettext_lazy("Quotient familial"),
        min_value=0,
        max_value=99999,
        help_text=gettext_lazy("Le nombre indiqué sur votre attestation de la CAF (ou de la MSA)."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    monthly_income = EurosField(
        label=gettext_lazy("Revenus mensuels du foyer (en euros)"),
        required=False,
        help_text=gettext_lazy(
            "Pour le multi-accueil, dont le prix dépend des revenus. Par exemple 2 450,00."
        ),
    )
    dependants = forms.IntegerField(
        label=gettext_lazy("Nombre d'enfants à charge"), min_value=0, max_value=20, required=False
    )
    field_order = ["value", "monthly_income", "dependants", "document"]

    def __init__(self, *args, documents: QuerySet, **kwargs):
        super().__init__(*args, documents=documents, **kwargs)
        self.fields["document"].label = _("Attestation de la CAF, dans le coffre-fort du foyer")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif du refus"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("La famille le lit : dites ce qui ne va pas et ce qu'il faut fournir."),
        error_messages={"required": gettext_lazy("Indiquez le motif du refus : la famille le lira.")},
    )


class PeriodForm(forms.Form):
    valid_from = forms.DateField(label=gettext_lazy("Valable à partir du"), widget=DateInput())
    valid_until = forms.DateField(label=gettext_lazy("Valable jusqu'au"), widget=DateInput())

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("La fin de validité ne peut pas précéder son début."))
        return data


class ResidenceForm(forms.Form):
    is_resident = forms.TypedChoiceField(
        label=gettext_lazy("Le foyer habite-t-il la commune ?"),
        choices=[("1", gettext_lazy("Oui")), ("0", gettext_lazy("Non"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Nom d'un adulte ou d'un enfant, adresse électronique ou numéro de dossier"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
