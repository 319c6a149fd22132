"""Input of the régie's pages, validated with clear French messages.

Amounts are typed in euros the French way ("12,50", "1 234,50 €") and cleaned
into integer cents. Forms that record money carry an idempotency key: a token
made when the form is shown, so that a double submission finds the first record.
"""

import re
import uuid
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regie.enums import COUNTER_METHODS, InvoiceState, PaymentMethod, PaymentStatus
from regie.exceptions import InvalidMandate
from regie.money import format_eur
from regie.services import sepa

EUROS = re.compile(r"^(?P<euros>\d{1,9})(?:[,.](?P<cents>\d{1,2}))?$")
TOKEN = re.compile(r"^[0-9a-f]{32}$")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class EurosField(forms.Field):
    """An amount in euros, typed "12,50" or "12.50" (spaces and € allowed); cleaned into cents."""

    default_error_messages = {
        "invalid": _("Saisissez un montant en euros, par exemple 12,50."),
        "not_positive": _("Le montant doit être supérieur à zéro."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20})
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        text = str(value).strip() if value is not None else ""
        if text in self.empty_values:
            return None
        compact = re.sub(r"[\s\u00a0\u202f€]", "", text)
        if len(compact) > 20:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        match = EUROS.match(compact)
        if match is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        cents = int(match["euros"]) * 100 + int((match["cents"] or "0").ljust(2, "0"))
        if cents <= 0:
            raise forms.ValidationError(self.error_messages["not_positive"], code="not_positive")
        return cents


def euros_initial(cents: int) -> str:
    """12,50 from 1250: what the amount field shows at first (no currency sign, no thousands space)."""
    return format_eur(cents).replace("\u00a0€", "").replace("\u202f", "")


class IdempotentForm(forms.Form):
    """A form that records money: its hidden token makes a second submission harmless."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=32)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean_idempotency_key(self) -> str:
        value = self.cleaned_data["idempotency_key"]
        if not TOKEN.match(value):
            raise forms.ValidationError(_("Le formulaire a expiré : rechargez la page et recommencez."))
        return value


class PeriodMixin:
    """Optional "du"/"au" dates: the end may not come before the start."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end and end < start:
            self.add_error("au", _("La fin de la période ne peut pas précéder son début."))
        return cleaned


# Citizens -------------------------------------------------------------------------------


class PayForm(forms.Form):
    """The ticked invoices of "Mes factures"; the view has already found them among the user's own."""

    factures = forms.TypedMultipleChoiceField(
        label=_("Factures à payer"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins une facture à payer.")},
    )

    def __init__(self, *args, invoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["factures"].choices = [(invoice.pk, invoice.number) for invoice in invoices]


class MandateForm(forms.Form):
    payer = forms.ModelChoiceField(
        label=_("Factures de"),
        queryset=None,
        empty_label=None,
        help_text=_(
            "Le mandat couvre les factures de ce payeur : vous-même, votre foyer ou votre association."
        ),
    )
    holder_name = forms.CharField(
        label=_("Titulaire du compte"),
        max_length=70,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=42,
        help_text=_(
            "Sur votre relevé d'identité bancaire (RIB), par exemple FR76 3000 6000 0112 3456 7890 189."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    bic = forms.CharField(
        label=_("BIC"),
        max_length=14,
        help_text=_("8 ou 11 caractères, sur le même relevé, par exemple AGRIFRPP."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    consent = forms.BooleanField(
        label=_("Je signe ce mandat de prélèvement SEPA"),
        help_text=_(
            "En signant ce mandat, vous autorisez la régie de la commune à envoyer des instructions à votre "
            "banque pour débiter votre compte, et votre banque à débiter votre compte conformément à ces "
            "instructions, pour les factures émises au nom du payeur choisi. Vous pouvez être remboursé par "
            "votre banque selon les conditions de votre convention : la demande doit être présentée dans les "
            "8 semaines suivant la date du débit."
        ),
        error_messages={"required": _("Cochez la case pour signer le mandat de prélèvement.")},
    )

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = parties

    def clean_iban(self) -> str:
        try:
            return sepa.clean_iban(self.cleaned_data["iban"])
        except InvalidMandate as error:
            raise forms.ValidationError(error.message) from error

    def clean_bic(self) -> str:
        try:
            return sepa.clean_bic(self.cleaned_data["bic"])
        except InvalidMandate as error:
            raise forms.ValidationError(error.message) from error


# Régisseur ------------------------------------------------------------------------------

STATE_CHOICES = [("", _("Tous"))] + [
    (value, label) for value, label in InvoiceState.choices if value != InvoiceState.DRAFT
]


class InvoiceSearchForm(PeriodMixin, forms.Form):
    q = forms.CharField(
        label=_("Numéro ou payeur"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    etat = forms.ChoiceField(label=_("État"), choices=STATE_CHOICES, required=False)
    du = forms.DateField(label=_("Émise à partir du"), required=False, widget=DateInput())
    au = forms.DateField(label=_("Émise jusqu'au"), required=False, widget=DateInput())


class PaymentSearchForm(PeriodMixin, forms.Form):
    q = forms.CharField(
        label=_("Quittance, facture, payeur ou référence"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    moyen = forms.ChoiceField(
        label=_("Moyen"), choices=[("", _("Tous")), *PaymentMethod.choices], required=False
    )
    statut = forms.ChoiceField(
        label=_("Statut"), choices=[("", _("Tous")), *PaymentStatus.choices], required=False
    )
    du = forms.DateField(label=_("Du"), required=False, widget=DateInput())
    au = forms.DateField(label=_("Au"), required=False, widget=DateInput())


class CounterPaymentForm(IdempotentForm):
    method = forms.ChoiceField(
        label=_("Moyen de paiement"),
        choices=[(method.value, method.label) for method in COUNTER_METHODS],
        widget=forms.RadioSelect,
    )
    amount = EurosField(label=_("Montant reçu (en euros)"), help_text=_("Par exemple 12,50."))


class RefundForm(IdempotentForm):
    invoice = forms.TypedChoiceField(label=_("Facture remboursée"), coerce=int)
    amount = EurosField(label=_("Montant à rembourser (en euros)"))
    reason = forms.CharField(label=_("Motif"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, invoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = [(invoice.pk, invoice.number) for invoice in invoices]


class CreditNoteForm(IdempotentForm):
    amount = EurosField(
        label=_("Montant de l'avoir (en euros)"),
        help_text=_("Un avoir du montant restant annule la facture."),
    )
    reason = forms.CharField(label=_("Motif"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class DirectDebitBatchForm(forms.Form):
    collection_date = forms.DateField(
        label=_("Date de prélèvement"),
        help_text=_("Les factures sous mandat échues à cette date au plus tard seront prélevées."),
        widget=DateInput(),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du rejet"),
        max_length=200,
        help_text=_("Tel que la banque l'indique, par exemple « AC04 compte clôturé »."),
    )


class DayForm(forms.Form):
    jour = forms.DateField(label=_("Journée"), widget=DateInput())

    def clean_jour(self) -> date:
        day = self.cleaned_data["jour"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Choisissez une journée passée ou aujourd'hui."))
        return day


class ExportForm(PeriodMixin, forms.Form):
    contenu = forms.ChoiceField(
        label=_("Contenu"),
        choices=[("paiements", _("Paiements encaissés")), ("factures", _("Factures émises"))],
        widget=forms.RadioSelect,
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("csv", _("CSV (séparateur point-virgule)")), ("xlsx", _("Tableur XLSX"))],
        widget=forms.RadioSelect,
    )
    du = forms.DateField(label=_("Du"), widget=DateInput())
    au = forms.DateField(label=_("Au"), widget=DateInput())
