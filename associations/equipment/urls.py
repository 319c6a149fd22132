"""The equipment pages (citizens, associations and agents), in the "associations" URL namespace.

Names start with "equipment" (public and members' pages) or "agent_loan" / "agent_equipment"
(back-office), so that they never clash with the other sub-apps'.
"""

from django.urls import path

from associations.equipment.views import agent, member

urlpatterns: list = [
    # Public: the catalogue, with availability for chosen dates (the démarches catalogue links here).
    path("associations/materiel/", member.catalogue, name="equipment"),
    # The associations' members
    path("mon-espace/associations/materiel/", member.loans, name="equipment_loans"),
    path("mon-espace/associations/materiel/demander/", member.loan_request, name="equipment_request"),
    path("mon-espace/associations/materiel/<int:pk>/", member.loan, name="equipment_loan"),
    path(
        "mon-espace/associations/materiel/<int:pk>/annuler/", member.loan_cancel, name="equipment_loan_cancel"
    ),
    # The vie associative service
    path("agent/associations/materiel/", agent.loans, name="agent_loans"),
    path("agent/associations/materiel/stock/", agent.stock, name="agent_equipment_stock"),
    path("agent/associations/materiel/<int:pk>/", agent.loan, name="agent_loan"),
    path("agent/associations/materiel/<int:pk>/accepter/", agent.loan_approve, name="agent_loan_approve"),
    path("agent/associations/materiel/<int:pk>/refuser/", agent.loan_refuse, name="agent_loan_refuse"),
    path("agent/associations/materiel/<int:pk>/remettre/", agent.loan_hand_over, name="agent_loan_hand_over"),
    path("agent/associations/materiel/<int:pk>/retour/", agent.loan_return, name="agent_loan_return"),
    path("agent/associations/materiel/<int:pk>/perte/", agent.loan_write_off, name="agent_loan_write_off"),
]
