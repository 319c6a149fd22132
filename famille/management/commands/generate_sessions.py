"""Generate the sessions of a school year for the activities (part F2); safe to run again."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from famille import services
from famille.exceptions import FamilleError
from famille.models import Activity, SchoolYear


class Command(BaseCommand):
    help = (
        "Crée les séances d'une année scolaire pour chaque activité ouverte, à chacun de ses lieux "
        "(jours de la semaine, vacances scolaires de la zone de la commune, jours fériés). "
        "Relancée, elle ne crée que ce qui manque."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year", help="L'année scolaire, par exemple 2026-2027 (par défaut : celles en cours)."
        )
        parser.add_argument("--activity", action="append", default=[], help="L'identifiant d'une activité.")

    def handle(self, *args, year=None, activity=(), **options):
        if year:
            years = list(SchoolYear.objects.filter(name=year))
            if not years:
                raise CommandError(f"Année scolaire inconnue : {year}")
        else:
            years = list(SchoolYear.objects.filter(end_date__gte=timezone.localdate()).order_by("start_date"))
        activities = Activity.objects.filter(is_active=True).order_by("kind", "name")
        if activity:
            activities = activities.filter(slug__in=activity)
        for school_year in years:
            for item in activities:
                try:
                    created = services.generate_sessions(activity=item, school_year=school_year)
                except FamilleError as error:
                    raise CommandError(error.message) from None
                self.stdout.write(f"{school_year.name} · {item.name} : {created} séance(s) créée(s)")
