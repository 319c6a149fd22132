from django.urls import path

from demarches.views import (
    agent_counter,
    agent_queues,
    agent_requests,
    agent_stats,
    catalogue,
    pages,
    requests,
)

app_name = "demarches"

urlpatterns = [
    # The catalogue and each procedure's start page (public)
    path("demarches/", catalogue.catalogue, name="catalogue"),
    path("demarches/<slug:slug>/", catalogue.demarche, name="demarche"),
    path("demarches/<slug:slug>/commencer/", catalogue.start, name="start"),
    # Mon espace › Mes demandes
    path("mon-espace/demandes/", requests.requests, name="requests"),
    path("mon-espace/demandes/<int:pk>/", requests.detail, name="request"),
    path("mon-espace/demandes/<int:pk>/reprendre/", pages.resume, name="resume"),
    path("mon-espace/demandes/<int:pk>/page/<int:number>/", pages.page, name="page"),
    path("mon-espace/demandes/<int:pk>/verifier/", pages.review, name="review"),
    path("mon-espace/demandes/<int:pk>/envoyer/", pages.submit, name="submit"),
    path("mon-espace/demandes/<int:pk>/accuse-de-reception/", pages.acknowledgement, name="acknowledgement"),
    path("mon-espace/demandes/<int:pk>/supprimer/", requests.delete, name="delete"),
    path("mon-espace/demandes/<int:pk>/retirer/", requests.withdraw, name="withdraw"),
    path("mon-espace/demandes/<int:pk>/message/", requests.message, name="message"),
    path("mon-espace/demandes/<int:pk>/complements/", requests.reply, name="reply"),
    path("mon-espace/demandes/<int:pk>/decision/", requests.decision, name="decision"),
    path(
        "mon-espace/demandes/<int:pk>/documents/<int:attachment_pk>/", requests.attachment, name="attachment"
    ),
    # The back-office (agents of the procedure's service, 2FA verified)
    path("agent/demarches/", agent_queues.queue, name="agent_queue"),
    path("agent/demarches/lot/", agent_queues.batch, name="agent_batch"),
    path("agent/demarches/exports/", agent_queues.exports, name="agent_exports"),
    path("agent/demarches/exports/<int:pk>/", agent_queues.export_download, name="agent_export_download"),
    path("agent/demarches/demandes/<int:pk>/", agent_requests.detail, name="agent_request"),
    path(
        "agent/demarches/demandes/<int:pk>/documents/<int:attachment_pk>/",
        agent_requests.attachment,
        name="agent_attachment",
    ),
    path("agent/demarches/demandes/<int:pk>/statut/", agent_requests.status, name="agent_status"),
    path(
        "agent/demarches/demandes/<int:pk>/complements/",
        agent_requests.request_information,
        name="agent_request_information",
    ),
    path("agent/demarches/demandes/<int:pk>/message/", agent_requests.message, name="agent_message"),
    path("agent/demarches/demandes/<int:pk>/note/", agent_requests.note, name="agent_note"),
    path("agent/demarches/demandes/<int:pk>/attribution/", agent_requests.assign, name="agent_assign"),
    path("agent/demarches/demandes/<int:pk>/etiquettes/", agent_requests.labels, name="agent_labels"),
    path("agent/demarches/demandes/<int:pk>/courrier.pdf", agent_requests.letter, name="agent_letter"),
    path("agent/demarches/guichet/", agent_counter.counter, name="agent_counter"),
    path(
        "agent/demarches/guichet/<int:pk>/page/<int:number>/",
        agent_counter.counter_page,
        name="agent_counter_page",
    ),
    path(
        "agent/demarches/guichet/<int:pk>/verifier/",
        agent_counter.counter_review,
        name="agent_counter_review",
    ),
    path(
        "agent/demarches/guichet/<int:pk>/envoyer/", agent_counter.counter_submit, name="agent_counter_submit"
    ),
    path("agent/demarches/statistiques/", agent_stats.stats, name="agent_stats"),
    path("agent/demarches/statistiques.csv", agent_stats.stats_csv, name="agent_stats_csv"),
]
