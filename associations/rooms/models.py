"""The town's rooms and their bookings.

A room has its opening hours (per weekday, possibly several ranges), photos (public images),
accessibility information, hourly prices for associations and for private persons, a deposit
and its booking rules. A booking holds a slot of a room for a party (a person or an
association); a weekly series is a set of bookings with the same slot on one weekday of a season.

No two confirmed bookings of a room overlap: a PostgreSQL exclusion constraint on
(room =, period &&) where the status is confirmed. Periods are half-open ('[)'), so
18:00–20:00 and 20:00–22:00 both hold.
"""

from datetime import date, datetime, time

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from associations.rooms.enums import (
    WEEKDAYS,
    BookingStatus,
    ConflictReason,
    RoomCondition,
    SettlementKind,
    SettlementReason,
    SettlementStatus,
)
from associations.rooms.schedule import price_cents
from guichet.accounts.enums import PartyKind
from guichet.accounts.models import Party
from guichet.public_files import RandomName, public_storage


class RoomQuerySet(models.QuerySet):
    def active(self) -> "RoomQuerySet":
        return self.filter(is_active=True)


class Room(models.Model):
    """A room of the town that associations (and, when it says so, private persons) may book."""

    name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=80, unique=True)
    description = models.TextField(_("présentation"), blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    capacity = models.PositiveIntegerField(_("capacité (personnes)"))
    equipment = models.TextField(_("équipements"), blank=True, help_text=_("Un équipement par ligne."))
    step_free_access = models.BooleanField(_("accès de plain-pied ou par rampe, ascenseur"), default=False)
    adapted_toilets = models.BooleanField(_("toilettes adaptées"), default=False)
    hearing_loop = models.BooleanField(_("boucle magnétique"), default=False)
    accessibility_details = models.TextField(
        _("précisions sur l'accessibilité"),
        blank=True,
        help_text=_("Places de stationnement réservées, largeur des portes, éclairage…"),
    )
    association_hourly_cents = models.PositiveIntegerField(
        _("prix de l'heure pour une association (centimes)"), default=0, help_text=_("0 : gratuit.")
    )
    private_allowed = models.BooleanField(
        _("ouverte aux particuliers"),
        default=False,
        help_text=_("Les particuliers peuvent la réserver pour un événement familial."),
    )
    private_hourly_cents = models.PositiveIntegerField(
        _("prix de l'heure pour un particulier (centimes)"), default=0, help_text=_("0 : gratuit.")
    )
    deposit_cents = models.PositiveIntegerField(
        _("caution (centimes)"),
        default=0,
        help_text=_(
            "Demandée pour chaque réservation ponctuelle, libérée après l'état des lieux. 0 : aucune."
        ),
    )
    needs_approval = models.BooleanField(
        _("réservations validées par le service"),
        default=True,
        help_text=_("Sinon, une demande sur un créneau libre est confirmée aussitôt."),
    )
    free_cancellation_days = models.PositiveSmallIntegerField(
        _("annulation gratuite jusqu'à (jours avant)"), default=7
    )
    is_active = models.BooleanField(_("réservable"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        verbose_name = _("salle")
        verbose_name_plural = _("salles")
        ordering = ["position", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def equipment_list(self) -> list[str]:
        return [line.strip() for line in self.equipment.splitlines() if line.strip()]

    def hourly_cents_for(self, party: Party) -> int | None:
        """The price of an hour for this party; None when the room is not open to its kind."""
        if party.kind == PartyKind.ASSOCIATION:
            return self.association_hourly_cents
        if party.kind == PartyKind.PERSON and self.private_allowed:
            return self.private_hourly_cents
        return None


class OpeningHours(models.Model):
    """One range of a weekday in which the room may be booked (a day may have several)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=WEEKDAYS)
    opens = models.TimeField(_("ouvre à"))
    closes = models.TimeField(_("ferme à"))

    class Meta:
        verbose_name = _("horaire d'ouverture")
        verbose_name_plural = _("horaires d'ouverture")
        ordering = ["weekday", "opens", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")),
                name="rooms_opening_hours_order",
                violation_error_message=_("L'heure de fermeture doit suivre l'heure d'ouverture."),
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="rooms_opening_hours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} {self.weekday} {self.opens}-{self.closes}"

    def covers(self, start: time, end: time) -> bool:
        return self.opens <= start and end <= self.closes


class RoomPhoto(models.Model):
    """A public photo of the room, with the text that describes it to those who cannot see it."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=RandomName("rooms/photos"), storage=public_storage)
    alt_text = models.CharField(
        _("description de la photo"),
        max_length=200,
        help_text=_("Ce que montre la photo, lu aux personnes qui ne la voient pas."),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("photo de salle")
        verbose_name_plural = _("photos de salle")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.room_id} {self.pk}"


class BookingSeries(models.Model):
    """A weekly slot for a season (every Tuesday 18:00–20:00 from September to June): its bookings
    are the dates asked for; the dates not asked for are its conflicts."""

    room = models.ForeignKey(Room, verbose_name=_("salle"), on_delete=models.PROTECT, related_name="series")
    party = models.ForeignKey(
        Party, verbose_name=_("pour le compte de"), on_delete=models.PROTECT, related_name="room_series"
    )
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=WEEKDAYS)
    start_time = models.TimeField(_("de"))
    end_time = models.TimeField(_("à"))
    first_date = models.DateField(_("à partir du"))
    last_date = models.DateField(_("jusqu'au"))
    purpose = models.CharField(_("activité"), max_length=200)
    attendees = models.PositiveIntegerField(_("participants attendus"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandée par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)

    class Meta:
        verbose_name = _("série de réservations")
        verbose_name_plural = _("séries de réservations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=models.F("end_time")), name="rooms_series_times"
            ),
            models.CheckConstraint(
                condition=Q(first_date__lte=models.F("last_date")), name="rooms_series_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} {self.pk}"

    @property
    def reference(self) -> str:
        return f"S{self.pk:06d}"


class SeriesConflict(models.Model):
    """A date of a weekly request that was not asked for, and why (listed on the request's result)."""

    series = models.ForeignKey(BookingSeries, on_delete=models.CASCADE, related_name="conflicts")
    date = models.DateField(_("date"))
    reason = models.CharField(_("raison"), max_length=10, choices=ConflictReason.choices)
    # The public holiday's name, or the slot already booked ("18:00–20:00"): never a person's name.
    detail = models.CharField(_("précision"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("date non demandée")
        verbose_name_plural = _("dates non demandées")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["series", "date"], name="rooms_series_conflict_unique")
        ]

    def __str__(self) -> str:
        return f"{self.series_id} {self.date}"

    @property
    def reason_label(self) -> str:
        return ConflictReason(self.reason).label


class BookingQuerySet(models.QuerySet):
    def for_user(self, user) -> "BookingQuerySet":
        """Bookings of the user's parties: their own, their associations' (a member who left no longer
        finds them)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(party__in=Party.objects.for_user(user))

    def confirmed(self) -> "BookingQuerySet":
        return self.filter(status=BookingStatus.CONFIRMED)


class Booking(models.Model):
    """A slot of a room for a party: a one-off booking, or one date of a weekly series."""

    room = models.ForeignKey(Room, verbose_name=_("salle"), on_delete=models.PROTECT, related_name="bookings")
    party = models.ForeignKey(
        Party, verbose_name=_("pour le compte de"), on_delete=models.PROTECT, related_name="room_bookings"
    )
    series = models.ForeignKey(
        BookingSeries,
        verbose_name=_("série"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
    )
    period = DateTimeRangeField(_("créneau"))
    purpose = models.CharField(_("objet ou nom de l'événement"), max_length=200)
    attendees = models.PositiveIntegerField(_("participants attendus"))
    status = models.CharField(
        _("état"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.PENDING
    )
    # Frozen when confirmed: what this booking is billed (hours × the party's price) and its deposit.
    price_cents = models.PositiveIntegerField(_("prix de la location (centimes)"), default=0)
    deposit_cents = models.PositiveIntegerField(_("caution (centimes)"), default=0)
    invoice = models.ForeignKey(
        "regie.Invoice",
        verbose_name=_("facture de la location"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deposit_invoice = models.ForeignKey(
        "regie.Invoice",
        verbose_name=_("facture de la caution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandée par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("annulée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    # Cancelled after the free-cancellation notice: the rental stays due (the deposit is released).
    cancellation_billed = models.BooleanField(_("annulation facturée"), default=False)
    # The after-event check (état des lieux).
    checked_at = models.DateTimeField(_("état des lieux le"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("état des lieux par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    condition = models.CharField(
        _("état de la salle"), max_length=10, choices=RoomCondition.choices, blank=True
    )
    damage_notes = models.TextField(_("constat"), blank=True)
    deposit_kept_cents = models.PositiveIntegerField(_("caution retenue (centimes)"), default=0)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("réservation de salle")
        verbose_name_plural = _("réservations de salles")
        ordering = ["period", "pk"]
        constraints = [
            ExclusionConstraint(
                name="rooms_no_overlapping_confirmed_bookings",
                expressions=[("room", RangeOperators.EQUAL), ("period", RangeOperators.OVERLAPS)],
                condition=Q(status=BookingStatus.CONFIRMED),
                violation_error_message=_("Ce créneau est déjà réservé."),
            ),
            models.CheckConstraint(condition=Q(period__isempty=False), name="rooms_booking_period_not_empty"),
            models.CheckConstraint(
                condition=Q(status__in=BookingStatus.values), name="rooms_booking_status_known"
            ),
            models.CheckConstraint(
                condition=Q(deposit_kept_cents__lte=models.F("deposit_cents")),
                name="rooms_booking_kept_within_deposit",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="rooms_booking_status"),
            models.Index(fields=["party", "status"], name="rooms_booking_party"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} {self.pk}"

    @property
    def reference(self) -> str:
        return f"R{self.pk:06d}"

    @property
    def starts_at(self) -> datetime:
        return timezone.localtime(self.period.lower)

    @property
    def ends_at(self) -> datetime:
        return timezone.localtime(self.period.upper)

    @property
    def day(self) -> date:
        return self.starts_at.date()

    @property
    def status_enum(self) -> BookingStatus:
        return BookingStatus(self.status)

    @property
    def minutes(self) -> int:
        return int((self.period.upper - self.period.lower).total_seconds() // 60)

    @property
    def is_checked(self) -> bool:
        return self.checked_at is not None

    @property
    def estimated_price_cents(self) -> int | None:
        """What confirming it would bill now (hours × the party's price); None if the room is not open to it."""
        hourly = self.room.hourly_cents_for(self.party)
        return None if hourly is None else price_cents(hourly, self.minutes)

    @property
    def estimated_deposit_cents(self) -> int:
        return self.room.deposit_cents if self.series_id is None else 0


class Settlement(models.Model):
    """Money the régie gives back on a booking's invoice: a credit note for what is not paid yet, then
    a refund of what was. Only régie agents issue them (regie's rule): done at once when the person
    acting is one, else waiting here for one of them."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="settlements")
    kind = models.CharField(_("sur"), max_length=10, choices=SettlementKind.choices)
    invoice = models.ForeignKey(
        "regie.Invoice", verbose_name=_("facture"), on_delete=models.PROTECT, related_name="+"
    )
    amount_cents = models.PositiveIntegerField(_("montant (centimes)"))
    reason = models.CharField(_("motif"), max_length=20, choices=SettlementReason.choices)
    status = models.CharField(
        _("état"), max_length=10, choices=SettlementStatus.choices, default=SettlementStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandé par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("réglé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    done_at = models.DateTimeField(_("réglé le"), null=True, blank=True)
    credited_cents = models.PositiveIntegerField(_("avoir (centimes)"), default=0)
    refunded_cents = models.PositiveIntegerField(_("remboursé (centimes)"), default=0)

    class Meta:
        verbose_name = _("règlement d'une réservation")
        verbose_name_plural = _("règlements des réservations")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="rooms_settlement_amount_positive"),
            models.CheckConstraint(
                condition=Q(credited_cents__lte=models.F("amount_cents"))
                & Q(refunded_cents__lte=models.F("amount_cents")),
                name="rooms_settlement_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.kind} {self.pk}"

    @property
    def status_enum(self) -> SettlementStatus:
        return SettlementStatus(self.status)


class FeedKey(models.Model):
    """The secret of an iCalendar feed (a room's, an association's): its URL carries an HMAC of this row
    and its salt, so renewing the salt makes the old URL answer 404."""

    room = models.OneToOneField(
        Room, on_delete=models.CASCADE, null=True, blank=True, related_name="feed_key"
    )
    party = models.OneToOneField(
        Party, on_delete=models.CASCADE, null=True, blank=True, related_name="room_feed_key"
    )
    salt = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    renewed_at = models.DateTimeField(_("renouvelé le"), null=True, blank=True)
    renewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("renouvelé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("clé d'agenda")
        verbose_name_plural = _("clés d'agenda")
        constraints = [
            models.CheckConstraint(
                condition=(Q(room__isnull=False) & Q(party__isnull=True))
                | (Q(room__isnull=True) & Q(party__isnull=False)),
                name="rooms_feed_key_one_target",
            )
        ]

    def __str__(self) -> str:
        return str(self.pk)
