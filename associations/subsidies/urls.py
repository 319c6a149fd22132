"""The subsidies pages (associations and agents), in the "associations" URL namespace."""

from django.urls import path

from associations.subsidies.views import agent, association

urlpatterns: list = [
    # Mon espace › Mes associations › [the association] › Subventions (its members)
    path(
        "mon-espace/associations/<int:pk>/subventions/",
        association.association_subsidies,
        name="association_subsidies",
    ),
    path(
        "mon-espace/associations/<int:pk>/subventions/campagnes/<int:campaign_pk>/commencer/",
        association.start,
        name="subsidy_start",
    ),
    path(
        "mon-espace/associations/<int:pk>/subventions/demandes/<int:application_pk>/compte-rendu/",
        association.report,
        name="subsidy_report",
    ),
    # The vie associative service
    path("agent/associations/subventions/", agent.subsidies, name="agent_subsidies"),
    path("agent/associations/subventions/demandes/<int:pk>/", agent.application, name="agent_subsidy"),
    path(
        "agent/associations/subventions/demandes/<int:pk>/grille/", agent.scores, name="agent_subsidy_scores"
    ),
    path(
        "agent/associations/subventions/demandes/<int:pk>/avis/", agent.opinion, name="agent_subsidy_opinion"
    ),
    path(
        "agent/associations/subventions/demandes/<int:pk>/decision/",
        agent.decision,
        name="agent_subsidy_decision",
    ),
    path(
        "agent/associations/subventions/demandes/<int:pk>/compte-rendu/controle/",
        agent.report_check,
        name="agent_subsidy_report_check",
    ),
    path(
        "agent/associations/subventions/demandes/<int:pk>/compte-rendu/document/",
        agent.report_document,
        name="agent_subsidy_report_document",
    ),
    path("agent/associations/subventions/comptes-rendus/", agent.reports, name="agent_subsidy_reports"),
]
