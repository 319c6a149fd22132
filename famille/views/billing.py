"""The monthly billing runs (agents) and the tax certificates (families) — part F3.

Agents' pages under agent/famille/facturation/…: verified agents (2FA) who may
bill (`famille.perms.can_bill`: the family services' agents and the régie's),
403 for anyone else; a run that does not exist is a 404. Every write goes
through `famille.services` (which checks the role again); issuing is final and
asks for a ticked confirmation, and a double submission issues once (the run
is locked, the second finds it issued). Preparing and issuing a town's month
take longer than the 30 s a page may wait: they run in Celery tasks, and the
page says so (in the demo and the tests Celery runs them at once).

Families' page mon-espace/famille/attestations/: the certificates of their own
households only, each a document of the household's vault.
"""

from functools import wraps

from celery.result import EagerResult
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from famille import perms, selectors, services, tasks
from famille.enums import BillingRunStatus
from famille.exceptions import BillingRunIssued, FamilleError
from famille.forms.billing import BillingMonthForm, IssueForm
from famille.models import BillingRun
from guichet import audit
from guichet.portal.decorators import agent_required

HOUSEHOLDS_PER_PAGE = 25
RUNS_PER_PAGE = 24


def billing_agent_required(view):
    """A verified agent (2FA) who may bill, else 403."""

    @agent_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not perms.can_bill(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def agent_trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    """Tableau de bord › Facturation des familles › …, the last one being the current page."""
    result = [
        (_("Tableau de bord"), reverse("portal:agent_home")),
        (_("Facturation des familles"), reverse("famille:agent_billing_runs")),
        *pages,
    ]
    result[-1] = (result[-1][0], "")
    return result


def _run_or_404(request: HttpRequest, pk: int) -> BillingRun:
    try:
        return selectors.billing_run(request.user, pk)
    except BillingRun.DoesNotExist:
        raise Http404 from None


def _runs_page(request: HttpRequest, form: BillingMonthForm) -> HttpResponse:
    runs = Paginator(selectors.billing_runs(request.user), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "famille/billing/runs.html",
        {"page_obj": runs, "form": form, "trail": agent_trail()},
    )


@require_GET
@billing_agent_required
def agent_runs(request: HttpRequest) -> HttpResponse:
    """Every month's run, newest first, and the form to prepare a month."""
    return _runs_page(request, BillingMonthForm(initial={"month": f"{services.previous_month():%Y-%m}"}))


def _in_celery(task, *args) -> dict | None:
    """Run a billing task in Celery: a town's month takes longer than a page may wait (gunicorn
    gives 30 s). Its answer when it already ran (Celery eager: the demo, the tests), else None."""
    result = task.delay(*args)
    # No result backend in production: only an eager run has an answer to read.
    # An eager result is already there: reading it never blocks, wherever the page runs.
    return result.get(disable_sync_subtasks=False) if isinstance(result, EagerResult) else None


@require_POST
@billing_agent_required
def agent_run_prepare(request: HttpRequest) -> HttpResponse:
    """Prepare a month's draft (or recompute the draft there is); an issued month is refused."""
    form = BillingMonthForm(request.POST)
    if form.is_valid():
        month = form.cleaned_data["month"]
        try:
            services.check_billable_month(month)
        except FamilleError as error:
            form.add_error("month", error.message)
        else:
            outcome = _in_celery(tasks.prepare_billing_run, month.isoformat(), request.user.pk)
            if outcome is None:
                messages.info(
                    request, _("Préparation du brouillon lancée : il apparaît ici dans quelques minutes.")
                )
                return redirect("famille:agent_billing_runs")
            if "error" not in outcome:
                messages.success(request, _("Brouillon préparé : vérifiez-le avant d'émettre les factures."))
                return redirect("famille:agent_billing_run", pk=outcome["run"])
            form.add_error("month", outcome["error"])
    return _runs_page(request, form)


@require_GET
@billing_agent_required
def agent_run(request: HttpRequest, pk: int) -> HttpResponse:
    """A run to review: totals per activity, households (a page at a time) with their lines, anomalies."""
    run = _run_or_404(request, pk)
    page_obj = Paginator(selectors.run_households(run), HOUSEHOLDS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page_obj.object_list)
    lines = selectors.run_lines(run, [row["household_id"] for row in rows])
    for row in rows:
        row["lines"] = lines.get(row["household_id"], [])
    # Household and children's names on the page: an agent's read of personal data.
    audit.record(actor=request.user, action="famille.billing_run.view", target=run, page=page_obj.number)
    return render(
        request,
        "famille/billing/run.html",
        {
            "run": run,
            "page_obj": page_obj,
            "rows": rows,
            "anomalies": selectors.run_anomalies(run),
            "is_draft": run.status == BillingRunStatus.DRAFT,
            "trail": agent_trail((_("Mois de %(month)s") % {"month": _month_label(run)}, "")),
        },
    )


def _month_label(run: BillingRun) -> str:
    return date_format(run.month, "F Y")


@require_POST
@billing_agent_required
def agent_run_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    """Recompute a draft from the bookings as they are now (an issued run stays as it is)."""
    run = _run_or_404(request, pk)
    if run.status != BillingRunStatus.DRAFT:
        messages.error(request, str(BillingRunIssued.default_message))
        return redirect("famille:agent_billing_run", pk=run.pk)
    outcome = _in_celery(tasks.prepare_billing_run, run.month.isoformat(), request.user.pk)
    if outcome is None:
        messages.info(request, _("Recalcul lancé : rechargez cette page dans quelques minutes."))
    elif "error" in outcome:
        messages.error(request, outcome["error"])
    else:
        messages.success(request, _("Brouillon recalculé à partir des réservations d'aujourd'hui."))
    return redirect("famille:agent_billing_run", pk=run.pk)


@require_http_methods(["GET", "POST"])
@billing_agent_required
def agent_run_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue the draft's invoices, one per household, after a ticked confirmation (final)."""
    run = _run_or_404(request, pk)
    if run.status != BillingRunStatus.DRAFT:
        messages.info(request, str(BillingRunIssued.default_message))
        return redirect("famille:agent_billing_run", pk=run.pk)
    form = IssueForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # A double submission runs the task twice: the second finds the run issued and issues nothing.
        outcome = _in_celery(tasks.issue_billing_run, run.pk, request.user.pk)
        if outcome is None:
            messages.info(
                request,
                _("Émission des factures lancée : cette page l'indiquera terminée dans quelques minutes."),
            )
            return redirect("famille:agent_billing_run", pk=run.pk)
        if "error" not in outcome:
            count = outcome["invoices"]
            messages.success(
                request,
                ngettext(
                    "%(count)d facture émise : les familles la trouvent dans leur espace.",
                    "%(count)d factures émises : les familles les trouvent dans leur espace.",
                    count,
                )
                % {"count": count},
            )
            return redirect("famille:agent_billing_run", pk=run.pk)
        if BillingRun.objects.filter(pk=run.pk, status=BillingRunStatus.ISSUED).exists():
            # The first submission issued them meanwhile.
            messages.info(request, outcome["error"])
            return redirect("famille:agent_billing_run", pk=run.pk)
        form.add_error(None, outcome["error"])
    return render(
        request,
        "famille/billing/issue.html",
        {
            "run": run,
            "form": form,
            "trail": agent_trail(
                (
                    _("Mois de %(month)s") % {"month": _month_label(run)},
                    reverse("famille:agent_billing_run", args=[run.pk]),
                ),
                (_("Émettre les factures"), ""),
            ),
        },
    )


@require_GET
def tax_certificates(request: HttpRequest) -> HttpResponse:
    """The family's yearly childcare tax certificates, each a PDF in the household's vault."""
    return render(
        request,
        "famille/billing/tax_certificates.html",
        {
            "certificates": list(selectors.tax_certificates_for(request.user)),
            "trail": [
                (_("Mon espace"), reverse("portal:dashboard")),
                (_("Ma famille"), reverse("famille:family_home")),
                (_("Attestations fiscales"), ""),
            ],
        },
    )
