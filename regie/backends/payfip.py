"""PayFiP (DGFiP), through its SOAP web service "PaiementSecuriseService".

creerPaiementSecurise gives an operation id (idOp); the payer is sent to
PAYFIP_PAYMENT_URL?idop=…; PayFiP then POSTs `idop` to our notification URL,
which is not signed, so the result is always read back from the web service
(recupererDetailPaiementSecurise) before anything is settled.

PayFiP has no idempotency key: the services' reuse of the pending payment is
what keeps a double click from opening two operations.
"""

import logging
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

import requests
from django.conf import settings
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from regie.backends import (
    Checkout,
    CheckoutRequest,
    PaymentBackend,
    ProviderPaymentReport,
    ProviderState,
    ProviderStatus,
)
from regie.enums import PaymentMethod, Provider
from regie.exceptions import PaymentProviderError

logger = logging.getLogger(__name__)

NAMESPACE = (
    "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
    "contrat_paiement_securise/PaiementSecuriseService"
)
# resultrans: P and V paid, R refused by the bank, A and Z abandoned by the payer.
RESULTS = {
    "P": ProviderState.PAID,
    "V": ProviderState.PAID,
    "R": ProviderState.FAILED,
    "A": ProviderState.EXPIRED,
    "Z": ProviderState.EXPIRED,
}


def _envelope(operation: str, fields: dict[str, str]) -> bytes:
    body = "".join(f"<{name}>{escape(str(value))}</{name}>" for name, value in fields.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:pai="{NAMESPACE}"><soapenv:Body><pai:{operation}><arg0>{body}</arg0>'
        f"</pai:{operation}></soapenv:Body></soapenv:Envelope>"
    ).encode()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class PayfipFault(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _call(operation: str, fields: dict[str, str]) -> dict[str, str]:
    try:
        response = requests.post(
            settings.PAYFIP_API_URL,
            data=_envelope(operation, fields),
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": ""},
            timeout=settings.PAYFIP_TIMEOUT,
        )
    except requests.RequestException as error:
        logger.warning("PayFiP %s unreachable: %s", operation, type(error).__name__)
        raise PaymentProviderError(
            _("Le service de paiement ne répond pas pour le moment. Réessayez dans quelques minutes.")
        ) from error
    try:
        # The configured DGFiP endpoint only; expat resolves no external entity.
        root = ET.fromstring(response.content)  # noqa: S314
    except ET.ParseError as error:
        raise PaymentProviderError(_("Le service de paiement a fait une réponse illisible.")) from error
    values = {_local(element.tag): (element.text or "").strip() for element in root.iter()}
    if "Fault" in values:
        raise PayfipFault(values.get("code") or values.get("faultstring") or "fault")
    if response.status_code != 200:
        raise PaymentProviderError(_("Le service de paiement a refusé la demande."))
    return values


class PayfipBackend(PaymentBackend):
    code = Provider.PAYFIP
    method = PaymentMethod.PAYFIP
    supports_refunds = False  # refunds go through the public accountant, not the web service

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        fields = {
            "exer": str(request.expires_at.year),
            "mel": request.customer_email or settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">"),
            "montant": str(request.amount_cents),
            "numcli": settings.PAYFIP_NUMCLI,
            # objet: letters, digits and spaces only, 100 at most.
            "objet": "".join(c for c in request.description if c.isalnum() or c == " ")[:100],
            # refdet: our payment id, 6 to 30 digits, unique per client and year.
            "refdet": f"{request.payment_id:06d}",
            "saisie": settings.PAYFIP_SAISIE,
            "urlnotif": request.notification_url,
            "urlredirect": request.success_url,
        }
        try:
            values = _call("creerPaiementSecurise", fields)
        except PayfipFault as fault:
            logger.warning("PayFiP refused creerPaiementSecurise: %s", fault.code)
            raise PaymentProviderError(_("Le service de paiement a refusé la demande.")) from fault
        id_op = values.get("idOp", "")
        if not id_op:
            raise PaymentProviderError(_("Le service de paiement a fait une réponse illisible."))
        return Checkout(
            provider_reference=id_op,
            redirect_url=f"{settings.PAYFIP_PAYMENT_URL}?{urlencode({'idop': id_op})}",
        )

    def retrieve(self, *, provider_reference: str) -> ProviderStatus:
        try:
            values = _call("recupererDetailPaiementSecurise", {"idOp": provider_reference})
        except PayfipFault:
            # P1 and its kind: the operation is not finished yet.
            return ProviderStatus(
                provider_reference=provider_reference,
                state=ProviderState.OPEN,
                amount_cents=None,
                currency="eur",
            )
        montant = values.get("montant", "")
        return ProviderStatus(
            provider_reference=provider_reference,
            state=RESULTS.get(values.get("resultrans", ""), ProviderState.OPEN),
            amount_cents=int(montant) if montant.isdigit() else None,
            currency="eur",
            provider_payment_reference=values.get("numauto", ""),
        )

    def cancel(self, *, provider_reference: str) -> ProviderStatus:
        """PayFiP cannot close an operation: its state is read, and an unfinished one is left to die."""
        return self.retrieve(provider_reference=provider_reference)

    def refund(self, *, provider_payment_reference: str, amount_cents: int, idempotency_key: str) -> str:
        raise PaymentProviderError(_("PayFiP ne permet pas de rembourser en ligne."))

    def list_settled(self, *, day: date, references: Sequence[str] = ()) -> list[ProviderPaymentReport]:
        """The paid ones among the operations the ledger knows for `day`, read back one by one.

        PayFiP has no web service listing a day's payments (its daily statement
        reaches the public accountant through Hélios, not us): the services pass
        the references the ledger holds for that day and each is asked about with
        recupererDetailPaiementSecurise. A payment PayFiP took that the ledger never
        recorded cannot be seen this way; the notification and the 15-minute
        re-check are what catch those.
        """
        reports = []
        for reference in references:
            status = self.retrieve(provider_reference=reference)
            if status.state == ProviderState.PAID:
                reports.append(
                    ProviderPaymentReport(
                        provider_reference=reference,
                        amount_cents=status.amount_cents,
                        currency=status.currency,
                        status=status.state,
                    )
                )
        return reports
