"""The family app's tables.

Reading order: Household (a household Party with contact details) → Child (in one
or two households: alternating custody) with ChildHealth (medical, restricted) and
AuthorisedPickup → FamilyDocument and QuotientFamilial (given once, checked by an
agent) → Site, SchoolYear, Activity (+ ActivitySite capacities), Closure → Enrolment
(a child in an activity for a school year) → Session (one day of an activity at a
site) → Booking (a child in a session, billed to the household that booked) →
TariffRule (+ TariffBracket) → BillingRun and BillingLine (a month billed through
the régie) → TaxCertificate.
"""

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from famille.enums import (
    ACTIVE_BOOKING_STATUSES,
    ActivityKind,
    Attendance,
    BillingLineKind,
    BillingRunStatus,
    BookingStatus,
    EffortBase,
    EnrolmentStatus,
    PriceUnit,
    PricingMode,
    ReviewStatus,
    SchoolLevel,
    SessionPeriod,
    SiteKind,
)
from guichet.accounts.models import Party

# The family file ----------------------------------------------------------------------------------


class HouseholdQuerySet(models.QuerySet):
    def for_user(self, user) -> "HouseholdQuerySet":
        """The households this user is a responsible adult of."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(party__memberships__user=user)


class Household(models.Model):
    """A family file (dossier unique): a household Party, its contact details, whether it lives in town."""

    party = models.OneToOneField(
        Party, verbose_name=_("titulaire"), on_delete=models.PROTECT, related_name="household"
    )
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    phone = models.CharField(_("téléphone"), max_length=32, blank=True)
    email = models.EmailField(_("adresse électronique du foyer"), blank=True)
    # Non-residents pay the non-resident price where a tariff has one.
    is_resident = models.BooleanField(_("habite la commune"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("foyer")
        verbose_name_plural = _("foyers")

    def __str__(self) -> str:
        return str(self.party_id)

    @property
    def reference(self) -> str:
        """The family file's number, as agents say it on the phone: F000123."""
        return f"F{self.pk:06d}"


class HouseholdInvitation(models.Model):
    """The second responsible adult, invited by e-mail; they join with their own account."""

    household = models.ForeignKey(
        Household, verbose_name=_("foyer"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("adresse invitée"))
    # SHA-256 of the token sent by e-mail: the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invité par"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acceptée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation au foyer")
        verbose_name_plural = _("invitations au foyer")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.pk}"


class ChildQuerySet(models.QuerySet):
    def for_user(self, user) -> "ChildQuerySet":
        """Children of the households this user is a responsible adult of."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            pk__in=ChildHousehold.objects.filter(household__party__memberships__user=user).values("child_id")
        )


class Child(models.Model):
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    birth_date = models.DateField(_("date de naissance"))
    school = models.ForeignKey(
        "Site",
        verbose_name=_("école"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pupils",
        limit_choices_to={"kind": SiteKind.SCHOOL},
    )
    school_level = models.CharField(_("classe"), max_length=4, choices=SchoolLevel.choices, blank=True)
    image_rights = models.BooleanField(_("droit à l'image accordé"), default=False)
    households = models.ManyToManyField(
        Household, verbose_name=_("foyers"), through="ChildHousehold", related_name="children"
    )
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("enfant")
        verbose_name_plural = _("enfants")
        ordering = ["birth_date", "first_name", "pk"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_in_months(self, on) -> int:
        months = (on.year - self.birth_date.year) * 12 + on.month - self.birth_date.month
        return months - (1 if on.day < self.birth_date.day else 0)


class ChildHousehold(models.Model):
    """A child in a household; in alternating custody, in two (each books and pays for its own days)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="memberships")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="child_memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("enfant du foyer")
        verbose_name_plural = _("enfants des foyers")
        constraints = [
            models.UniqueConstraint(fields=["child", "household"], name="famille_child_household_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} → {self.household_id}"


class ChildShareInvitation(models.Model):
    """A child's file shared by one household with the other parent's (alternating custody).

    Sent by e-mail like a HouseholdInvitation (only the token's SHA-256 is kept); the
    other parent accepts it signed in with that address, as a responsible adult of their
    own household, which then holds the same child (ChildHousehold).
    """

    child = models.ForeignKey(
        Child, verbose_name=_("enfant"), on_delete=models.CASCADE, related_name="share_invitations"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("foyer qui partage"),
        on_delete=models.CASCADE,
        related_name="child_share_invitations",
    )
    email = models.EmailField(_("adresse invitée"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invité par"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acceptée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_household = models.ForeignKey(
        Household,
        verbose_name=_("foyer qui a accepté"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("partage d'une fiche d'enfant")
        verbose_name_plural = _("partages de fiches d'enfants")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.child_id} {self.pk}"


class ChildHealth(models.Model):
    """Allergies, medical notes and PAI: read only by agents holding `famille.view_childhealth_notes`."""

    child = models.OneToOneField(
        Child, verbose_name=_("enfant"), on_delete=models.CASCADE, related_name="health"
    )
    allergies = models.TextField(_("allergies"), blank=True)
    medical_notes = models.TextField(_("informations médicales"), blank=True)
    has_pai = models.BooleanField(_("projet d'accueil individualisé (PAI)"), default=False)
    pai_details = models.TextField(_("détails du PAI"), blank=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("informations médicales")
        verbose_name_plural = _("informations médicales")
        permissions = [("view_childhealth_notes", _("Consulter les informations médicales des enfants"))]

    def __str__(self) -> str:
        return str(self.child_id)


class AuthorisedPickup(models.Model):
    """A person allowed to collect the child (besides the responsible adults)."""

    child = models.ForeignKey(
        Child, verbose_name=_("enfant"), on_delete=models.CASCADE, related_name="authorised_pickups"
    )
    name = models.CharField(_("nom et prénom"), max_length=200)
    relationship = models.CharField(_("lien avec l'enfant"), max_length=100, blank=True)
    phone = models.CharField(_("téléphone"), max_length=32)

    class Meta:
        verbose_name = _("personne autorisée à récupérer l'enfant")
        verbose_name_plural = _("personnes autorisées à récupérer l'enfant")
        ordering = ["child", "name"]

    def __str__(self) -> str:
        return f"{self.child_id} {self.pk}"


class RequiredDocument(models.Model):
    """A document the town asks once for every service: of the household, or of each child."""

    document_type = models.ForeignKey(
        "coffre.DocumentType", verbose_name=_("type de document"), on_delete=models.PROTECT, related_name="+"
    )
    for_child = models.BooleanField(_("un par enfant"), default=False)
    position = models.PositiveSmallIntegerField(_("ordre"), default=100)
    is_active = models.BooleanField(_("demandé"), default=True)

    class Meta:
        verbose_name = _("document demandé aux familles")
        verbose_name_plural = _("documents demandés aux familles")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "for_child"], name="famille_required_document_unique"
            ),
        ]

    def __str__(self) -> str:
        return str(self.document_type_id)


class FamilyDocument(models.Model):
    """A document of the household's vault given for a requirement (for a child, when per child)."""

    household = models.ForeignKey(
        Household, verbose_name=_("foyer"), on_delete=models.CASCADE, related_name="documents"
    )
    child = models.ForeignKey(
        Child,
        verbose_name=_("enfant"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
    )
    requirement = models.ForeignKey(
        RequiredDocument, verbose_name=_("document demandé"), on_delete=models.PROTECT, related_name="+"
    )
    document = models.ForeignKey(
        "coffre.Document",
        verbose_name=_("document du coffre-fort"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(
        _("vérification"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vérifié par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("vérifié le"), null=True, blank=True)
    refusal_reason = models.CharField(_("motif du refus"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("donné le"), default=timezone.now)

    class Meta:
        verbose_name = _("document de la famille")
        verbose_name_plural = _("documents de la famille")
        ordering = ["requirement__position", "pk"]
        constraints = [
            # One current document per requirement (and child); giving a new one replaces the row.
            models.UniqueConstraint(
                fields=["household", "requirement"],
                condition=Q(child__isnull=True),
                name="famille_document_household_unique",
            ),
            models.UniqueConstraint(
                fields=["household", "child", "requirement"],
                condition=Q(child__isnull=False),
                name="famille_document_child_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.requirement_id}"


class QuotientFamilial(models.Model):
    """The household's quotient familial (and monthly income, for effort-rate prices), declared with the
    CAF certificate and validated by an agent for a period."""

    household = models.ForeignKey(
        Household, verbose_name=_("foyer"), on_delete=models.CASCADE, related_name="quotients"
    )
    value = models.PositiveIntegerField(_("quotient familial"))
    monthly_income_cents = models.PositiveBigIntegerField(
        _("revenus mensuels (centimes)"), null=True, blank=True
    )
    dependants = models.PositiveSmallIntegerField(_("enfants à charge"), null=True, blank=True)
    caf_document = models.ForeignKey(
        "coffre.Document",
        verbose_name=_("attestation CAF"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("vérification"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    valid_from = models.DateField(_("valable à partir du"))
    valid_until = models.DateField(_("valable jusqu'au"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déclaré par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    declared_at = models.DateTimeField(_("déclaré le"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vérifié par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("vérifié le"), null=True, blank=True)
    refusal_reason = models.CharField(_("motif du refus"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("quotient familial")
        verbose_name_plural = _("quotients familiaux")
        ordering = ["household", "-valid_from", "-pk"]
        indexes = [models.Index(fields=["household", "status", "valid_from"], name="famille_qf_household")]
        constraints = [
            models.CheckConstraint(condition=Q(valid_from__lte=F("valid_until")), name="famille_qf_period"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.value}"


# Activities, sites, sessions ---------------------------------------------------------------------


class Site(models.Model):
    name = models.CharField(_("nom"), max_length=150, unique=True)
    kind = models.CharField(_("type"), max_length=10, choices=SiteKind.choices)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    is_active = models.BooleanField(_("ouvert"), default=True)

    class Meta:
        verbose_name = _("lieu d'accueil")
        verbose_name_plural = _("lieux d'accueil")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SchoolYear(models.Model):
    name = models.CharField(
        _("année scolaire"), max_length=9, unique=True, help_text=_("Par exemple 2026-2027.")
    )
    start_date = models.DateField(_("premier jour"))
    end_date = models.DateField(_("dernier jour"))

    class Meta:
        verbose_name = _("année scolaire")
        verbose_name_plural = _("années scolaires")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lt=F("end_date")), name="famille_school_year_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """An activity families book (canteen, after-school care…) and the rules of its bookings.

    Deadlines count back from the session's day: a booking is open from
    `booking_opens_days` before it until `booking_deadline_days` before it at
    `booking_deadline_time` (Europe/Paris), in working days when `working_days`;
    cancelling follows its own deadline the same way.
    """

    kind = models.CharField(_("type"), max_length=20, choices=ActivityKind.choices)
    name = models.CharField(_("nom"), max_length=150)
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    service = models.ForeignKey(
        "accounts.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="activities"
    )
    description = models.TextField(_("présentation"), blank=True)
    sites = models.ManyToManyField(
        Site, verbose_name=_("lieux"), through="ActivitySite", related_name="activities"
    )
    # Eligibility: an age range (nurseries) and/or a range of school classes (blank: any).
    min_age_months = models.PositiveSmallIntegerField(_("âge minimal (mois)"), null=True, blank=True)
    max_age_months = models.PositiveSmallIntegerField(_("âge maximal (mois)"), null=True, blank=True)
    min_level = models.CharField(
        _("à partir de la classe"), max_length=4, choices=SchoolLevel.choices, blank=True
    )
    max_level = models.CharField(
        _("jusqu'à la classe"), max_length=4, choices=SchoolLevel.choices, blank=True
    )
    # Sessions: days of the week (0 = Monday) on which period of the year, and hours.
    weekdays = models.JSONField(
        _("jours de la semaine"), default=list, help_text=_("0 = lundi … 6 = dimanche.")
    )
    period = models.CharField(
        _("période"), max_length=12, choices=SessionPeriod.choices, default=SessionPeriod.SCHOOL_DAYS
    )
    start_time = models.TimeField(_("début"))
    end_time = models.TimeField(_("fin"))
    # Booking rules.
    booking_opens_days = models.PositiveSmallIntegerField(_("réservation ouverte (jours avant)"), default=90)
    booking_deadline_days = models.PositiveSmallIntegerField(
        _("réserver au plus tard (jours avant)"), default=2
    )
    booking_deadline_time = models.TimeField(_("heure limite de réservation"), default=time(10, 0))
    cancel_deadline_days = models.PositiveSmallIntegerField(
        _("annuler au plus tard (jours avant)"), default=2
    )
    cancel_deadline_time = models.TimeField(_("heure limite d'annulation"), default=time(10, 0))
    working_days = models.BooleanField(
        _("délais en jours ouvrés"),
        default=False,
        help_text=_("Sans les samedis, dimanches et jours fériés."),
    )
    waiting_list = models.BooleanField(_("liste d'attente"), default=True)
    bill_late_cancellation = models.BooleanField(_("facturer les annulations hors délai"), default=True)
    bill_unjustified_absence = models.BooleanField(_("facturer les absences non justifiées"), default=True)
    is_active = models.BooleanField(_("ouverte"), default=True)

    class Meta:
        verbose_name = _("activité")
        verbose_name_plural = _("activités")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(start_time__lt=F("end_time")), name="famille_activity_hours"),
        ]

    def __str__(self) -> str:
        return self.name


class ActivitySite(models.Model):
    """An activity at a site, with the capacity of each of its sessions there."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="activity_sites")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="activity_sites")
    capacity = models.PositiveIntegerField(_("places par séance"))

    class Meta:
        verbose_name = _("lieu d'une activité")
        verbose_name_plural = _("lieux des activités")
        constraints = [
            models.UniqueConstraint(fields=["activity", "site"], name="famille_activity_site_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} @ {self.site_id}"


class Closure(models.Model):
    """A day the town closes (strike, training day): at one site or all, for one activity or all."""

    date = models.DateField(_("jour"))
    site = models.ForeignKey(
        Site, verbose_name=_("lieu"), on_delete=models.CASCADE, null=True, blank=True, related_name="closures"
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activité"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
    )
    reason = models.CharField(_("motif"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("fermeture")
        verbose_name_plural = _("fermetures")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {self.reason}"


class Enrolment(models.Model):
    """A child in an activity (at a site) for a school year: requested by a household, validated by an agent."""

    child = models.ForeignKey(
        Child, verbose_name=_("enfant"), on_delete=models.CASCADE, related_name="enrolments"
    )
    activity = models.ForeignKey(
        Activity, verbose_name=_("activité"), on_delete=models.PROTECT, related_name="enrolments"
    )
    site = models.ForeignKey(
        Site, verbose_name=_("lieu"), on_delete=models.PROTECT, related_name="enrolments"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("année scolaire"), on_delete=models.PROTECT, related_name="enrolments"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("foyer"), on_delete=models.CASCADE, related_name="enrolments"
    )
    status = models.CharField(
        _("état"), max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandée par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    refusal_reason = models.CharField(_("motif du refus"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "activity", "school_year"],
                condition=Q(status__in=[EnrolmentStatus.REQUESTED, EnrolmentStatus.VALIDATED]),
                name="famille_enrolment_unique",
            ),
        ]
        indexes = [models.Index(fields=["activity", "status"], name="famille_enrolment_activity")]

    def __str__(self) -> str:
        return f"{self.child_id} {self.activity_id} {self.school_year_id}"


class Session(models.Model):
    """One day of an activity at a site: `booked` places out of `capacity`, never more.

    `booked` moves only through a conditional UPDATE (… WHERE booked < capacity)
    and the CHECK constraint below backs it: concurrency cannot overbook.
    """

    activity = models.ForeignKey(
        Activity, verbose_name=_("activité"), on_delete=models.CASCADE, related_name="sessions"
    )
    site = models.ForeignKey(Site, verbose_name=_("lieu"), on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField(_("jour"))
    start_time = models.TimeField(_("début"))
    end_time = models.TimeField(_("fin"))
    capacity = models.PositiveIntegerField(_("places"))
    booked = models.PositiveIntegerField(_("places réservées"), default=0)
    closure = models.ForeignKey(
        Closure,
        verbose_name=_("fermeture"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        ordering = ["date", "start_time", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "site", "date"], name="famille_session_unique"),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="famille_session_not_overbooked"
            ),
        ]
        indexes = [models.Index(fields=["site", "date"], name="famille_session_site_date")]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.site_id} {self.date}"

    @property
    def is_closed(self) -> bool:
        return self.closure_id is not None

    @property
    def free_places(self) -> int:
        return max(self.capacity - self.booked, 0)


class Booking(models.Model):
    """A child in a session, booked (or waiting) by one household, which is billed for it."""

    session = models.ForeignKey(
        Session, verbose_name=_("séance"), on_delete=models.CASCADE, related_name="bookings"
    )
    child = models.ForeignKey(
        Child, verbose_name=_("enfant"), on_delete=models.CASCADE, related_name="bookings"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("foyer facturé"), on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(_("état"), max_length=16, choices=BookingStatus.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("réservée par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("réservée le"), default=timezone.now)
    promoted_at = models.DateTimeField(_("sortie de la liste d'attente le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("annulée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    attendance = models.CharField(_("présence"), max_length=10, choices=Attendance.choices, blank=True)
    attendance_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pointée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    attendance_at = models.DateTimeField(_("pointée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        ordering = ["session__date", "pk"]
        constraints = [
            # One live booking (confirmed or waiting) per child and session, whatever the household.
            models.UniqueConstraint(
                fields=["session", "child"],
                condition=Q(status__in=ACTIVE_BOOKING_STATUSES),
                name="famille_booking_one_active",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status", "created_at"], name="famille_booking_queue"),
            models.Index(fields=["child", "status"], name="famille_booking_child"),
            models.Index(fields=["household", "status"], name="famille_booking_household"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.child_id} {self.status}"


# Prices and billing --------------------------------------------------------------------------------


class TariffRule(models.Model):
    """How an activity is priced between two dates: by quotient bracket, or by effort rate.

    Brackets: the price of the bracket holding the household's validated quotient
    (the highest bracket without one), or `non_resident_price_cents` for a
    non-resident household when set. Effort rate: base × `effort_rate` (income or
    quotient, as `effort_base` says), bounded by `floor_cents` and `ceiling_cents`.
    Either is a price per session or per hour of the session.
    """

    activity = models.ForeignKey(
        Activity, verbose_name=_("activité"), on_delete=models.CASCADE, related_name="tariffs"
    )
    valid_from = models.DateField(_("à partir du"))
    valid_until = models.DateField(_("jusqu'au"), null=True, blank=True)
    mode = models.CharField(_("mode de calcul"), max_length=12, choices=PricingMode.choices)
    unit = models.CharField(_("unité"), max_length=8, choices=PriceUnit.choices, default=PriceUnit.SESSION)
    non_resident_price_cents = models.PositiveIntegerField(
        _("prix hors commune (centimes)"), null=True, blank=True
    )
    effort_base = models.CharField(
        _("base du taux d'effort"), max_length=10, choices=EffortBase.choices, default=EffortBase.INCOME
    )
    effort_rate = models.DecimalField(
        _("taux d'effort (%)"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        help_text=_("Pourcentage de la base, par séance ou par heure ; 0,0619 pour 0,0619 %."),
    )
    floor_cents = models.PositiveIntegerField(_("plancher (centimes)"), null=True, blank=True)
    ceiling_cents = models.PositiveIntegerField(_("plafond (centimes)"), null=True, blank=True)

    class Meta:
        verbose_name = _("tarif")
        verbose_name_plural = _("tarifs")
        ordering = ["activity", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_from__lte=F("valid_until")),
                name="famille_tariff_period",
            ),
            models.CheckConstraint(
                condition=Q(mode=PricingMode.BRACKETS) | Q(effort_rate__isnull=False),
                name="famille_tariff_effort_has_rate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.valid_from}"


class TariffBracket(models.Model):
    rule = models.ForeignKey(
        TariffRule, verbose_name=_("tarif"), on_delete=models.CASCADE, related_name="brackets"
    )
    qf_min = models.PositiveIntegerField(_("quotient à partir de"), default=0)
    qf_max = models.PositiveIntegerField(_("quotient jusqu'à"), null=True, blank=True)
    price_cents = models.PositiveIntegerField(_("prix (centimes)"))

    class Meta:
        verbose_name = _("tranche de quotient")
        verbose_name_plural = _("tranches de quotient")
        ordering = ["rule", "qf_min"]
        constraints = [
            models.CheckConstraint(
                condition=Q(qf_max__isnull=True) | Q(qf_min__lte=F("qf_max")), name="famille_bracket_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.qf_min}-{self.qf_max}"


class BillingRun(models.Model):
    """A month of bookings prepared as a draft, reviewed by an agent, then issued as invoices (once)."""

    month = models.DateField(_("mois"), help_text=_("Le premier jour du mois facturé."))
    status = models.CharField(
        _("état"), max_length=10, choices=BillingRunStatus.choices, default=BillingRunStatus.DRAFT
    )
    summary = models.JSONField(_("synthèse"), default=dict, blank=True)
    created_at = models.DateTimeField(_("préparé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("préparé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("émis le"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("émis par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("facturation mensuelle")
        verbose_name_plural = _("facturations mensuelles")
        ordering = ["-month"]
        constraints = [
            # A month is billed once: one run that is not discarded per month.
            models.UniqueConstraint(
                fields=["month"],
                condition=~Q(status=BillingRunStatus.DISCARDED),
                name="famille_billing_run_month_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.status}"


class BillingLine(models.Model):
    """One line of a household's monthly invoice: a child × activity × kind, count × unit price."""

    run = models.ForeignKey(
        BillingRun, verbose_name=_("facturation"), on_delete=models.CASCADE, related_name="lines"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("foyer"), on_delete=models.PROTECT, related_name="+"
    )
    child = models.ForeignKey(Child, verbose_name=_("enfant"), on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(
        Activity, verbose_name=_("activité"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("nature"), max_length=20, choices=BillingLineKind.choices)
    quantity = models.PositiveIntegerField(_("nombre"))
    unit_price_cents = models.PositiveIntegerField(_("prix unitaire (centimes)"))
    amount_cents = models.PositiveBigIntegerField(_("montant (centimes)"))
    invoice = models.ForeignKey(
        "regie.Invoice",
        verbose_name=_("facture"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ligne de facturation")
        verbose_name_plural = _("lignes de facturation")
        ordering = ["run", "household", "child", "activity", "kind"]
        indexes = [models.Index(fields=["run", "household"], name="famille_billing_line_household")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.household_id} {self.kind}"


class TaxCertificate(models.Model):
    """The yearly childcare tax certificate (children under 6), kept as a PDF in the household's vault."""

    household = models.ForeignKey(
        Household, verbose_name=_("foyer"), on_delete=models.CASCADE, related_name="tax_certificates"
    )
    year = models.PositiveSmallIntegerField(_("année"))
    amount_cents = models.PositiveBigIntegerField(_("montant payé (centimes)"))
    document = models.ForeignKey(
        "coffre.Document",
        verbose_name=_("attestation"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("établie le"), auto_now_add=True)

    class Meta:
        verbose_name = _("attestation fiscale")
        verbose_name_plural = _("attestations fiscales")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="famille_tax_certificate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"
