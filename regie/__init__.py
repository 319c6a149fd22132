"""Régie unique: the town's one treasury. Invoices, payments (Stripe, PayFiP, counter), receipts, refunds.

Other apps bill through regie.services.issue_invoice / issue_invoices and learn
what was paid from regie.signals.invoice_paid; regie imports none of them.
The public API is listed in regie/services/__init__.py.
"""
