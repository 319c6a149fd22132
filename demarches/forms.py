"""Input of the citizen's pages (the procedures' own pages are the engine's PageForm), French messages."""

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coffre.forms import ACCEPT
from coffre.models import Document
from demarches.enums import Audience, Theme
from demarches.services import MESSAGE_MAX_LENGTH
from guichet.accounts.models import Party


class CatalogueSearchForm(forms.Form):
    """The catalogue's search and filters: a GET form, every field optional."""

    q = forms.CharField(
        label=gettext_lazy("Rechercher une démarche"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Par exemple : acte de naissance, stationnement, subvention."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    theme = forms.ChoiceField(
        label=gettext_lazy("Thème"),
        required=False,
        choices=[("", gettext_lazy("Tous les thèmes")), *Theme.choices],
    )
    public = forms.ChoiceField(
        label=gettext_lazy("Pour"),
        required=False,
        choices=[("", gettext_lazy("Tous les publics")), *Audience.choices],
    )

    def filters(self) -> dict[str, str]:
        """The valid filters (an unknown theme or audience is simply ignored)."""
        if not self.is_valid():
            return {"query": "", "theme": "", "audience": ""}
        data = self.cleaned_data
        return {"query": data["q"].strip(), "theme": data["theme"], "audience": data["public"]}


def party_label(party: Party) -> str:
    if party.kind == Audience.PERSON:
        return _("Pour moi-même (%(name)s)") % {"name": party.name}
    if party.kind == Audience.HOUSEHOLD:
        return _("Pour mon foyer : %(name)s") % {"name": party.name}
    return _("Pour l'association : %(name)s") % {"name": party.name}


class ApplicantForm(forms.Form):
    """Who the request is for, when the user may act for several parties the procedure accepts."""

    applicant = forms.TypedChoiceField(
        label=gettext_lazy("Pour qui faites-vous cette démarche ?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choisissez pour qui vous faites cette démarche."),
            "invalid_choice": gettext_lazy("Choisissez pour qui vous faites cette démarche."),
        },
    )

    def __init__(self, *args, parties: list[Party], **kwargs):
        super().__init__(*args, **kwargs)
        self.parties = {party.pk: party for party in parties}
        self.fields["applicant"].choices = [(party.pk, party_label(party)) for party in parties]
        if len(parties) == 1:
            self.fields["applicant"].widget = forms.HiddenInput()
            self.initial["applicant"] = parties[0].pk

    def party(self) -> Party:
        return self.parties[self.cleaned_data["applicant"]]


class DocumentsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.title} ({obj.document_type.label})"


def file_help() -> str:
    return _(
        "Un document PDF ou une image JPEG ou PNG, de %(limit)s au plus. Il est aussi gardé dans votre coffre-fort."
    ) % {"limit": filesizeformat(settings.COFFRE_MAX_FILE_BYTES)}


class MessageForm(forms.Form):
    """A message to the service, with documents of the applicant's vault or a new file."""

    body = forms.CharField(
        label=gettext_lazy("Votre message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": gettext_lazy("Écrivez votre message."),
            "max_length": gettext_lazy(
                "Un message compte %(limit_value)d caractères au plus (vous en avez écrit %(show_value)d)."
            ),
        },
    )
    documents = DocumentsChoiceField(
        label=gettext_lazy("Joindre des documents de votre coffre-fort (facultatif)"),
        queryset=Document.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": gettext_lazy("Choisissez des documents de votre coffre-fort.")},
    )
    file = forms.FileField(
        label=gettext_lazy("Ou joindre un nouveau fichier (facultatif)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, documents: QuerySet[Document], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = documents
        help_text = file_help()
        if self.is_bound:
            help_text += " " + _(
                "Pour votre sécurité, un fichier envoyé avec une erreur n'est pas gardé : choisissez-le à nouveau."
            )
        self.fields["file"].help_text = help_text
        if not documents.exists():
            del self.fields["documents"]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Pourquoi retirez-vous votre demande ? (facultatif)"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Le service le lira avec votre demande."),
    )
