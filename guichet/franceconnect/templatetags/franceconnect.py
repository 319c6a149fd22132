"""The FranceConnect button and the profile's certified identity, for templates of other apps.

{% load franceconnect %}
{% franceconnect_button %}          the official button (nothing while FranceConnect is off)
{% franceconnect_identity %}        the profile's "Identité certifiée par FranceConnect" block
"""

from django import template
from django.urls import reverse

from guichet.franceconnect import oidc, selectors

register = template.Library()


@register.inclusion_tag("franceconnect/_button.html", takes_context=True)
def franceconnect_button(context, next_url: str = "", signup: bool = False) -> dict:
    request = context.get("request")
    if not next_url and request is not None:
        next_url = request.GET.get("next", "")
    return {
        "enabled": oidc.is_enabled(),
        "next_url": next_url,
        "signup": signup,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("franceconnect/_profile_identity.html", takes_context=True)
def franceconnect_identity(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "identity": selectors.identity_for_user(user),
        "enabled": oidc.is_enabled(),
        "next_url": reverse("accounts:profile"),
        "csrf_token": context.get("csrf_token"),
    }
