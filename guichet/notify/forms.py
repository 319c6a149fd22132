from django import forms
from django.utils.translation import gettext_lazy as _

YES, NO = "oui", "non"


class PreferencesForm(forms.Form):
    email = forms.TypedChoiceField(
        label=_("Recevoir aussi un courriel pour chaque notification ?"),
        help_text=_(
            "Vos notifications restent toujours dans votre espace. "
            "Les messages sur la sécurité de votre compte vous sont toujours envoyés par courriel."
        ),
        choices=[
            (YES, _("Oui, m'envoyer aussi un courriel")),
            (NO, _("Non, seulement dans mon espace")),
        ],
        coerce=lambda value: value == YES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Indiquez si vous souhaitez recevoir des courriels."),
            "invalid_choice": _("Choisissez « oui » ou « non »."),
        },
    )

    @classmethod
    def for_choice(cls, *, email_enabled: bool, data=None) -> "PreferencesForm":
        return cls(data, initial={"email": YES if email_enabled else NO})
