"""Input of the agent's counter page: finding the citizen's account, then the procedure and their consent."""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from demarches.models import Demarche, Request

DEFAULT_CONSENT = gettext_lazy(
    "La personne, présente au guichet, demande à l'agent de faire cette démarche en son nom et accepte "
    "qu'il saisisse ses réponses dans son compte."
)


class CitizenSearchForm(forms.Form):
    """A GET form: the address of the citizen's account, exactly (no partial search)."""

    email = forms.EmailField(
        label=gettext_lazy("Adresse e-mail du compte de la personne"),
        max_length=254,
        help_text=gettext_lazy(
            "L'adresse complète avec laquelle la personne se connecte au guichet, par exemple "
            "camille.martin@exemple.fr."
        ),
        error_messages={
            "required": gettext_lazy("Saisissez l'adresse e-mail du compte de la personne."),
            "invalid": gettext_lazy(
                "Saisissez une adresse e-mail complète, par exemple camille.martin@exemple.fr."
            ),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class DemarcheChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Demarche) -> str:
        return f"{obj.title} ({obj.service.name})"


class CounterStartForm(forms.Form):
    """The procedure to start for the citizen found, and their consent, recorded with the request."""

    email = forms.EmailField(widget=forms.HiddenInput, max_length=254)
    demarche = DemarcheChoiceField(
        label=gettext_lazy("Démarche"),
        queryset=Demarche.objects.none(),
        empty_label=gettext_lazy("Choisissez une démarche"),
        error_messages={
            "required": gettext_lazy("Choisissez la démarche à faire pour la personne."),
            "invalid_choice": gettext_lazy("Choisissez une démarche de votre service dans la liste."),
        },
    )
    consent = forms.BooleanField(
        label=gettext_lazy("La personne a donné son accord pour que je fasse cette démarche en son nom."),
        error_messages={
            "required": gettext_lazy(
                "Cochez cette case : sans l'accord de la personne, vous ne pouvez pas faire la démarche à "
                "sa place."
            )
        },
    )
    consent_statement = forms.CharField(
        label=gettext_lazy("Consentement recueilli"),
        max_length=Request._meta.get_field("consent_statement").max_length,
        initial=DEFAULT_CONSENT,
        help_text=gettext_lazy(
            "Ce que la personne a accepté, en une ou deux phrases ; conservé avec la demande, avec la date."
        ),
        error_messages={
            "required": gettext_lazy("Décrivez le consentement recueilli auprès de la personne."),
            "max_length": gettext_lazy("Décrivez le consentement en %(limit_value)d caractères au plus."),
        },
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, demarches: QuerySet[Demarche], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["demarche"].queryset = demarches
