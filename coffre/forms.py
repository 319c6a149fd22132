"""Input of the vault's pages, with French messages.

The file itself is checked by the upload handler as it arrives (type from its
bytes, size): its refusal reaches the form through `set_file_error`. The dates
are checked here with the same rules as the services, which check them again.
"""

from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coffre.enums import MimeType, ValidityRule
from coffre.exceptions import (
    DocumentTypeNotAllowed,
    EmptyFile,
    ExpiryDateRequired,
    FileTooLarge,
    FileTypeRefused,
    InvalidDates,
    QuotaExceeded,
    UploadIncomplete,
    VaultError,
)
from coffre.models import Document, DocumentType
from coffre.services import SHARE_MAX_DAYS

ACCEPT = ",".join([*MimeType.values, ".pdf", ".jpg", ".jpeg", ".png"])

# Which field a refusal of the services is about, for the error summary's link.
ERROR_FIELDS: dict[type[VaultError], str] = {
    FileTypeRefused: "file",
    FileTooLarge: "file",
    EmptyFile: "file",
    QuotaExceeded: "file",
    UploadIncomplete: "file",
    DocumentTypeNotAllowed: "document_type",
    ExpiryDateRequired: "expiry_date",
    InvalidDates: "expiry_date",
}


def error_field(error: VaultError) -> str | None:
    return next((field for kind, field in ERROR_FIELDS.items() if isinstance(error, kind)), None)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # ISO format: what <input type="date"> sends back and shows again after an error.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _validity_help(document_types) -> str:
    """The default validity of each type that has one, as a list under the expiry date."""
    rules = []
    for document_type in document_types:
        if document_type.validity_rule == ValidityRule.DAYS:
            rules.append(
                (
                    document_type.label,
                    _("%(days)s jours après la date d'émission") % {"days": document_type.validity_days},
                )
            )
        elif document_type.validity_rule == ValidityRule.END_DATE:
            rules.append((document_type.label, _("date de fin à indiquer")))
    intro = _("Laissée vide, elle est calculée d'après le type de document.")
    if not rules:
        return intro
    return format_html("{}<ul>{}</ul>", intro, format_html_join("", "<li>{} : {}</li>", rules))


class DocumentDetailsForm(forms.Form):
    """Title and dates of a document, checked against its type's validity rule."""

    title = forms.CharField(
        label=gettext_lazy("Intitulé"),
        max_length=150,
        required=False,
        help_text=gettext_lazy(
            "Par exemple « Facture d'électricité de mars ». Laissé vide, le type de document sert d'intitulé."
        ),
    )
    issue_date = forms.DateField(
        label=gettext_lazy("Date d'émission"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("La date indiquée sur le document. Exemple : 15/03/2026."),
    )
    expiry_date = forms.DateField(label=gettext_lazy("Fin de validité"), required=False, widget=DateInput())

    def __init__(self, *args, document_types: QuerySet[DocumentType] | list[DocumentType], **kwargs):
        super().__init__(*args, **kwargs)
        self.document_types = list(document_types)
        self.fields["expiry_date"].help_text = _validity_help(self.document_types)

    def rule_type(self) -> DocumentType | None:
        """The type the dates are checked against."""
        return self.document_types[0] if len(self.document_types) == 1 else None

    def clean_issue_date(self) -> date | None:
        value = self.cleaned_data["issue_date"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("La date d'émission ne peut pas être dans le futur."))
        return value

    def clean(self) -> dict:
        cleaned = super().clean()
        document_type = self.rule_type()
        issue, expiry = cleaned.get("issue_date"), cleaned.get("expiry_date")
        if issue and expiry and expiry < issue:
            self.add_error("expiry_date", InvalidDates().message)
        elif (
            document_type is not None
            and document_type.validity_rule == ValidityRule.END_DATE
            and not expiry
            and "expiry_date" not in self.errors
        ):
            self.add_error("expiry_date", ExpiryDateRequired().message)
        return cleaned


class FileFieldMixin(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier"),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )

    def _set_file_help(self) -> None:
        help_text = _("Un document PDF ou une image JPEG ou PNG, de %(limit)s au plus.") % {
            "limit": filesizeformat(settings.COFFRE_MAX_FILE_BYTES)
        }
        if self.is_bound:
            # The page only comes back with a bound form when something was wrong.
            help_text += " " + _(
                "Pour votre sécurité, le fichier envoyé n'a pas été gardé : choisissez-le à nouveau."
            )
        self.fields["file"].help_text = help_text


def set_file_error(form: forms.Form, message: str) -> None:
    """Show the upload handler's refusal on the file field, instead of "this field is required"."""
    form.is_valid()  # make sure the form's own errors are there first
    form.errors.pop("file", None)
    form.add_error("file", message)


class UploadForm(FileFieldMixin, DocumentDetailsForm):
    """A new document: the file, its type, title and dates."""

    document_type = forms.ModelChoiceField(
        label=gettext_lazy("Type de document"),
        queryset=DocumentType.objects.none(),
        empty_label=gettext_lazy("Choisissez un type"),
    )

    field_order = ["file", "document_type", "title", "issue_date", "expiry_date"]

    def __init__(self, *args, document_types, **kwargs):
        super().__init__(*args, document_types=document_types, **kwargs)
        self.fields["document_type"].queryset = DocumentType.objects.filter(
            pk__in=[document_type.pk for document_type in self.document_types]
        ).order_by("position", "label")
        # The choices come from the list already read: no second query to render them.
        self.fields["document_type"].choices = [
            ("", self.fields["document_type"].empty_label),
            *((document_type.pk, document_type.label) for document_type in self.document_types),
        ]
        self._set_file_help()

    def rule_type(self) -> DocumentType | None:
        value = self.cleaned_data.get("document_type")
        return value if isinstance(value, DocumentType) else None


class NewVersionForm(FileFieldMixin, DocumentDetailsForm):
    """A new version of a document: the file, and the title and dates it now has."""

    field_order = ["file", "title", "issue_date", "expiry_date"]

    def __init__(self, *args, document: Document, **kwargs):
        kwargs.setdefault(
            "initial",
            {"title": document.title, "issue_date": None, "expiry_date": None},
        )
        super().__init__(*args, document_types=[document.document_type], **kwargs)
        self._set_file_help()


class DocumentEditForm(DocumentDetailsForm):
    """Rename a document or correct its dates."""

    def __init__(self, *args, document: Document, **kwargs):
        kwargs.setdefault(
            "initial",
            {"title": document.title, "issue_date": document.issue_date, "expiry_date": document.expiry_date},
        )
        super().__init__(*args, document_types=[document.document_type], **kwargs)


class ShareForm(forms.Form):
    """The owner shares a document with a service, for a reason they give, until a day."""

    service = forms.ModelChoiceField(
        label=gettext_lazy("Service de la mairie"),
        queryset=None,
        empty_label=gettext_lazy("Choisissez un service"),
    )
    note = forms.CharField(
        label=gettext_lazy("Motif du partage"),
        max_length=200,
        help_text=gettext_lazy("Par exemple « Inscription à la cantine ». Le service le verra."),
    )
    until = forms.DateField(
        label=gettext_lazy("Partagé jusqu'au (inclus)"),
        widget=DateInput(),
        help_text=gettext_lazy("Après cette date, le service ne peut plus le lire. Exemple : 30/06/2026."),
    )

    def __init__(self, *args, services: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services

    def clean_note(self) -> str:
        return " ".join(self.cleaned_data["note"].split())

    def clean_until(self) -> date:
        value = self.cleaned_data["until"]
        today = timezone.localdate()
        if value < today:
            raise forms.ValidationError(_("Choisissez une date à partir d'aujourd'hui."))
        if value > today + timedelta(days=SHARE_MAX_DAYS):
            raise forms.ValidationError(
                _("Un partage dure au plus %(days)s jours : choisissez une date plus proche.")
                % {"days": SHARE_MAX_DAYS}
            )
        return value
