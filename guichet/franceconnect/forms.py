import copy

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.accounts.forms import SignupForm as AccountSignupForm


class SignupForm(forms.Form):
    """Creating an account from a certified identity: the e-mail (FranceConnect's, which the person may
    change) and the terms of use, as the ordinary sign-up asks them."""

    email = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=254,
        help_text=_(
            "Celle que FranceConnect nous a transmise. Si vous la changez, nous vous enverrons un lien "
            "pour confirmer la nouvelle adresse."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "off"}),
    )
    # The very field of the ordinary sign-up: same label, same link to the terms, same error.
    accept_terms = copy.deepcopy(AccountSignupForm.base_fields["accept_terms"])

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()
