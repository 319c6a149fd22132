"""IDOR: every object-bound URL, tried with another owner's ids. Derived from the authorization matrix:
a URL with an <int:…> argument that the CITIZEN reaches (their object) must answer 403 or 404 to the
OTHER_CITIZEN, whatever the method; a back-office one the AGENT reaches, 403 or 404 to an agent of another
service. A new object-bound URL that lets the other one in fails here unless it is declared public below.
The URLs whose secret is a token in the address (invitations, shares, calendar feeds) are tried with a
guessed token, and with the right token on another object."""

import re
from urllib.parse import urlsplit

from django.test import Client
from django.urls import resolve, reverse

from tests.helpers import login
from tests.matrix import AGENT, AGENT_OTHER_SERVICE, ANONYMOUS, CITIZEN, OTHER_CITIZEN
from tests.test_authorization_matrix import MATRIX, url_patterns

# Objects everybody may see or use, on purpose (anything anonymous visitors get is public too).
PUBLIC_OBJECTS = {
    # A room of the town: any signed-in person may ask to book it; the booking is then theirs.
    "associations:rooms_book": "a public room's booking form",
    "associations:rooms_book_series": "a public room's weekly booking form",
}
REACHED = (200, 302)
REFUSED = (403, 404)


def object_bound() -> dict[str, str]:
    return {key: route for key, route in url_patterns() if "<int:" in route and key in MATRIX}


def is_public(key: str) -> bool:
    return MATRIX[key].expect[ANONYMOUS] == 200 or key in PUBLIC_OBJECTS


def citizens_objects() -> list[str]:
    return sorted(
        key for key in object_bound() if MATRIX[key].expect[CITIZEN] in REACHED and not is_public(key)
    )


def services_objects() -> list[str]:
    return sorted(
        key
        for key, route in object_bound().items()
        if route.startswith("agent/") and MATRIX[key].expect[AGENT] in REACHED and not is_public(key)
    )


def test_the_matrix_refuses_every_citizens_object_to_another_citizen():
    let_in = {key: MATRIX[key].expect[OTHER_CITIZEN] for key in citizens_objects()}
    assert {key: status for key, status in let_in.items() if status not in REFUSED} == {}
    assert len(let_in) > 40  # the derivation finds the object-bound pages


def test_the_matrix_refuses_every_services_object_to_another_services_agent():
    let_in = {key: MATRIX[key].expect[AGENT_OTHER_SERVICE] for key in services_objects()}
    assert {key: status for key, status in let_in.items() if status not in REFUSED} == {}
    assert len(let_in) > 20


def test_the_public_objects_are_still_url_patterns_of_the_matrix():
    assert set(PUBLIC_OBJECTS) <= set(object_bound())


def try_everything(client: Client, world: dict, keys: list[str]) -> dict[str, list]:
    """GET and POST each URL: the answers that are neither a refusal nor a 405 (method not allowed)."""
    leaks = {}
    for key in keys:
        url = MATRIX[key].url(world)
        for method in ("get", "post"):
            response = getattr(client, method)(url, MATRIX[key].data if method == MATRIX[key].method else {})
            if response.status_code not in (*REFUSED, 405):
                leaks.setdefault(key, []).append((method, response.status_code))
    return leaks


def test_another_citizen_gets_nothing_of_the_citizens_objects_by_any_method(client, world):
    login(client, world["users"][OTHER_CITIZEN])
    assert try_everything(client, world, citizens_objects()) == {}


def test_another_services_agent_gets_nothing_of_the_services_objects_by_any_method(client, world):
    login(client, world["users"][AGENT_OTHER_SERVICE])
    assert try_everything(client, world, services_objects()) == {}


def test_ids_of_objects_that_do_not_exist_answer_404_not_500(client, world):
    """The next id after each object: nobody's object, and never an error."""
    login(client, world["users"][CITIZEN])
    errors = {}
    for key in citizens_objects():
        url = MATRIX[key].url(world)
        # Replace the first number of the path by a huge id.
        parts = url.split("/")
        index = next(i for i, part in enumerate(parts) if part.isdigit())
        parts[index] = "999999999"
        response = getattr(client, MATRIX[key].method)("/".join(parts), MATRIX[key].data)
        if response.status_code not in REFUSED:
            errors[key] = response.status_code
    assert errors == {}


def token_bound() -> list[str]:
    """The URLs whose secret is in the address (invitations, shares, calendar feeds), by the matrix."""
    return sorted(
        key for key, route in url_patterns() if re.search(r"<str:\w*token\w*>", route) and key in MATRIX
    )


def guessed(url: str) -> list[tuple[str, str]]:
    """(guess, nonsense): the address with the token changed (one character off, cut short), and the right
    token on another object; each with the same address holding a nonsense token, to compare with."""
    match = resolve(urlsplit(url).path)
    name = next(name for name in match.kwargs if "token" in name)
    token = match.kwargs[name]

    def address(**changes) -> str:
        return reverse(match.view_name, kwargs={**match.kwargs, **changes})

    nonsense = address(**{name: "x"})
    pairs = [(address(**{name: token[:-1] + ("A" if token[-1] != "A" else "B")}), nonsense)]
    pairs.append((address(**{name: token[: len(token) // 2]}), nonsense))
    for other, value in match.kwargs.items():
        if isinstance(value, int):  # the right token on another object
            pairs.append((address(**{other: value + 1}), address(**{other: value + 1, name: "x"})))
    return pairs


def seen(response) -> tuple[int, str]:
    """What the visitor gets, without what changes at each response (nonces, CSRF tokens)."""
    text = response.content.decode(errors="replace")
    return response.status_code, re.sub(r'(nonce|value)="[^"]*"', "", text)


def test_a_guessed_or_borrowed_token_opens_nothing_for_anyone(client, world):
    """Refused (404), or exactly the page a nonsense token gets ("this link is not valid"): never the
    object of the real token."""
    keys = token_bound()
    assert {"famille:invitation_accept", "associations:invitation_accept", "associations:rooms_feed"} <= set(
        keys
    )
    opened = {}
    for role in (ANONYMOUS, CITIZEN, OTHER_CITIZEN, AGENT):
        client.logout()
        if role != ANONYMOUS:
            login(client, world["users"][role])
        for key in keys:
            real = MATRIX[key].url(world)
            if role == CITIZEN:
                # The comparison tells: the real token's page is not the nonsense one's.
                assert seen(client.get(real)) != seen(client.get(guessed(real)[0][1])), key
            for guess, nonsense in guessed(real):
                for method in ("get", "post"):
                    response = getattr(client, method)(guess)
                    if response.status_code in (*REFUSED, 405):
                        continue
                    if seen(response) != seen(getattr(client, method)(nonsense)):
                        opened.setdefault(key, []).append((role, method, guess, response.status_code))
    assert opened == {}
