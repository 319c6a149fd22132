"""The régisseur's pages under /agent/regie/, in the agent shell, for verified agents of the régie only.

Reads go through the régie's selectors (PermissionDenied for anyone else);
every write through a service, which checks the role again. Forms that record
money carry an idempotency key, so a double submission records once.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet import audit
from guichet.security.reauth import reauthentication_required
from regie import exports, forms, selectors, services
from regie.enums import DebitBatchStatus, DebitItemStatus, PaymentMethod, PaymentStatus
from regie.exceptions import (
    CreditNoteRefused,
    InvalidDebit,
    InvalidPayment,
    InvoiceNotPayable,
    PaymentProviderError,
    RefundRefused,
)
from regie.models import DirectDebitBatch, DirectDebitItem, Invoice, Payment
from regie.money import format_eur
from regie.views.common import pdf_response, regie_agent_required

PAGE_SIZE = 25


def _get_or_404(lookup, *args):
    try:
        return lookup(*args)
    except (Invoice.DoesNotExist, Payment.DoesNotExist, DirectDebitBatch.DoesNotExist) as error:
        raise Http404 from error


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@regie_agent_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    unpaid = selectors.invoices_for_regie(request.user).unpaid()
    summary = unpaid.aggregate(
        count=Count("pk"),
        total=Sum("balance_cents"),
        overdue=Count("pk", filter=Q(due_date__lt=today)),
    )
    return render(
        request,
        "regie/agent/home.html",
        {"summary": summary, "discrepancies": selectors.open_discrepancies(request.user)[:20]},
    )


# Invoices -------------------------------------------------------------------------------


@regie_agent_required
@require_GET
def invoices(request: HttpRequest) -> HttpResponse:
    form = forms.InvoiceSearchForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {"query": data["q"], "state": data["etat"], "start": data["du"], "end": data["au"]}
    invoices = (
        selectors.search_invoices(request.user, **filters) if not form.errors else Invoice.objects.none()
    )
    return render(request, "regie/agent/invoices.html", {"form": form, "page_obj": _page(request, invoices)})


@regie_agent_required
@require_GET
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _get_or_404(selectors.invoice_for_regie, request.user, pk)
    audit.record(actor=request.user, action="invoice.view", target=invoice, owner=invoice.payer_id)
    return render(request, "regie/agent/invoice_detail.html", {"invoice": invoice})


@regie_agent_required
@require_GET
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _get_or_404(selectors.invoice_for_regie, request.user, pk)
    return pdf_response(services.render_invoice_pdf(invoice), filename=f"facture-{invoice.number}.pdf")


@regie_agent_required
@require_http_methods(["GET", "POST"])
def counter_payment(request: HttpRequest, pk: int) -> HttpResponse:
    """Cash, cheque or transfer handed over for this invoice; the receipt follows."""
    invoice = _get_or_404(selectors.invoice_for_regie, request.user, pk)
    form = forms.CounterPaymentForm(
        request.POST or None,
        initial={"amount": forms.euros_initial(invoice.amount_due_cents), "method": PaymentMethod.CASH},
    )
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.record_counter_payment(
                actor=request.user,
                payer=invoice.payer,
                invoices=[invoice],
                method=form.cleaned_data["method"],
                amount_cents=form.cleaned_data["amount"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except (InvalidPayment, InvoiceNotPayable) as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Paiement enregistré : quittance n° %(number)s.") % {"number": payment.receipt_number},
            )
            return redirect("regie_pages:agent_payment_detail", pk=payment.pk)
    return render(request, "regie/agent/counter_payment.html", {"invoice": invoice, "form": form})


@regie_agent_required
@require_http_methods(["GET", "POST"])
def credit_note(request: HttpRequest, pk: int) -> HttpResponse:
    """An avoir for part or all of the invoice; the whole amount left cancels it."""
    invoice = _get_or_404(selectors.invoice_for_regie, request.user, pk)
    creditable = invoice.total_cents - invoice.credited_cents
    form = forms.CreditNoteForm(
        request.POST or None, initial={"amount": forms.euros_initial(max(creditable, 0))}
    )
    if request.method == "POST" and form.is_valid():
        try:
            note = services.issue_credit_note(
                actor=request.user,
                invoice=invoice,
                amount_cents=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except CreditNoteRefused as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Avoir n° %(number)s émis.") % {"number": note.number})
            return redirect("regie_pages:agent_invoice_detail", pk=invoice.pk)
    return render(
        request, "regie/agent/credit_note.html", {"invoice": invoice, "form": form, "creditable": creditable}
    )


@regie_agent_required
@require_GET
def unpaid(request: HttpRequest) -> HttpResponse:
    overdue_only = request.GET.get("retard") == "1"
    invoices = selectors.unpaid_for_regie(request.user, overdue_only=overdue_only)
    return render(
        request,
        "regie/agent/unpaid.html",
        {"page_obj": _page(request, invoices), "overdue_only": overdue_only, "today": timezone.localdate()},
    )


# Payments -------------------------------------------------------------------------------


@regie_agent_required
@require_GET
def payments(request: HttpRequest) -> HttpResponse:
    form = forms.PaymentSearchForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "query": data["q"],
            "method": data["moyen"],
            "status": data["statut"],
            "start": data["du"],
            "end": data["au"],
        }
    payments = (
        selectors.search_payments(request.user, **filters) if not form.errors else Payment.objects.none()
    )
    return render(request, "regie/agent/payments.html", {"form": form, "page_obj": _page(request, payments)})


@regie_agent_required
@require_GET
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _get_or_404(selectors.payment_for_regie, request.user, pk)
    audit.record(actor=request.user, action="payment.view", target=payment, owner=payment.payer_id)
    return render(request, "regie/agent/payment_detail.html", {"payment": payment})


@regie_agent_required
@require_GET
def receipt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _get_or_404(selectors.payment_for_regie, request.user, pk)
    if payment.status != PaymentStatus.SUCCEEDED:
        raise Http404
    return pdf_response(
        services.receipt_pdf(payment_id=payment.pk), filename=f"quittance-{payment.receipt_number}.pdf"
    )


@regie_agent_required
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def refund(request: HttpRequest, pk: int) -> HttpResponse:
    """Give back part or all of what this payment paid for one of its invoices.

    Money leaves the town: the agent confirms who they are first (password or code, once in
    5 minutes); the form they sent is then recorded as it was.
    """
    payment = _get_or_404(selectors.payment_for_regie, request.user, pk)
    if payment.status != PaymentStatus.SUCCEEDED:
        raise Http404
    paid = [allocation.invoice for allocation in payment.allocations.all()]
    form = forms.RefundForm(request.POST or None, invoices=paid)
    if request.method == "POST" and form.is_valid():
        invoice = next(invoice for invoice in paid if invoice.pk == form.cleaned_data["invoice"])
        try:
            done = services.refund_payment(
                actor=request.user,
                payment=payment,
                invoice=invoice,
                amount_cents=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except (RefundRefused, PaymentProviderError) as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Remboursement de %(amount)s enregistré.") % {"amount": format_eur(done.amount_cents)},
            )
            return redirect("regie_pages:agent_payment_detail", pk=payment.pk)
    return render(request, "regie/agent/refund.html", {"payment": payment, "form": form})


# Cash closing and exports ---------------------------------------------------------------------


@regie_agent_required
@require_GET
def cash_closing(request: HttpRequest) -> HttpResponse:
    form = forms.DayForm(request.GET or {"jour": timezone.localdate().isoformat()})
    report = selectors.cash_closing(request.user, day=form.cleaned_data["jour"]) if form.is_valid() else None
    return render(request, "regie/agent/cash_closing.html", {"form": form, "report": report})


@regie_agent_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The export form; once filled in, the file itself (CSV streamed, or XLSX)."""
    today = timezone.localdate()
    form = forms.ExportForm(
        request.GET or None,
        initial={"contenu": "paiements", "format": "csv", "du": today.replace(day=1), "au": today},
    )
    if not form.is_bound or not form.is_valid():
        return render(request, "regie/agent/export.html", {"form": form})
    data = form.cleaned_data
    start, end, content, file_format = data["du"], data["au"], data["contenu"], data["format"]
    if content == "paiements":
        columns = exports.payment_columns()
        rows = exports.payment_rows(selectors.payments_to_export(request.user, start=start, end=end))
    else:
        columns = exports.invoice_columns()
        rows = exports.invoice_rows(selectors.invoices_to_export(request.user, start=start, end=end))
    audit.record(
        actor=request.user,
        action="regie.export",
        content=content,
        start=start.isoformat(),
        end=end.isoformat(),
        format=file_format,
    )
    filename = f"regie-{content}-{start.isoformat()}-{end.isoformat()}.{file_format}"
    if file_format == "csv":
        response = StreamingHttpResponse(
            exports.csv_stream(columns, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = FileResponse(
            exports.xlsx_file(columns, rows, title=content.capitalize()),
            as_attachment=True,
            filename=filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Cache-Control"] = "private, no-store"
    return response


# SEPA direct debit ---------------------------------------------------------------------------


@regie_agent_required
@require_http_methods(["GET", "POST"])
def debit_batches(request: HttpRequest) -> HttpResponse:
    """The batches generated so far, and the form that generates the next pain.008 file."""
    today = timezone.localdate()
    form = forms.DirectDebitBatchForm(
        request.POST or None, initial={"collection_date": today + timedelta(days=5)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.create_direct_debit_batch(
                actor=request.user, collection_date=form.cleaned_data["collection_date"]
            )
        except InvalidDebit as error:
            form.add_error("collection_date", error.message)
        else:
            messages.success(
                request,
                _("Fichier de prélèvement généré : %(count)d facture(s), %(amount)s.")
                % {"count": batch.items.count(), "amount": format_eur(batch.total_cents)},
            )
            return redirect("regie_pages:agent_debit_batch", pk=batch.pk)
    return render(
        request,
        "regie/agent/debit_batches.html",
        {
            "form": form,
            "page_obj": _page(request, selectors.debit_batches(request.user)),
            "mandate_count": selectors.active_mandates(request.user).count(),
        },
    )


@regie_agent_required
@require_GET
def debit_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _get_or_404(selectors.debit_batch, request.user, pk)
    return render(
        request,
        "regie/agent/debit_batch.html",
        {
            "batch": batch,
            "open": batch.status == DebitBatchStatus.GENERATED,
            "pending": DebitItemStatus.PENDING,
        },
    )


@regie_agent_required
@require_GET
def debit_batch_file(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _get_or_404(selectors.debit_batch_file, request.user, pk)
    audit.record(actor=request.user, action="debit_batch.download", target=batch)
    response = HttpResponse(bytes(batch.xml), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="prelevements-{batch.collection_date.isoformat()}.xml"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@regie_agent_required
@require_POST
def debit_batch_collect(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _get_or_404(selectors.debit_batch, request.user, pk)
    already = batch.status == DebitBatchStatus.COLLECTED
    try:
        services.mark_batch_collected(actor=request.user, batch=batch)
    except InvalidDebit as error:
        messages.error(request, error.message)
    else:
        if already:
            messages.info(request, _("Cette remise était déjà encaissée : rien n'a changé."))
        else:
            messages.success(
                request,
                _("Remise encaissée : les factures prélevées sont payées et leurs quittances envoyées."),
            )
    return redirect("regie_pages:agent_debit_batch", pk=batch.pk)


@regie_agent_required
@require_http_methods(["GET", "POST"])
def debit_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the bank's reject of one invoice's debit: the invoice stays to pay."""
    try:
        item = selectors.debit_item(request.user, pk)
    except DirectDebitItem.DoesNotExist as error:
        raise Http404 from error
    form = forms.RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reject_debit_item(actor=request.user, item=item, reason=form.cleaned_data["reason"])
        except InvalidDebit as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Rejet enregistré : la facture n° %(number)s reste à payer.")
                % {"number": item.invoice.number},
            )
            return redirect("regie_pages:agent_debit_batch", pk=item.batch_id)
    return render(request, "regie/agent/debit_reject.html", {"item": item, "form": form})
