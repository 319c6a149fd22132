from django.urls import path

from guichet.accounts import views

app_name = "accounts"

urlpatterns = [
    path("compte/2fa/activer/", views.otp_setup, name="otp_setup"),
    path("compte/2fa/verifier/", views.otp_verify, name="otp_verify"),
    path("mon-espace/securite/", views.security, name="security"),
    path("mon-espace/securite/codes-de-secours/", views.otp_backup_codes, name="otp_backup_codes"),
    path("mon-espace/securite/desactiver/", views.otp_disable, name="otp_disable"),
    # Re-authentication by the authenticator's code (by the password: allauth's account_reauthenticate).
    path("mon-espace/securite/confirmer/", views.reauthenticate_code, name="reauthenticate_code"),
    path("mon-espace/profil/", views.profile, name="profile"),
]
