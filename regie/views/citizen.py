"""Citizens' pages under /mon-espace/factures/: their invoices, paying them, payments, receipts, mandates.

Everything is read through selectors scoped to the user's parties, so someone
else's invoice, payment or receipt is simply not found (404). Paying goes
through services.start_online_payment, which hands out the same open checkout
again on a double click or a reload: nothing here can charge twice.
"""

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from regie import forms, selectors, services
from regie.enums import PaymentStatus
from regie.exceptions import InvalidMandate, InvoiceNotPayable, PaymentProviderError
from regie.models import Invoice, Mandate, Payment
from regie.views.common import pdf_response

PAGE_SIZE = 50
# An invoice PDF is rendered again only when its ledger moved (WeasyPrint costs ~90 ms).
INVOICE_PDF_CACHE_SECONDS = 24 * 3600


def _trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    return [
        (_("Mon espace"), reverse("portal:dashboard")),
        (_("Mes factures"), reverse("regie_pages:invoices")),
        *pages,
    ]


def _get_or_404(lookup, *args):
    try:
        return lookup(*args)
    except (Invoice.DoesNotExist, Payment.DoesNotExist, Mandate.DoesNotExist) as error:
        raise Http404 from error


def _invoice_list(request: HttpRequest, *, view: str, form: forms.PayForm | None = None) -> HttpResponse:
    invoices = selectors.invoice_list_for_user(request.user, view=view)
    page_obj = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    selected = set(form.data.getlist("factures")) if form is not None and form.is_bound else set()
    return render(
        request,
        "regie/citizen/invoices.html",
        {
            "page_obj": page_obj,
            "view": view,
            "views": [
                ("a-payer", _("À payer")),
                ("payees", _("Payées")),
                ("toutes", _("Toutes")),
            ],
            "form": form or forms.PayForm(invoices=[]),
            "selected": selected,
            "trail": _trail()[:-1] + [(_("Mes factures"), "")],
        },
    )


@require_GET
def invoices(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("vue", "a-payer")
    if view not in selectors.CITIZEN_VIEWS:
        view = "a-payer"
    return _invoice_list(request, view=view)


@require_GET
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _get_or_404(selectors.invoice_detail_for_user, request.user, pk)
    return render(
        request,
        "regie/citizen/invoice_detail.html",
        {"invoice": invoice, "trail": _trail((_("Facture n° %(number)s") % {"number": invoice.number}, ""))},
    )


@require_GET
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _get_or_404(selectors.invoice_for_user, request.user, pk)
    key = f"regie:invoice-pdf:{invoice.pk}:{invoice.status}:{invoice.paid_cents}:{invoice.credited_cents}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = services.render_invoice_pdf(invoice)
        cache.set(key, pdf, INVOICE_PDF_CACHE_SECONDS)
    return pdf_response(pdf, filename=f"facture-{invoice.number}.pdf")


@require_POST
def pay(request: HttpRequest) -> HttpResponse:
    """Open the provider's page for the ticked invoices; the same checkout again on a second click."""
    try:
        ids = sorted({int(value) for value in request.POST.getlist("factures")})
    except ValueError as error:
        raise Http404 from error
    invoices = selectors.invoices_to_pay_for_user(request.user, ids)
    if len(invoices) != len(ids):
        raise Http404  # someone else's invoice: it does not exist for this user
    form = forms.PayForm(request.POST, invoices=invoices)
    if form.is_valid():
        payers = {invoice.payer_id for invoice in invoices}
        if len(payers) > 1:
            form.add_error(
                "factures",
                _(
                    "Payez ensemble les factures d'un même payeur : choisissez celles de vous-même, ou celles de votre foyer."
                ),
            )
        else:
            try:
                checkout = services.start_online_payment(
                    actor=request.user, payer=invoices[0].payer, invoices=invoices
                )
            except (InvoiceNotPayable, PaymentProviderError) as error:
                form.add_error(None, error.message)
            else:
                return HttpResponseRedirect(checkout.url)
    return _invoice_list(request, view="a-payer", form=form)


@require_GET
def payments(request: HttpRequest) -> HttpResponse:
    page_obj = Paginator(selectors.payment_history_for_user(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "regie/citizen/payments.html",
        {"page_obj": page_obj, "trail": _trail((_("Mes paiements"), ""))},
    )


@require_GET
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Where the provider sends the payer back: "being confirmed" until the webhook settled it, then the receipt."""
    payment = _get_or_404(selectors.payment_for_user, request.user, pk)
    return render(
        request,
        "regie/citizen/payment_detail.html",
        {
            "payment": payment,
            "pending": payment.status == PaymentStatus.PENDING,
            "trail": _trail(
                (_("Mes paiements"), reverse("regie_pages:payments")),
                (
                    _("Paiement du %(date)s")
                    % {"date": date_format(timezone.localtime(payment.created_at), "SHORT_DATE_FORMAT")},
                    "",
                ),
            ),
        },
    )


@require_GET
def payment_cancelled(request: HttpRequest, pk: int) -> HttpResponse:
    """The payer left the provider's page without paying: nothing changes, back to the invoices."""
    payment = _get_or_404(selectors.payment_for_user, request.user, pk)
    if payment.status == PaymentStatus.SUCCEEDED:
        return redirect("regie_pages:payment_detail", pk=payment.pk)
    messages.info(request, _("Paiement annulé : rien n'a été débité. Vos factures restent à payer."))
    return redirect("regie_pages:invoices")


@require_GET
def receipt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _get_or_404(selectors.payment_for_user, request.user, pk)
    if payment.status != PaymentStatus.SUCCEEDED:
        raise Http404
    return pdf_response(
        services.receipt_pdf(payment_id=payment.pk), filename=f"quittance-{payment.receipt_number}.pdf"
    )


@require_http_methods(["GET", "POST"])
def mandates(request: HttpRequest) -> HttpResponse:
    """SEPA direct debit: the user's mandates, and signing one for a payer that has none."""
    mandates = list(selectors.mandates_for_user(request.user))
    covered = {mandate.payer_id for mandate in mandates if mandate.is_active}
    parties = selectors.parties_for_user(request.user).exclude(pk__in=covered)
    form = forms.MandateForm(request.POST or None, parties=parties)
    if request.method == "POST" and form.is_valid():
        try:
            mandate = services.sign_mandate(
                actor=request.user,
                payer=form.cleaned_data["payer"],
                holder_name=form.cleaned_data["holder_name"],
                iban=form.cleaned_data["iban"],
                bic=form.cleaned_data["bic"],
            )
        except InvalidMandate as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Mandat de prélèvement n° %(reference)s signé : vos prochaines factures seront prélevées à leur échéance."
                )
                % {"reference": mandate.reference},
            )
            return redirect("regie_pages:mandates")
    return render(
        request,
        "regie/citizen/mandates.html",
        {
            "mandates": mandates,
            "form": form,
            "can_sign": parties.exists(),
            "trail": _trail((_("Prélèvement automatique"), "")),
        },
    )


@require_POST
def mandate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    mandate = _get_or_404(selectors.mandate_for_user, request.user, pk)
    services.revoke_mandate(actor=request.user, mandate=mandate)
    messages.success(
        request,
        _("Mandat n° %(reference)s révoqué : plus rien ne sera prélevé à ce titre.")
        % {"reference": mandate.reference},
    )
    return redirect(reverse("regie_pages:mandates"))
