from django.urls import path

from guichet.franceconnect import views

app_name = "franceconnect"

urlpatterns = [
    path("franceconnect/connexion/", views.start, name="start"),
    path("franceconnect/retour/", views.callback, name="callback"),
    path("franceconnect/inscription/", views.signup, name="signup"),
    path("franceconnect/lier/", views.link, name="link"),
    path("franceconnect/abandonner/", views.cancel, name="cancel"),
    # Confirming a sensitive action (one of the re-authentication methods, guichet.security.reauth).
    path("franceconnect/confirmer/", views.reauthenticate, name="reauthenticate"),
    path("franceconnect/deconnexion/retour/", views.logout_return, name="logout_return"),
    # allauth's logout address, answered here first (guichet/urls.py includes this file before allauth's):
    # the same logout, which also ends a FranceConnect session at the provider. Never off.
    path("compte/logout/", views.logout, name="logout"),
]
