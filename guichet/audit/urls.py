from django.urls import path

from guichet.audit import views

app_name = "audit"

urlpatterns = [
    path("mon-espace/acces-a-mes-donnees/", views.data_access, name="data_access"),
]
