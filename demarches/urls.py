from django.urls import path

from demarches.views import catalogue, pages, requests

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
]
