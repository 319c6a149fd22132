from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.accounts.enums import (
    AccessibilityStatus,
    AgentRole,
    HolidayZone,
    PartyKind,
    PartyRole,
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def with_email(self, email: str) -> models.QuerySet:
        """The account of this address, whatever its case, through the unique index on lower(email).

        `email__iexact` compiles to UPPER(email) = UPPER(…), which no index serves: every sign-in would
        read the whole table (30 ms at 100,000 accounts).
        """
        return self.alias(email_lower=Lower("email")).filter(email_lower=email.lower())

    def get_by_natural_key(self, username):
        return self.with_email(username).get()


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: citizen, parent, association member, agent or administrator."""

    # Unique as typed (what Django's auth checks, auth.W004) and case-insensitively (the constraint below).
    email = models.EmailField(_("adresse électronique"), max_length=254, unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom de famille"), max_length=150, blank=True)
    phone = models.CharField(_("téléphone"), max_length=32, blank=True)
    address_line = models.CharField(_("adresse"), max_length=255, blank=True)
    address_complement = models.CharField(_("complément d'adresse"), max_length=255, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=120, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(_("administrateur"), default=False)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)
    terms_version = models.CharField(_("version des conditions acceptées"), max_length=32, blank=True)
    terms_accepted_at = models.DateTimeField(_("conditions acceptées le"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class PartyQuerySet(models.QuerySet):
    def for_user(self, user) -> "PartyQuerySet":
        """The parties this user may act for: their own person, households, associations."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Party(models.Model):
    """Whoever owns documents, files requests and pays invoices."""

    kind = models.CharField(_("type"), max_length=16, choices=PartyKind.choices)
    name = models.CharField(_("nom"), max_length=255)
    person = models.OneToOneField(
        User,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="person_party",
        help_text=_("Pour une personne seulement : le compte qu'elle représente."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    members = models.ManyToManyField(User, through="PartyMembership", related_name="parties")

    objects = PartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("titulaire")
        verbose_name_plural = _("titulaires")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind=PartyKind.PERSON, person__isnull=False)
                    | (~models.Q(kind=PartyKind.PERSON) & models.Q(person__isnull=True))
                ),
                name="accounts_party_person_iff_kind_person",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def reference(self) -> str:
        """How other apps point at a party without importing it."""
        return f"accounts.party:{self.pk}"


class PartyMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="party_memberships")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=16, choices=PartyRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [
            models.UniqueConstraint(fields=["user", "party"], name="accounts_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.party_id} ({self.role})"


class ServiceQuerySet(models.QuerySet):
    def for_agent(self, user) -> "ServiceQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(agent_memberships__user=user, is_active=True)


class Service(models.Model):
    """A municipal department: état civil, éducation, urbanisme, vie associative…"""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    email = models.EmailField(_("adresse électronique du service"), blank=True)
    phone = models.CharField(_("téléphone du service"), max_length=32, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("actif"), default=True)

    agents = models.ManyToManyField(User, through="AgentMembership", related_name="services")

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agent_memberships")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="agent_memberships")
    role = models.CharField(_("rôle"), max_length=16, choices=AgentRole.choices, default=AgentRole.AGENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agent du service")
        verbose_name_plural = _("agents du service")
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="accounts_agent_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.service_id} ({self.role})"


TOWN_CACHE_KEY = "accounts:town:v1"
HEX_COLOUR = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Indiquez une couleur au format #RRVVBB, par exemple #1f4e79.")
)


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio between two #rrggbb colours."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def validate_readable_with_white(colour: str) -> None:
    # White text sits on the main colour (header, buttons): RGAA asks 4.5:1.
    if HEX_COLOUR.regex.match(colour) and contrast_ratio(colour, "#ffffff") < 4.5:
        raise ValidationError(
            _(
                "Cette couleur est trop claire : le texte blanc n'y serait pas lisible (contraste %(ratio).1f:1, il faut au moins 4,5:1)."
            ),
            params={"ratio": contrast_ratio(colour, "#ffffff")},
        )


def validate_readable_with_dark_text(colour: str) -> None:
    if HEX_COLOUR.regex.match(colour) and contrast_ratio(colour, "#1b1b1b") < 4.5:
        raise ValidationError(
            _(
                "Cette couleur est trop foncée : le texte n'y serait pas lisible (il faut un contraste d'au moins 4,5:1)."
            )
        )


class Town(models.Model):
    """The one town this portal serves: everything town-specific lives here."""

    name = models.CharField(_("nom de la commune"), max_length=120)
    logo = models.ImageField(_("logo"), upload_to="town/", blank=True)
    primary_color = models.CharField(
        _("couleur principale"),
        max_length=7,
        default="#1f4e79",
        validators=[HEX_COLOUR, validate_readable_with_white],
        help_text=_("Code hexadécimal ; le texte blanc doit y rester lisible (contraste 4,5:1)."),
    )
    secondary_color = models.CharField(
        _("couleur secondaire"),
        max_length=7,
        default="#f2f5f9",
        validators=[HEX_COLOUR, validate_readable_with_dark_text],
        help_text=_("Fond clair du pied de page ; le texte foncé doit y rester lisible (contraste 4,5:1)."),
    )
    address = models.TextField(_("adresse de la mairie"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=32, blank=True)
    email = models.EmailField(_("adresse électronique de contact"), blank=True)
    opening_hours = models.TextField(_("horaires d'ouverture"), blank=True)
    website = models.URLField(_("site internet"), blank=True)
    school_holiday_zone = models.CharField(
        _("zone de vacances scolaires"), max_length=10, choices=HolidayZone.choices, default=HolidayZone.C
    )
    legal_notice = models.TextField(_("mentions légales"), blank=True)
    privacy_notice = models.TextField(_("politique de confidentialité"), blank=True)
    terms_of_use = models.TextField(_("conditions générales d'utilisation"), blank=True)
    terms_version = models.CharField(_("version des conditions"), max_length=32, default="1")
    accessibility_statement = models.TextField(_("déclaration d'accessibilité"), blank=True)
    accessibility_status = models.CharField(
        _("état de conformité RGAA"),
        max_length=10,
        choices=AccessibilityStatus.choices,
        default=AccessibilityStatus.PARTIAL,
    )
    dpo_contact = models.CharField(
        _("contact du délégué à la protection des données"), max_length=255, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("commune")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="accounts_town_singleton"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(TOWN_CACHE_KEY)

    @classmethod
    def current(cls) -> "Town":
        """The town record, cached: every page's header needs it."""
        town = cache.get(TOWN_CACHE_KEY)
        if town is None:
            town = cls.objects.filter(pk=1).first() or cls(pk=1, name="Ma commune")
            cache.set(TOWN_CACHE_KEY, town, 300)
        return town


class LoginAudience(models.TextChoices):
    FAMILY = "family", _("Familles")
    CITIZEN = "citizen", _("Autres habitants")
    AGENT = "agent", _("Agents")


class DailyLogins(models.Model):
    """How many sign-ins a day, by audience: the town's "3,000 family logins a week", with no name kept.

    One row per day and audience, incremented in place (an upsert), so a login
    costs one statement and the statistics read a few hundred rows a year.
    """

    day = models.DateField(_("jour"))
    audience = models.CharField(_("public"), max_length=10, choices=LoginAudience.choices)
    count = models.PositiveIntegerField(_("connexions"), default=0)

    class Meta:
        verbose_name = _("connexions du jour")
        verbose_name_plural = _("connexions par jour")
        ordering = ["-day", "audience"]
        constraints = [
            models.UniqueConstraint(fields=["day", "audience"], name="accounts_daily_logins_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.audience} {self.count}"
