from django.urls import path

from guichet.privacy import views

app_name = "privacy"

urlpatterns = [
    path("mon-espace/mes-donnees/", views.home, name="home"),
    path("mon-espace/mes-donnees/telecharger/", views.export, name="export"),
    path("mon-espace/mes-donnees/supprimer-mon-compte/", views.delete, name="delete"),
    # After the deletion, signed out: what happens next, and the way back within the grace period.
    path("compte-supprime/", views.deleted, name="deleted"),
    path("compte-supprime/revenir/", views.come_back, name="come_back"),
]
