"""What FranceConnect refuses, each with the French message the person is shown.

Every refusal is a `FranceConnectError`: a view catches that one class and shows `error.message`.
`code` is a short identifier for the logs: neither the message nor the code ever holds a personal
value (no name, no e-mail, no token).
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class FranceConnectError(Exception):
    """Base of the refusals; `message` is French and safe to show, `code` safe to log."""

    default_message: Promise | str = _(
        "La connexion avec FranceConnect n'a pas abouti. Vous pouvez réessayer, ou vous connecter "
        "avec votre adresse électronique et votre mot de passe."
    )
    code = "error"

    def __init__(self, message: Promise | str | None = None, *, code: str | None = None):
        self.message = str(message if message is not None else self.default_message)
        if code is not None:
            self.code = code
        super().__init__(self.code)


class FlowError(FranceConnectError):
    """The answer does not belong to a sign-in this browser started (state unknown, used, expired)."""

    default_message = _(
        "Cette tentative de connexion avec FranceConnect a expiré ou a déjà servi. Recommencez depuis "
        "la page de connexion."
    )
    code = "state"


class ProviderRefused(FranceConnectError):
    """FranceConnect answered the callback with an error (other than the person cancelling)."""

    code = "provider_error"


class SignInCancelled(FranceConnectError):
    """The person cancelled on FranceConnect's side (error=access_denied)."""

    default_message = _(
        "Vous avez annulé la connexion avec FranceConnect. Aucune information n'a été transmise."
    )
    code = "access_denied"


class TokenRejected(FranceConnectError):
    """A token or an answer of the provider that fails a check: signature, issuer, audience, expiry,
    nonce, level, algorithm, code refused at the token endpoint… (`code` says which)."""

    default_message = _(
        "FranceConnect n'a pas pu confirmer votre identité de façon sûre : nous n'avons rien "
        "enregistré. Vous pouvez réessayer, ou vous connecter avec votre adresse électronique et "
        "votre mot de passe."
    )
    code = "token"


class ProviderUnavailable(FranceConnectError):
    """FranceConnect cannot be reached (network, timeout, server error)."""

    default_message = _(
        "FranceConnect ne répond pas pour le moment. Réessayez dans quelques minutes, ou connectez-vous "
        "avec votre adresse électronique et votre mot de passe."
    )
    code = "unreachable"


class IdentityTaken(FranceConnectError):
    """This FranceConnect identity is already linked to another account."""

    default_message = _(
        "Cette identité FranceConnect est déjà liée à un autre compte du guichet. Connectez-vous à ce "
        "compte-là avec FranceConnect."
    )
    code = "identity_taken"


class AccountAlreadyLinked(FranceConnectError):
    """The account is already linked to another FranceConnect identity."""

    default_message = _(
        "Votre compte est déjà lié à une autre identité FranceConnect : il ne peut en avoir qu'une."
    )
    code = "account_linked"


class EmailTaken(FranceConnectError):
    """The address chosen at sign-up is already an account's."""

    default_message = _(
        "Un compte utilise déjà cette adresse électronique. Connectez-vous à ce compte avec son mot de "
        "passe pour le lier à FranceConnect, ou choisissez une autre adresse."
    )
    code = "email_taken"


class WrongAccount(FranceConnectError):
    """Signed in to another account than the one whose e-mail FranceConnect gave."""

    default_message = _(
        "Vous êtes connecté à un autre compte que celui qui utilise l'adresse transmise par "
        "FranceConnect : rien n'a été lié. Pour certifier ce compte-ci, utilisez le bouton FranceConnect "
        "de la page « Mes coordonnées »."
    )
    code = "wrong_account"


class NotThisIdentity(FranceConnectError):
    """A confirmation of a sensitive action came back with another identity than the account's own."""

    default_message = _(
        "L'identité transmise par FranceConnect n'est pas celle de ce compte : l'action n'a pas été "
        "confirmée. Recommencez avec votre propre identité, ou confirmez avec votre mot de passe."
    )
    code = "not_this_identity"
