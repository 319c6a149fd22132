"""Each field kind: its Django form fields, its French messages, its stored value and its display.

A kind turns one FieldSpec into one or more Django form fields ("parts": an
address has four), turns their cleaned values into the answer stored as JSON,
turns a stored answer back into what the inputs show, and writes the answer
for the check-your-answers page. Groups are assembled by the page form.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from coffre import selectors as vault
from coffre.models import Document
from demarches import prefill
from demarches.enums import ChoiceDisplay, FieldKind
from demarches.normalise import (
    amount_to_input,
    decimal_to_input,
    format_amount,
    format_iban,
    format_number,
    format_phone,
    format_siret,
    number_to_json,
    parse_amount,
    parse_iban,
    parse_number,
    parse_phone,
    parse_postal_code,
    parse_rna,
    parse_siret,
    resolve_date_bound,
)
from demarches.schema import FieldSpec

# Stored values of a yes/no question, and what its radios send.
YES, NO = "oui", "non"


@dataclass(frozen=True)
class Applicant:
    """Who fills the form: the signed-in user and the party the request is for.

    The document fields offer the documents of `party`'s vault that `user` may
    open; prefill sources read both. `today` fixes "today" for date bounds (tests).
    """

    user: Any = None
    party: Any = None
    today: date | None = None


@dataclass
class BuildContext:
    applicant: Applicant | None = None
    today: date = field(default_factory=timezone.localdate)
    preview: bool = False


class TelInput(forms.TextInput):
    input_type = "tel"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # ISO format: what <input type="date"> sends and shows again after an error.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def french_date(value: date) -> str:
    """14 juillet 2026."""
    return formats.date_format(value, "j F Y")


# Form fields -----------------------------------------------------------------------------------


class ParsedField(forms.CharField):
    """Text turned into a stored value by a `normalise.parse_*` function.

    The parser raises ValueError("format") or ValueError("checksum"); each has its message.
    """

    def __init__(self, *, parser: Callable[[str], Any], messages: Mapping[str, str], **kwargs):
        self.parser = parser
        self.parse_messages = dict(messages)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if text in self.empty_values:
            return None
        try:
            return self.parser(text)
        except ValueError as error:
            code = error.args[0] if error.args and error.args[0] in self.parse_messages else "invalid"
            raise ValidationError(
                self.parse_messages.get(code, self.parse_messages["invalid"]), code=code
            ) from None


class BoundedField(ParsedField):
    """A parsed number or amount with optional bounds (compared as stored)."""

    def __init__(self, *, low=None, high=None, low_message: str = "", high_message: str = "", **kwargs):
        self.low, self.high = low, high
        self.low_message, self.high_message = low_message, high_message
        super().__init__(**kwargs)

    def clean(self, value):
        parsed = super().clean(value)
        if parsed is None:
            return None
        if self.low is not None and parsed < self.low:
            raise ValidationError(self.low_message, code="min_value")
        if self.high is not None and parsed > self.high:
            raise ValidationError(self.high_message, code="max_value")
        return parsed


class BoundedDateField(forms.DateField):
    def __init__(self, *, low: date | None, high: date | None, low_message: str, high_message: str, **kwargs):
        self.low, self.high = low, high
        self.low_message, self.high_message = low_message, high_message
        super().__init__(**kwargs)

    def clean(self, value):
        parsed = super().clean(value)
        if parsed is None:
            return None
        if self.low is not None and parsed < self.low:
            raise ValidationError(self.low_message, code="min_value")
        if self.high is not None and parsed > self.high:
            raise ValidationError(self.high_message, code="max_value")
        return parsed


class CountedMultipleChoiceField(forms.MultipleChoiceField):
    def __init__(self, *, low: int | None, high: int | None, **kwargs):
        self.low, self.high = low, high
        super().__init__(**kwargs)

    def clean(self, value):
        chosen = super().clean(value)
        if chosen and self.low is not None and len(chosen) < self.low:
            message = ngettext("Cochez au moins %(min)d case.", "Cochez au moins %(min)d cases.", self.low)
            raise ValidationError(message % {"min": self.low}, code="min_items")
        if self.high is not None and len(chosen) > self.high:
            message = ngettext("Cochez au plus %(max)d case.", "Cochez au plus %(max)d cases.", self.high)
            raise ValidationError(message % {"max": self.high}, code="max_items")
        return chosen


class DocumentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.title} ({obj.document_type.label})"


def _pattern_validator(spec: FieldSpec) -> Callable[[str], None]:
    compiled = re.compile(spec.pattern)
    message = spec.pattern_message or _("La réponse n'a pas le format attendu.")

    def validate(value: str) -> None:
        if value and not compiled.fullmatch(value):
            raise ValidationError(message, code="pattern")

    return validate


def _autocomplete(spec: FieldSpec) -> str:
    source = prefill.get(spec.prefill) if spec.prefill else None
    return source.autocomplete if source is not None else ""


def _attrs(spec: FieldSpec, **extra: str) -> dict[str, str]:
    attrs = dict(extra)
    token = _autocomplete(spec)
    if token and token != prefill.ADDRESS_AUTOCOMPLETE:
        attrs["autocomplete"] = token
    return attrs


def _common(spec: FieldSpec, *, required: bool, required_message: str) -> dict[str, Any]:
    return {
        "label": spec.label,
        "required": required,
        "error_messages": {"required": required_message, **_length_messages()},
    }


def _length_messages() -> dict[str, str]:
    return {
        "min_length": gettext_lazy(
            "Saisissez au moins %(limit_value)d caractères (vous en avez saisi %(show_value)d)."
        ),
        "max_length": gettext_lazy(
            "Saisissez au plus %(limit_value)d caractères (vous en avez saisi %(show_value)d)."
        ),
    }


def _bound_messages(kind: str, low: str, high: str) -> tuple[str, str]:
    if kind == FieldKind.AMOUNT:
        return (
            _("Le montant doit être d'au moins %(min)s.") % {"min": low},
            _("Le montant ne doit pas dépasser %(max)s.") % {"max": high},
        )
    return (
        _("Saisissez un nombre supérieur ou égal à %(min)s.") % {"min": low},
        _("Saisissez un nombre inférieur ou égal à %(max)s.") % {"max": high},
    )


# Kinds -------------------------------------------------------------------------------------------


class Kind:
    """One field kind. `parts` names the Django fields it makes ("" is the field's own name)."""

    parts: tuple[str, ...] = ("",)

    def form_fields(self, spec: FieldSpec, ctx: BuildContext, *, required: bool) -> dict[str, forms.Field]:
        raise NotImplementedError

    def to_value(self, cleaned: Mapping[str, Any], spec: FieldSpec) -> Any:
        """The stored answer from the parts' cleaned values (None when unanswered)."""
        value = cleaned.get("")
        return None if value in (None, "", [], ()) else value

    def to_data(self, value: Any, spec: FieldSpec) -> dict[str, Any]:
        """What each part's input shows for a stored answer (strings, or a list for checkboxes)."""
        return {"": "" if value is None else str(value)}

    def display(self, value: Any, spec: FieldSpec, documents: Mapping[int, str]) -> str:
        return str(value)

    def missing_parts(self, cleaned: Mapping[str, Any], spec: FieldSpec) -> dict[str, str]:
        """For a kind of several parts that must be answered: the empty parts and their messages."""
        return {}


class TextKind(Kind):
    def __init__(self, *, long: bool = False):
        self.long = long

    def form_fields(self, spec, ctx, *, required):
        validators = [_pattern_validator(spec)] if spec.pattern else []
        widget = (
            forms.Textarea(attrs=_attrs(spec, rows="5")) if self.long else forms.TextInput(attrs=_attrs(spec))
        )
        options = _common(spec, required=required, required_message=_("Renseignez ce champ."))
        return {
            "": forms.CharField(
                **options,
                min_length=spec.min_length,
                max_length=spec.max_length or (10000 if self.long else 500),
                validators=validators,
                widget=widget,
            )
        }


class EmailKind(Kind):
    def form_fields(self, spec, ctx, *, required):
        options = _common(spec, required=required, required_message=_("Indiquez une adresse électronique."))
        options["error_messages"]["invalid"] = _(
            "Saisissez une adresse électronique valide, par exemple nom@exemple.fr."
        )
        return {
            "": forms.EmailField(
                **options,
                max_length=254,
                widget=forms.EmailInput(attrs=_attrs(spec, spellcheck="false", autocapitalize="off")),
            )
        }


class ParsedKind(Kind):
    """A kind whose single text box is read by a parse_* function."""

    def __init__(
        self,
        *,
        parser: Callable[[str], Any],
        messages: Callable[[], dict[str, str]],
        required_message: Callable[[], str],
        attrs: Mapping[str, str],
        widget: type[forms.Widget] = forms.TextInput,
        formatter: Callable[[Any], str] = str,
        to_input: Callable[[Any], str] | None = None,
    ):
        self.parser, self.messages, self.required_message = parser, messages, required_message
        self.attrs, self.widget, self.formatter = attrs, widget, formatter
        self.to_input = to_input or formatter

    def form_fields(self, spec, ctx, *, required):
        return {
            "": ParsedField(
                **_common(spec, required=required, required_message=self.required_message()),
                parser=self.parser,
                messages=self.messages(),
                max_length=100,
                widget=self.widget(attrs=_attrs(spec, **self.attrs)),
            )
        }

    def to_data(self, value, spec):
        return {"": "" if value is None else self.to_input(value)}

    def display(self, value, spec, documents):
        return self.formatter(value)


class NumberKind(Kind):
    def __init__(self, *, amount: bool = False):
        self.amount = amount

    def form_fields(self, spec, ctx, *, required):
        if self.amount:
            low = None if spec.min_value is None else int(spec.min_value * 100)
            high = None if spec.max_value is None else int(spec.max_value * 100)
            shown = (
                format_amount(low) if low is not None else "",
                format_amount(high) if high is not None else "",
            )
            parser, invalid = parse_amount, _("Saisissez un montant en euros, par exemple 12,50.")
            required_message = _("Indiquez un montant.")
        else:
            low, high = spec.min_value, spec.max_value
            shown = (
                format_number(low) if low is not None else "",
                format_number(high) if high is not None else "",
            )
            parser, invalid = parse_number, _("Saisissez un nombre, par exemple 12 ou 12,5.")
            required_message = _("Indiquez un nombre.")
        low_message, high_message = _bound_messages(
            FieldKind.AMOUNT if self.amount else FieldKind.NUMBER, *shown
        )
        return {
            "": BoundedField(
                **_common(spec, required=required, required_message=required_message),
                parser=parser,
                messages={"invalid": invalid},
                low=low,
                high=high,
                low_message=low_message,
                high_message=high_message,
                max_length=30,
                widget=forms.TextInput(attrs=_attrs(spec, inputmode="decimal", spellcheck="false")),
            )
        }

    def to_value(self, cleaned, spec):
        value = cleaned.get("")
        if value is None:
            return None
        return value if self.amount else number_to_json(value)

    def to_data(self, value, spec):
        if value is None:
            return {"": ""}
        return {"": amount_to_input(value) if self.amount else decimal_to_input(Decimal(str(value)))}

    def display(self, value, spec, documents):
        return format_amount(value) if self.amount else format_number(value)


class DateKind(Kind):
    def form_fields(self, spec, ctx, *, required):
        low = resolve_date_bound(spec.min_date, today=ctx.today) if spec.min_date else None
        high = resolve_date_bound(spec.max_date, today=ctx.today) if spec.max_date else None
        low_message = (
            _("La date ne peut pas être dans le passé.")
            if spec.min_date == "today"
            else _("La date doit être le %(date)s ou après.") % {"date": french_date(low)}
            if low
            else ""
        )
        high_message = (
            _("La date ne peut pas être dans le futur.")
            if spec.max_date == "today"
            else _("La date doit être le %(date)s ou avant.") % {"date": french_date(high)}
            if high
            else ""
        )
        options = _common(spec, required=required, required_message=_("Indiquez une date."))
        options["error_messages"]["invalid"] = _("Saisissez une date valide, par exemple 14/07/2026.")
        return {
            "": BoundedDateField(
                **options,
                low=low,
                high=high,
                low_message=low_message,
                high_message=high_message,
                input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                widget=DateInput(attrs=_attrs(spec)),
            )
        }

    def to_value(self, cleaned, spec):
        value = cleaned.get("")
        return value.isoformat() if value else None

    def display(self, value, spec, documents):
        return french_date(date.fromisoformat(value))


class YesNoKind(Kind):
    def form_fields(self, spec, ctx, *, required):
        options = _common(spec, required=required, required_message=_("Répondez par oui ou par non."))
        options["error_messages"]["invalid_choice"] = _("Répondez par oui ou par non.")
        return {
            "": forms.TypedChoiceField(
                **options,
                choices=[(YES, _("Oui")), (NO, _("Non"))],
                coerce=lambda value: value == YES,
                empty_value=None,
                widget=forms.RadioSelect(),
            )
        }

    def to_value(self, cleaned, spec):
        return cleaned.get("")

    def to_data(self, value, spec):
        return {"": "" if value is None else (YES if value else NO)}

    def display(self, value, spec, documents):
        return _("Oui") if value else _("Non")


class SingleChoiceKind(Kind):
    def form_fields(self, spec, ctx, *, required):
        choices = [(choice.value, choice.label) for choice in spec.choices]
        if spec.display == ChoiceDisplay.SELECT:
            widget = forms.Select(attrs=_attrs(spec))
            choices = [("", _("Choisissez une réponse")), *choices]
        else:
            widget = forms.RadioSelect()
        options = _common(spec, required=required, required_message=_("Choisissez une réponse."))
        options["error_messages"]["invalid_choice"] = _("Choisissez une des réponses proposées.")
        return {"": forms.ChoiceField(**options, choices=choices, widget=widget)}

    def display(self, value, spec, documents):
        return spec.choice_label(value)


class MultipleChoiceKind(Kind):
    def form_fields(self, spec, ctx, *, required):
        options = _common(spec, required=required, required_message=_("Cochez au moins une case."))
        options["error_messages"]["invalid_choice"] = _("Choisissez parmi les réponses proposées.")
        return {
            "": CountedMultipleChoiceField(
                **options,
                choices=[(choice.value, choice.label) for choice in spec.choices],
                low=spec.min_items,
                high=spec.max_items,
                widget=forms.CheckboxSelectMultiple(),
            )
        }

    def to_value(self, cleaned, spec):
        chosen = cleaned.get("") or []
        # Stored in the form's order, whatever order the browser sent them in.
        order = [choice.value for choice in spec.choices]
        return sorted(chosen, key=order.index) or None

    def to_data(self, value, spec):
        return {"": list(value or [])}

    def display(self, value, spec, documents):
        return ", ".join(spec.choice_label(item) for item in value)


class AddressKind(Kind):
    parts = ("street", "complement", "postal_code", "town")

    def form_fields(self, spec, ctx, *, required):
        own = _autocomplete(spec) == prefill.ADDRESS_AUTOCOMPLETE

        def attrs(token: str, **extra: str) -> dict[str, str]:
            return {"autocomplete": token, **extra} if own else dict(extra)

        return {
            "street": forms.CharField(
                label=_("Numéro et voie"),
                required=required,
                max_length=255,
                error_messages={
                    "required": _("Indiquez le numéro et la voie."),
                    **_length_messages(),
                },
                widget=forms.TextInput(attrs=attrs("address-line1")),
            ),
            "complement": forms.CharField(
                label=_("Complément d'adresse (facultatif)"),
                required=False,
                max_length=255,
                error_messages=_length_messages(),
                help_text=_("Bâtiment, étage, lieu-dit…"),
                widget=forms.TextInput(attrs=attrs("address-line2")),
            ),
            "postal_code": ParsedField(
                label=_("Code postal"),
                required=required,
                max_length=10,
                parser=parse_postal_code,
                messages={
                    "invalid": _("Le code postal compte 5 chiffres, par exemple 75001."),
                    "format": _("Le code postal compte 5 chiffres, par exemple 75001."),
                },
                error_messages={"required": _("Indiquez le code postal.")},
                widget=forms.TextInput(
                    attrs=attrs("postal-code", inputmode="numeric", **{"class": "input--short"})
                ),
            ),
            "town": forms.CharField(
                label=_("Commune"),
                required=required,
                max_length=120,
                error_messages={"required": _("Indiquez la commune."), **_length_messages()},
                widget=forms.TextInput(attrs=attrs("address-level2")),
            ),
        }

    def to_value(self, cleaned, spec):
        value = {part: cleaned.get(part) or "" for part in self.parts}
        return value if any(value.values()) else None

    def to_data(self, value, spec):
        value = value or {}
        return {part: value.get(part) or "" for part in self.parts}

    def display(self, value, spec, documents):
        lines = [
            value.get("street", ""),
            value.get("complement", ""),
            f"{value.get('postal_code', '')} {value.get('town', '')}",
        ]
        return "\n".join(line.strip() for line in lines if line.strip())

    def missing_parts(self, cleaned, spec):
        messages = {
            "street": _("Indiquez le numéro et la voie."),
            "postal_code": _("Indiquez le code postal."),
            "town": _("Indiquez la commune."),
        }
        return {part: message for part, message in messages.items() if not cleaned.get(part)}


class DocumentKind(Kind):
    def form_fields(self, spec, ctx, *, required):
        applicant = ctx.applicant
        if applicant is not None and applicant.user is not None and applicant.party is not None:
            documents = vault.documents_for_owner(user=applicant.user, owner=applicant.party).filter(
                current_version__isnull=False
            )
            if spec.document_type:
                documents = documents.filter(document_type__code=spec.document_type)
        else:
            documents = Document.objects.none()
        options = _common(
            spec, required=required, required_message=_("Choisissez un document de votre coffre-fort.")
        )
        options["error_messages"]["invalid_choice"] = _("Choisissez un document de votre coffre-fort.")
        return {
            "": DocumentChoiceField(
                **options,
                queryset=documents,
                empty_label=None,
                widget=forms.RadioSelect(),
            )
        }

    def to_value(self, cleaned, spec):
        document = cleaned.get("")
        return document.pk if document is not None else None

    def display(self, value, spec, documents):
        return documents.get(int(value)) or _("Document n° %(id)s") % {"id": value}


class DisplayKind(Kind):
    parts = ()

    def form_fields(self, spec, ctx, *, required):
        return {}


def _siret_messages() -> dict[str, str]:
    return {
        "invalid": _("Le numéro SIRET compte 14 chiffres, par exemple 732 829 320 00074."),
        "format": _("Le numéro SIRET compte 14 chiffres, par exemple 732 829 320 00074."),
        "checksum": _(
            "Ce numéro SIRET n'existe pas : vérifiez-le sur l'avis de situation Insee ou un extrait Kbis."
        ),
    }


def _iban_messages() -> dict[str, str]:
    return {
        "invalid": _("Saisissez un IBAN valide, par exemple FR76 3000 6000 0112 3456 7890 189."),
        "format": _("Saisissez un IBAN valide, par exemple FR76 3000 6000 0112 3456 7890 189."),
        "checksum": _(
            "Cet IBAN n'est pas valide : recopiez-le depuis votre relevé d'identité bancaire (RIB)."
        ),
    }


def _rna_messages() -> dict[str, str]:
    message = _("Le numéro RNA commence par W suivi de 9 chiffres, par exemple W751234567.")
    return {"invalid": message, "format": message}


def _phone_messages() -> dict[str, str]:
    return {
        "invalid": _(
            "Saisissez un numéro de téléphone français, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78."
        )
    }


KINDS: dict[str, Kind] = {
    FieldKind.SHORT_TEXT: TextKind(),
    FieldKind.LONG_TEXT: TextKind(long=True),
    FieldKind.EMAIL: EmailKind(),
    FieldKind.PHONE: ParsedKind(
        parser=parse_phone,
        messages=_phone_messages,
        required_message=lambda: _("Indiquez un numéro de téléphone."),
        attrs={"inputmode": "tel"},
        widget=TelInput,
        formatter=format_phone,
    ),
    FieldKind.NUMBER: NumberKind(),
    FieldKind.AMOUNT: NumberKind(amount=True),
    FieldKind.DATE: DateKind(),
    FieldKind.YES_NO: YesNoKind(),
    FieldKind.SINGLE_CHOICE: SingleChoiceKind(),
    FieldKind.MULTIPLE_CHOICE: MultipleChoiceKind(),
    FieldKind.ADDRESS: AddressKind(),
    FieldKind.SIRET: ParsedKind(
        parser=parse_siret,
        messages=_siret_messages,
        required_message=lambda: _("Indiquez le numéro SIRET."),
        attrs={"inputmode": "numeric", "spellcheck": "false"},
        formatter=format_siret,
    ),
    FieldKind.IBAN: ParsedKind(
        parser=parse_iban,
        messages=_iban_messages,
        required_message=lambda: _("Indiquez l'IBAN."),
        attrs={"spellcheck": "false", "autocapitalize": "characters"},
        formatter=format_iban,
    ),
    FieldKind.RNA: ParsedKind(
        parser=parse_rna,
        messages=_rna_messages,
        required_message=lambda: _("Indiquez le numéro RNA."),
        attrs={"spellcheck": "false", "autocapitalize": "characters", "class": "input--short"},
    ),
    FieldKind.DOCUMENT: DocumentKind(),
    FieldKind.EXPLANATION: DisplayKind(),
    FieldKind.SECTION: DisplayKind(),
}


def kind_of(spec: FieldSpec) -> Kind:
    return KINDS[spec.kind]
