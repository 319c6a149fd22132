"""What the treasury tells other apps. It never imports them: they subscribe.

`invoice_paid` is sent once the transaction that settled an invoice commits,
with `sender=Invoice`, `invoice` (with its `source` reference, such as
"famille.billing:12") and `payment`. Receivers must be idempotent: a receiver
that fails does not undo the payment.
"""

from django.dispatch import Signal

invoice_paid = Signal()
