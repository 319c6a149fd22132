from django import forms
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from guichet.accounts import services
from guichet.accounts.models import Town, User


class SignupForm(forms.Form):
    """Extra sign-up fields, mixed into allauth's form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom de famille"), max_length=150)
    accept_terms = forms.BooleanField(
        label=_("J'ai lu et j'accepte les conditions générales d'utilisation"),
        error_messages={"required": _("Vous devez accepter les conditions générales d'utilisation.")},
        help_text=lazy(format_html, str, SafeString)(
            '<a href="{}">{}</a>',
            reverse_lazy("portal:terms"),
            _("Lire les conditions générales d'utilisation"),
        ),
    )

    field_order = ["first_name", "last_name", "email", "password1", "password2", "accept_terms"]

    def signup(self, request, user: User) -> None:
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.save(update_fields=["first_name", "last_name"])
        services.accept_terms(user=user, version=Town.current().terms_version)
        services.update_profile(actor=user, user=user)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "first_name",
            "last_name",
            "phone",
            "address_line",
            "address_complement",
            "postal_code",
            "city",
        ]
        widgets = {
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "address_line": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "address_complement": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
        }

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        if value and not (value.isdigit() and len(value) == 5):
            raise forms.ValidationError(_("Le code postal compte 5 chiffres, par exemple 75001."))
        return value


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code de vérification"),
        help_text=_("Le code à 6 chiffres de votre application, ou un code de secours à 8 chiffres."),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "off"}
        ),
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not token.isdigit():
            raise forms.ValidationError(_("Le code ne contient que des chiffres."))
        return token


class ReauthenticateTokenForm(TokenForm):
    """The code again before a sensitive action; wrong codes count in django-otp's throttling."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_token(self) -> str:
        token = super().clean_token()
        try:
            services.verify_second_factor(user=self.user, token=token)
        except services.SecondFactorError as error:
            raise forms.ValidationError(error.message) from error
        return token


class ConfirmForm(forms.Form):
    """An empty form for actions confirmed by a button (POST with a CSRF token)."""
