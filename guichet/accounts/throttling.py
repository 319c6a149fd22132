"""Login throttling with django-axes, shared by every login form."""

from django.shortcuts import render
from django.utils.translation import gettext as _


def axes_username(request, credentials: dict | None) -> str:
    # allauth authenticates with `email`, the admin and scripts with `username`.
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or ""
    return value.strip().lower()


def lockout_response(request, original_response=None, credentials=None):
    return render(
        request,
        "account/lockout.html",
        {
            "message": _(
                "Trop de tentatives de connexion ont échoué. Par sécurité, la connexion à ce compte "
                "est suspendue pendant 15 minutes. Vous pouvez aussi réinitialiser votre mot de passe."
            )
        },
        status=429,
    )
