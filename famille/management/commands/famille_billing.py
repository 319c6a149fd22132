"""`manage.py famille_billing [--month 2026-11] [--issue]`, `manage.py famille_billing --tax-certificates 2026`.

What the beat tasks do, by hand, as the system: prepare (or recompute) a month's
draft run, and with --issue issue it at once; or make a year's childcare tax
certificates here and now (not through Celery).
"""

import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from famille.exceptions import FamilleError
from famille.selectors import billing as selectors
from famille.services import billing
from regie.money import format_eur


def month(value: str) -> date:
    match = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(value)
    return date(int(match.group(1)), int(match.group(2)), 1)


class Command(BaseCommand):
    help = (
        "Prépare (ou recalcule) le brouillon de facturation des familles d'un mois, le mois précédent par "
        "défaut, et l'émet avec --issue ; ou établit les attestations fiscales d'une année (--tax-certificates)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--month", type=month, help="Mois à facturer, AAAA-MM (par défaut : le mois précédent)."
        )
        parser.add_argument("--issue", action="store_true", help="Émettre les factures du brouillon préparé.")
        parser.add_argument(
            "--tax-certificates",
            type=int,
            metavar="ANNÉE",
            help="Établir les attestations fiscales de l'année.",
        )

    def handle(self, *args, month: date | None, issue: bool, tax_certificates: int | None, **options) -> None:
        if tax_certificates:
            self._certificates(tax_certificates)
            return
        try:
            run = billing.prepare_run(actor=None, month=month)
        except FamilleError as error:
            raise CommandError(error.message) from error
        summary = run.summary
        self.stdout.write(
            f"{run.month:%Y-%m} : {summary['households']} foyers, {summary['lines']} lignes, "
            f"{format_eur(summary['total_cents'])}, {summary['anomaly_count']} anomalies (brouillon n° {run.pk})."
        )
        if issue:
            try:
                invoices = billing.issue_run(actor=None, run=run)
            except FamilleError as error:
                raise CommandError(error.message) from error
            self.stdout.write(self.style.SUCCESS(f"{len(invoices)} factures émises."))

    def _certificates(self, year: int) -> None:
        made = 0
        for household in selectors.tax_certificate_households(year).iterator(chunk_size=200):
            made += billing.generate_tax_certificate(actor=None, household=household, year=year) is not None
        self.stdout.write(self.style.SUCCESS(f"{made} attestation(s) fiscale(s) pour {year}."))
