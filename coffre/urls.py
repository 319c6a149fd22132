from django.urls import path

from coffre.views import agent, citizen, public

app_name = "coffre"

urlpatterns = [
    path("coffre-fort/", public.about, name="about"),
    # Mon espace › Mon coffre-fort
    path("mon-espace/coffre/", citizen.home, name="home"),
    path("mon-espace/coffre/<int:owner_pk>/", citizen.vault, name="vault"),
    path("mon-espace/coffre/<int:owner_pk>/deposer/", citizen.document_upload, name="upload"),
    path("mon-espace/coffre/<int:owner_pk>/export/", citizen.export, name="export"),
    path("mon-espace/coffre/documents/<int:pk>/", citizen.document_detail, name="document"),
    path("mon-espace/coffre/documents/<int:pk>/modifier/", citizen.document_edit, name="document_edit"),
    path("mon-espace/coffre/documents/<int:pk>/supprimer/", citizen.document_delete, name="document_delete"),
    path(
        "mon-espace/coffre/documents/<int:pk>/nouvelle-version/",
        citizen.version_upload,
        name="version_upload",
    ),
    path("mon-espace/coffre/documents/<int:pk>/partager/", citizen.grant_create, name="grant_create"),
    path(
        "mon-espace/coffre/versions/<int:pk>/telecharger/", citizen.version_download, name="version_download"
    ),
    path("mon-espace/coffre/versions/<int:pk>/apercu/", citizen.version_preview, name="version_preview"),
    path("mon-espace/coffre/versions/<int:pk>/supprimer/", citizen.version_delete, name="version_delete"),
    path("mon-espace/coffre/partages/<int:pk>/retirer/", citizen.grant_revoke, name="grant_revoke"),
    # Back office
    path("agent/coffre/", agent.shared_documents, name="agent_documents"),
    path("agent/coffre/versions/<int:pk>/telecharger/", agent.shared_download, name="agent_download"),
    path("agent/coffre/versions/<int:pk>/apercu/", agent.shared_preview, name="agent_preview"),
]
