from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.franceconnect.identity import ShownIdentity

# What FranceConnect certifies, copied again at each sign-in.
CERTIFIED_FIELDS = (
    "given_name",
    "family_name",
    "preferred_username",
    "birthdate",
    "birthplace",
    "birthcountry",
    "gender",
    "acr",
)
# All that a row holds about its person (the link to the account aside).
PERSON_FIELDS = ("sub", *CERTIFIED_FIELDS, "linked_at", "certified_at", "last_used_at")


class FranceConnectIdentity(ShownIdentity, models.Model):
    """The identity FranceConnect certified for an account: its identity pivot, as last received.

    One per account and one per FranceConnect subject (`sub`, the person's pseudonymous identifier
    for this town's service): an identity is never shared by two accounts.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.CASCADE,
        related_name="franceconnect_identity",
    )
    sub = models.CharField(_("identifiant FranceConnect"), max_length=255, unique=True)
    given_name = models.CharField(_("prénoms"), max_length=255)
    family_name = models.CharField(_("nom de naissance"), max_length=255)
    preferred_username = models.CharField(_("nom d'usage"), max_length=255, blank=True)
    # Null when FranceConnect gives an incomplete date (a day or month unknown, written 00).
    birthdate = models.DateField(_("date de naissance"), null=True, blank=True)
    # Official geographic codes (INSEE's COG): the commune of birth (empty when born abroad), the country.
    birthplace = models.CharField(_("lieu de naissance (code INSEE)"), max_length=5, blank=True)
    birthcountry = models.CharField(_("pays de naissance (code INSEE)"), max_length=5, blank=True)
    gender = models.CharField(_("sexe"), max_length=10, blank=True)
    # The eIDAS level of the last sign-in (eidas1, eidas2…), as the ID token said.
    acr = models.CharField(_("niveau eIDAS"), max_length=16, blank=True)
    linked_at = models.DateTimeField(_("lié le"), auto_now_add=True)
    certified_at = models.DateTimeField(_("certifiée le"))
    last_used_at = models.DateTimeField(_("dernière utilisation"))

    class Meta:
        verbose_name = _("identité FranceConnect")
        verbose_name_plural = _("identités FranceConnect")

    def __str__(self) -> str:
        return str(_("Identité FranceConnect n° %(id)s") % {"id": self.pk})
