"""Walking a browser's way through FranceConnect with Django's test client and real HTTP to the provider."""

from urllib.parse import parse_qs, urlsplit

import requests
from django.urls import reverse


def local(url: str) -> str:
    """The path and query of an absolute URL of the portal, for the test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def query(url: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def start(client, *, next_url: str = "") -> str:
    """Press the button; returns the provider's authorization URL the portal redirected to."""
    response = client.post(reverse("franceconnect:start"), {"next": next_url} if next_url else {})
    assert response.status_code == 302, response.status_code
    return response.url


def authorize(authorization_url: str) -> str:
    """The browser at the provider: returns the portal's callback URL it is sent back to."""
    answer = requests.get(authorization_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, (answer.status_code, answer.text)
    return answer.headers["Location"]


def sign_in(client, *, next_url: str = ""):
    """The whole round trip: button, provider, callback; returns the callback's response."""
    return client.get(local(authorize(start(client, next_url=next_url))))
