"""Input of the associations' pages, with French messages.

The services check everything again (numbers, bank details, roles); these forms say what is
wrong field by field and keep what was typed.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations.enums import AssociationStatus, member_role_choices
from demarches.normalise import parse_rna, parse_siret
from guichet.accounts.enums import PartyRole
from guichet.public_files import check_image
from regie.exceptions import InvalidMandate
from regie.services import sepa


class AssociationForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Nom de l'association"),
        max_length=200,
        help_text=gettext_lazy("Tel qu'il figure dans les statuts."),
    )
    rna = forms.CharField(
        label=gettext_lazy("Numéro RNA"),
        max_length=20,
        required=False,
        help_text=gettext_lazy(
            "W suivi de 9 chiffres, sur le récépissé de la préfecture. RNA ou SIRET : au moins l'un des deux."
        ),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "characters"}),
    )
    siret = forms.CharField(
        label=gettext_lazy("Numéro SIRET"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("14 chiffres. Obligatoire pour recevoir une subvention publique."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )
    purpose = forms.CharField(
        label=gettext_lazy("Objet de l'association"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Ce que disent vos statuts, en quelques phrases."),
    )
    address_line = forms.CharField(label=gettext_lazy("Adresse du siège"), max_length=255, required=False)
    postal_code = forms.RegexField(
        label=gettext_lazy("Code postal"),
        regex=r"^[0-9]{5}$",
        required=False,
        error_messages={"invalid": gettext_lazy("Le code postal compte 5 chiffres, par exemple 77100.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "input--short"}),
    )
    city = forms.CharField(label=gettext_lazy("Commune"), max_length=120, required=False)
    email = forms.EmailField(
        label=gettext_lazy("Adresse électronique de l'association"),
        required=False,
        error_messages={
            "invalid": gettext_lazy(
                "Saisissez une adresse électronique valide, par exemple contact@exemple.fr."
            )
        },
    )
    phone = forms.RegexField(
        label=gettext_lazy("Téléphone de l'association"),
        regex=r"^\+?[0-9 .()-]{6,20}$",
        required=False,
        error_messages={
            "invalid": gettext_lazy("Indiquez un numéro de téléphone, par exemple 01 23 45 67 89.")
        },
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    website = forms.URLField(
        label=gettext_lazy("Site internet"),
        required=False,
        assume_scheme="https",
        error_messages={
            "invalid": gettext_lazy("Saisissez une adresse de site, par exemple https://monassociation.fr.")
        },
    )

    def clean_rna(self) -> str:
        value = self.cleaned_data["rna"].strip()
        if not value:
            return ""
        try:
            return parse_rna(value)
        except ValueError:
            raise ValidationError(
                _("Le numéro RNA commence par W suivi de 9 chiffres, par exemple W751234567.")
            ) from None

    def clean_siret(self) -> str:
        value = self.cleaned_data["siret"].strip()
        if not value:
            return ""
        try:
            return parse_siret(value)
        except ValueError as error:
            if error.args and error.args[0] == "checksum":
                raise ValidationError(
                    _("Ce numéro SIRET n'existe pas : vérifiez-le sur l'avis de situation Insee.")
                ) from None
            raise ValidationError(
                _("Le numéro SIRET compte 14 chiffres, par exemple 732 829 320 00074.")
            ) from None

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("rna") and not cleaned.get("siret"):
            self.add_error("rna", _("Indiquez le numéro RNA ou le numéro SIRET de l'association."))
        return cleaned


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=gettext_lazy("Logo"),
        required=False,
        help_text=gettext_lazy(
            "Une image PNG ou JPEG de 3 Mo au plus. Elle est publique : pas de photo de personne."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove = forms.BooleanField(label=gettext_lazy("Retirer le logo actuel"), required=False)

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload:
            check_image(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("logo") and not cleaned.get("remove"):
            self.add_error("logo", _("Choisissez une image, ou cochez « Retirer le logo actuel »."))
        return cleaned


class BankDetailsForm(forms.Form):
    holder = forms.CharField(
        label=gettext_lazy("Titulaire du compte"),
        max_length=140,
        help_text=gettext_lazy("Le nom de l'association, tel qu'il figure sur le RIB."),
    )
    iban = forms.CharField(
        label=gettext_lazy("IBAN"),
        max_length=42,
        help_text=gettext_lazy("Par exemple FR76 3000 6000 0112 3456 7890 189."),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "characters"}),
    )
    bic = forms.CharField(
        label=gettext_lazy("BIC"),
        max_length=11,
        required=False,
        help_text=gettext_lazy("8 ou 11 caractères, sur le RIB (facultatif pour un compte en France)."),
        widget=forms.TextInput(
            attrs={"spellcheck": "false", "autocapitalize": "characters", "class": "input--short"}
        ),
    )

    def clean_iban(self) -> str:
        try:
            return sepa.clean_iban(self.cleaned_data["iban"])
        except InvalidMandate as error:
            raise ValidationError(error.message) from None

    def clean_bic(self) -> str:
        value = self.cleaned_data["bic"].strip()
        if not value:
            return ""
        try:
            return sepa.clean_bic(value)
        except InvalidMandate as error:
            raise ValidationError(error.message) from None


class SubsidyRuleForm(forms.Form):
    board_only = forms.TypedChoiceField(
        label=gettext_lazy("Qui envoie les demandes de subvention ?"),
        choices=[
            ("1", gettext_lazy("Seulement les membres du bureau (les autres membres peuvent les préparer)")),
            ("0", gettext_lazy("Tous les membres de l'association")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Adresse électronique de la personne"),
        help_text=gettext_lazy(
            "Elle reçoit un lien valable 14 jours ; elle l'accepte avec son propre compte."
        ),
        error_messages={
            "invalid": gettext_lazy("Saisissez une adresse électronique valide, par exemple nom@exemple.fr.")
        },
        widget=forms.EmailInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Son rôle dans l'association"),
        choices=member_role_choices,
        initial=PartyRole.MEMBER,
        widget=forms.RadioSelect,
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=gettext_lazy("Rôle"), choices=member_role_choices, widget=forms.RadioSelect
    )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("Je confirme"),
        error_messages={"required": gettext_lazy("Cochez la case pour confirmer.")},
    )


# The back-office --------------------------------------------------------------------------------


class AgentSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Nom, numéro RNA ou SIRET, commune"), max_length=100, required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("État"),
        required=False,
        choices=[("", gettext_lazy("Tous les états")), *AssociationStatus.choices],
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif, lu par les membres de l'association"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": gettext_lazy("Expliquez à l'association pourquoi : le motif est obligatoire.")
        },
    )
