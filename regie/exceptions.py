"""Domain errors of the régie. Each carries a French message that a page can show as is."""


class RegieError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInvoice(RegieError):
    """The lines, payer or dates given to issue an invoice do not hold."""


class InvoiceNotPayable(RegieError):
    """Already paid, cancelled, a draft, or someone else's."""


class InvalidPayment(RegieError):
    """An amount or a method that cannot be recorded."""


class RefundRefused(RegieError):
    """More than what was paid and not yet refunded, or a payment that was never taken."""


class CreditNoteRefused(RegieError):
    """More than what is left to credit, or an invoice that cannot take a credit note."""


class PaymentProviderError(RegieError):
    """The payment provider could not be reached or refused the call."""


class PaymentProviderRefused(PaymentProviderError):
    """The provider answered and said no: trying again with the same request will not help."""


class InvalidMandate(RegieError):
    """An IBAN, a BIC or a holder name that does not hold, or a second active mandate."""


class InvalidDebit(RegieError):
    """A direct-debit batch or reject that cannot be recorded."""
