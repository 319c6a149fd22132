"""Input of an agent's page of one request: its status, what is missing, messages, notes, assignment,
labels. French messages; the services check everything again."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demarches import workflow
from demarches.enums import RequestStatus
from demarches.models import Label
from demarches.services import MESSAGE_MAX_LENGTH

MAX_LENGTH_MESSAGE = gettext_lazy(
    "Un texte compte %(limit_value)d caractères au plus (vous en avez écrit %(show_value)d)."
)


class StatusForm(forms.Form):
    """Move the request to one of the statuses the agent may choose, with the motivation the applicant reads."""

    status = forms.ChoiceField(
        label=gettext_lazy("Nouveau statut"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choisissez le nouveau statut de la demande."),
            "invalid_choice": gettext_lazy("Choisissez un des statuts proposés."),
        },
    )
    motivation = forms.CharField(
        label=gettext_lazy("Motif, lu par le demandeur"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Obligatoire pour demander des compléments, refuser, classer sans suite ou rouvrir. "
            "Il figure dans l'historique de la demande et dans le courrier de décision."
        ),
        error_messages={"max_length": MAX_LENGTH_MESSAGE},
    )
    letter = forms.BooleanField(
        label=gettext_lazy("Préparer le courrier de décision (PDF) pour le demandeur"),
        required=False,
        help_text=gettext_lazy(
            "Pour une décision seulement (acceptée, refusée, classée sans suite) : le courrier est fait "
            "d'après le modèle de la démarche et le demandeur le télécharge depuis sa demande."
        ),
    )

    def __init__(self, *args, source: str, targets: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.fields["status"].choices = [(target, RequestStatus(target).label) for target in targets]
        if not any(RequestStatus(target).is_final for target in targets):
            # Reopening: no decision to write a letter for.
            del self.fields["letter"]

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if not status:
            return data
        reopening = RequestStatus(self.source).is_final
        if (status in workflow.NEEDS_MOTIVATION or reopening) and not data.get("motivation", "").strip():
            self.add_error(
                "motivation", _("Expliquez ce changement au demandeur : le motif est obligatoire.")
            )
        if data.get("letter") and not RequestStatus(status).is_final:
            self.add_error(
                "letter", _("Le courrier accompagne une décision : acceptée, refusée ou classée sans suite.")
            )
        return data


class InformationForm(forms.Form):
    """What the applicant must send: they read it on their request's page and in the notification."""

    missing = forms.CharField(
        label=gettext_lazy("Ce qui manque"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "Les pièces ou informations attendues, et pourquoi : le demandeur le lit tel quel."
        ),
        error_messages={
            "required": gettext_lazy("Écrivez ce qui manque au demandeur."),
            "max_length": MAX_LENGTH_MESSAGE,
        },
    )


class AgentMessageForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Message au demandeur"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Le demandeur est prévenu et le lit dans l'historique de sa demande."),
        error_messages={"required": gettext_lazy("Écrivez votre message."), "max_length": MAX_LENGTH_MESSAGE},
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Note interne"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Visible des agents du service seulement : le demandeur ne la voit jamais."),
        error_messages={"required": gettext_lazy("Écrivez votre note."), "max_length": MAX_LENGTH_MESSAGE},
    )


class AssignForm(forms.Form):
    """Who is in charge of the request: oneself, a colleague of the service, or nobody."""

    assignee = forms.TypedChoiceField(
        label=gettext_lazy("Agent chargé du dossier"),
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choisissez un agent du service.")},
    )

    def __init__(self, *args, agents: list, me, **kwargs):
        super().__init__(*args, **kwargs)
        self.agents = {agent.pk: agent for agent in agents}
        choices = [("", _("Personne"))]
        for agent in agents:
            name = agent.get_full_name() or agent.email
            if agent.pk == me.pk:
                name = _("Moi-même (%(name)s)") % {"name": name}
            choices.append((agent.pk, name))
        self.fields["assignee"].choices = choices

    def chosen_agent(self):
        pk = self.cleaned_data["assignee"]
        return self.agents[pk] if pk is not None else None


class LabelsForm(forms.Form):
    labels = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Étiquettes"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": gettext_lazy("Choisissez parmi les étiquettes proposées.")},
    )

    def __init__(self, *args, labels: list[Label], **kwargs):
        super().__init__(*args, **kwargs)
        self.all_labels = {label.pk: label for label in labels}
        self.fields["labels"].choices = [(label.pk, label.name) for label in labels]

    def chosen(self) -> list[Label]:
        return [self.all_labels[pk] for pk in self.cleaned_data["labels"]]
