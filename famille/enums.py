from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    CANTEEN = "canteen", _("Restauration scolaire")
    MORNING_CARE = "morning_care", _("Accueil périscolaire du matin")
    EVENING_CARE = "evening_care", _("Accueil périscolaire du soir")
    WEDNESDAY_CENTRE = "wednesday_centre", _("Accueil de loisirs du mercredi")
    HOLIDAY_CENTRE = "holiday_centre", _("Accueil de loisirs des vacances")
    NURSERY = "nursery", _("Multi-accueil (crèche)")
    MUSIC_SCHOOL = "music_school", _("École de musique")


class SiteKind(models.TextChoices):
    SCHOOL = "school", _("École")
    CENTRE = "centre", _("Accueil de loisirs")
    NURSERY = "nursery", _("Multi-accueil")
    OTHER = "other", _("Autre lieu")


class SchoolLevel(models.TextChoices):
    """French school classes, in order (the eligibility of an activity is a range of them)."""

    TPS = "tps", _("Toute petite section")
    PS = "ps", _("Petite section")
    MS = "ms", _("Moyenne section")
    GS = "gs", _("Grande section")
    CP = "cp", _("CP")
    CE1 = "ce1", _("CE1")
    CE2 = "ce2", _("CE2")
    CM1 = "cm1", _("CM1")
    CM2 = "cm2", _("CM2")


class SessionPeriod(models.TextChoices):
    """Which days of the year an activity's pattern of weekdays runs on."""

    SCHOOL_DAYS = "school_days", _("Jours d'école (hors vacances scolaires)")
    HOLIDAYS = "holidays", _("Vacances scolaires seulement")
    ALL_YEAR = "all_year", _("Toute l'année (hors jours fériés)")


class EnrolmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Demandée")
    VALIDATED = "validated", _("Validée")
    REFUSED = "refused", _("Refusée")
    CANCELLED = "cancelled", _("Annulée")


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Réservée")
    WAITING = "waiting", _("Liste d'attente")
    CANCELLED = "cancelled", _("Annulée")
    # Cancelled after the deadline: billed when the activity says so.
    LATE_CANCELLED = "late_cancelled", _("Annulée hors délai")
    # The session was closed by the town (strike, training day): never billed.
    CLOSED = "closed", _("Annulée (fermeture)")


ACTIVE_BOOKING_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.WAITING)


class Attendance(models.TextChoices):
    PRESENT = "present", _("Présent")
    ABSENT = "absent", _("Absent")
    # Absent with a medical certificate (or another accepted reason): not billed.
    EXCUSED = "excused", _("Absence justifiée")


class ReviewStatus(models.TextChoices):
    """Documents and quotients the family gives, checked by an agent."""

    PENDING = "pending", _("À vérifier")
    VALIDATED = "validated", _("Validé")
    REFUSED = "refused", _("Refusé")


class PricingMode(models.TextChoices):
    BRACKETS = "brackets", _("Prix par tranche de quotient familial")
    EFFORT_RATE = "effort_rate", _("Taux d'effort (revenus ou quotient × taux)")


class PriceUnit(models.TextChoices):
    SESSION = "session", _("Par séance")
    HOUR = "hour", _("Par heure")


class EffortBase(models.TextChoices):
    INCOME = "income", _("Revenus mensuels du foyer")
    QUOTIENT = "quotient", _("Quotient familial")


class BillingRunStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon à vérifier")
    ISSUED = "issued", _("Factures émises")
    DISCARDED = "discarded", _("Abandonné")


class BillingLineKind(models.TextChoices):
    SESSIONS = "sessions", _("Séances")
    LATE_CANCELLATION = "late_cancellation", _("Annulations hors délai")
    UNJUSTIFIED_ABSENCE = "unjustified_absence", _("Absences non justifiées")
