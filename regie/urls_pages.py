"""The régie's pages: citizens' under /mon-espace/factures/, the régisseur's under /agent/regie/.

A URLconf of its own, included at the root (the agent pages must sit under
/agent/, behind the 2FA middleware); the provider callbacks stay in regie.urls.
"""

from django.urls import path

from regie.views import agent, citizen

app_name = "regie_pages"

urlpatterns = [
    # Citizens
    path("mon-espace/factures/", citizen.invoices, name="invoices"),
    path("mon-espace/factures/payer/", citizen.pay, name="pay"),
    path("mon-espace/factures/<int:pk>/", citizen.invoice_detail, name="invoice_detail"),
    path("mon-espace/factures/<int:pk>/facture.pdf", citizen.invoice_pdf, name="invoice_pdf"),
    path("mon-espace/factures/paiements/", citizen.payments, name="payments"),
    path("mon-espace/factures/paiements/<int:pk>/", citizen.payment_detail, name="payment_detail"),
    path(
        "mon-espace/factures/paiements/<int:pk>/annule/", citizen.payment_cancelled, name="payment_cancelled"
    ),
    path("mon-espace/factures/paiements/<int:pk>/quittance.pdf", citizen.receipt_pdf, name="receipt_pdf"),
    path("mon-espace/factures/prelevement/", citizen.mandates, name="mandates"),
    path("mon-espace/factures/prelevement/<int:pk>/revoquer/", citizen.mandate_revoke, name="mandate_revoke"),
    # Régisseur
    path("agent/regie/", agent.home, name="agent_home"),
    path("agent/regie/factures/", agent.invoices, name="agent_invoices"),
    path("agent/regie/factures/<int:pk>/", agent.invoice_detail, name="agent_invoice_detail"),
    path("agent/regie/factures/<int:pk>/facture.pdf", agent.invoice_pdf, name="agent_invoice_pdf"),
    path("agent/regie/factures/<int:pk>/encaisser/", agent.counter_payment, name="agent_counter_payment"),
    path("agent/regie/factures/<int:pk>/avoir/", agent.credit_note, name="agent_credit_note"),
    path("agent/regie/impayes/", agent.unpaid, name="agent_unpaid"),
    path("agent/regie/paiements/", agent.payments, name="agent_payments"),
    path("agent/regie/paiements/<int:pk>/", agent.payment_detail, name="agent_payment_detail"),
    path("agent/regie/paiements/<int:pk>/quittance.pdf", agent.receipt_pdf, name="agent_receipt_pdf"),
    path("agent/regie/paiements/<int:pk>/rembourser/", agent.refund, name="agent_refund"),
    path("agent/regie/caisse/", agent.cash_closing, name="agent_cash_closing"),
    path("agent/regie/exports/", agent.export, name="agent_export"),
    path("agent/regie/prelevements/", agent.debit_batches, name="agent_debit_batches"),
    path("agent/regie/prelevements/<int:pk>/", agent.debit_batch, name="agent_debit_batch"),
    path(
        "agent/regie/prelevements/<int:pk>/pain008.xml", agent.debit_batch_file, name="agent_debit_batch_file"
    ),
    path(
        "agent/regie/prelevements/<int:pk>/encaisser/",
        agent.debit_batch_collect,
        name="agent_debit_batch_collect",
    ),
    path("agent/regie/prelevements/rejets/<int:pk>/", agent.debit_reject, name="agent_debit_reject"),
]
