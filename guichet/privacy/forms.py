from django import forms
from django.utils.translation import gettext_lazy as _


class DeleteAccountForm(forms.Form):
    understood = forms.BooleanField(
        label=_(
            "J'ai lu ce qui précède : mon compte est désactivé tout de suite, et supprimé définitivement "
            "dans 30 jours si je ne reviens pas d'ici là."
        ),
        error_messages={"required": _("Cochez cette case pour confirmer que vous supprimez votre compte.")},
    )


class ComeBackForm(forms.Form):
    # The e-mail's link, carried from the page to its button (absent when the person signed in).
    jeton = forms.CharField(required=False, widget=forms.HiddenInput)
