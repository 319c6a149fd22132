"""The OpenID Connect relying party that talks to FranceConnect (authorization code flow).

1. `authorization_request()` builds the URL the browser is sent to, with a random `state` (against
   forged answers), a random `nonce` (against replayed ID tokens) and a PKCE challenge (S256: the
   code is useless to whoever intercepts it without the verifier, which never leaves the server).
2. `exchange_code()` swaps the code for the tokens at the token endpoint, authenticating the town's
   service with its client secret and proving the flow with the PKCE verifier.
3. `verify_id_token()` checks the ID token here, whatever the transport: signature against the
   provider's published keys (JWKS) with an expected asymmetric algorithm (RS256 or ES256, never
   "none" nor an HMAC one, whose key would be our own secret), issuer, audience, expiry, issue time,
   nonce, eIDAS level, and the access token's hash when given.
4. `fetch_userinfo()` reads the identity pivot; FranceConnect v2 returns it as a signed JWT, checked
   the same way. Plain JSON is accepted only from a provider whose discovery announces no signing.
5. `end_session_url()`: the provider's logout, with id_token_hint, state and post_logout_redirect_uri.

The provider's metadata come from its discovery document (`{issuer}/.well-known/openid-configuration`)
and its keys from `jwks_uri`, both cached (FRANCECONNECT_DISCOVERY_TTL); an unknown key id fetches
the keys again once (the provider rotated them). Every failure raises a FranceConnectError whose
`code` may be logged: no token, no claim value ever goes to a log or a message.
"""

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import jwt
import requests
from django.conf import settings
from django.core.cache import cache

from guichet.franceconnect.exceptions import ProviderUnavailable, TokenRejected

logger = logging.getLogger(__name__)

# FranceConnect v2 signs with one of these; anything else (none, HS256…) is refused outright.
ALLOWED_ALGORITHMS = ("ES256", "RS256")
# eIDAS levels in increasing strength: a sign-in at a higher level than asked satisfies the request.
EIDAS_LEVELS = ("eidas1", "eidas2", "eidas3")
# Seconds of clock difference tolerated between FranceConnect and us (exp, iat).
LEEWAY = 60
_KEY_TYPES = {"ES256": ("EC", "P-256"), "RS256": ("RSA", None)}


@dataclass(frozen=True)
class Config:
    issuer: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    acr_values: str
    prompt: str
    timeout: float
    cache_seconds: int


def config() -> Config | None:
    """The town's FranceConnect settings, or None when FranceConnect is off (any of the three unset)."""
    issuer = getattr(settings, "FRANCECONNECT_ISSUER", "")
    client_id = getattr(settings, "FRANCECONNECT_CLIENT_ID", "")
    client_secret = getattr(settings, "FRANCECONNECT_CLIENT_SECRET", "")
    if not (issuer and client_id and client_secret):
        return None
    return Config(
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        scopes=tuple(settings.FRANCECONNECT_SCOPES),
        acr_values=settings.FRANCECONNECT_ACR_VALUES,
        prompt=settings.FRANCECONNECT_PROMPT,
        timeout=settings.FRANCECONNECT_TIMEOUT,
        cache_seconds=settings.FRANCECONNECT_DISCOVERY_TTL,
    )


def is_enabled() -> bool:
    return config() is not None


# HTTP ------------------------------------------------------------------------------------------


def _call(conf: Config, method: str, url: str, *, what: str, **kwargs) -> requests.Response:
    try:
        response = requests.request(method, url, timeout=conf.timeout, allow_redirects=False, **kwargs)
    except requests.RequestException as error:
        logger.warning("FranceConnect %s unreachable: %s", what, type(error).__name__)
        raise ProviderUnavailable(code=f"{what}_unreachable") from error
    if response.status_code >= 500:
        logger.warning("FranceConnect %s answered HTTP %s", what, response.status_code)
        raise ProviderUnavailable(code=f"{what}_unavailable")
    return response


def _json(response: requests.Response, *, what: str) -> dict:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise TokenRejected(code=f"{what}_not_json")
    return data


def _cache_key(conf: Config, name: str) -> str:
    return f"franceconnect:{name}:{hashlib.sha256(conf.issuer.encode()).hexdigest()[:32]}"


# Discovery and keys ------------------------------------------------------------------------------


def discover(conf: Config) -> dict:
    """The provider's metadata, checked (its issuer is the one configured) and cached."""
    key = _cache_key(conf, "discovery")
    document = cache.get(key)
    if document is not None:
        return document
    response = _call(
        conf, "GET", f"{conf.issuer.rstrip('/')}/.well-known/openid-configuration", what="discovery"
    )
    if response.status_code != 200:
        logger.warning("FranceConnect discovery answered HTTP %s", response.status_code)
        raise ProviderUnavailable(code="discovery_status")
    document = _json(response, what="discovery")
    # OpenID Connect Discovery 1.0, section 4.3: the issuer in the document is exactly the one asked.
    if document.get("issuer") != conf.issuer:
        raise TokenRejected(code="discovery_issuer")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(document.get(name), str) or not document[name]:
            raise TokenRejected(code="discovery_incomplete")
    cache.set(key, document, conf.cache_seconds)
    return document


def _jwks(conf: Config, *, refresh: bool = False) -> list[dict]:
    key = _cache_key(conf, "jwks")
    keys = None if refresh else cache.get(key)
    if keys is None:
        response = _call(conf, "GET", discover(conf)["jwks_uri"], what="jwks")
        if response.status_code != 200:
            raise ProviderUnavailable(code="jwks_status")
        keys = _json(response, what="jwks").get("keys")
        if not isinstance(keys, list):
            raise TokenRejected(code="jwks_invalid")
        keys = [entry for entry in keys if isinstance(entry, dict)]
        cache.set(key, keys, conf.cache_seconds)
    return keys


def _fits(entry: dict, algorithm: str) -> bool:
    kty, crv = _KEY_TYPES[algorithm]
    return (
        entry.get("kty") == kty
        and (crv is None or entry.get("crv") == crv)
        and entry.get("use", "sig") == "sig"
        and entry.get("alg", algorithm) == algorithm
    )


def _signing_key(conf: Config, kid: str | None, algorithm: str, *, what: str):
    for refresh in (False, True):
        candidates = [
            entry
            for entry in _jwks(conf, refresh=refresh)
            if _fits(entry, algorithm) and (kid is None or entry.get("kid") == kid)
        ]
        if len(candidates) == 1:
            try:
                return jwt.PyJWK(candidates[0], algorithm=algorithm).key
            except jwt.PyJWTError as error:
                raise TokenRejected(code=f"{what}_key_invalid") from error
        if len(candidates) > 1:
            # No key id and several keys of this type: we will not guess which one signed.
            raise TokenRejected(code=f"{what}_key_ambiguous")
    raise TokenRejected(code=f"{what}_key_unknown")


def _verify_jwt(conf: Config, token: str, *, algorithms: list[str], what: str, require: list[str]) -> dict:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise TokenRejected(code=f"{what}_malformed") from error
    algorithm = header.get("alg")
    if algorithm not in algorithms:
        raise TokenRejected(code=f"{what}_algorithm")
    kid = header.get("kid")
    key = _signing_key(conf, kid if isinstance(kid, str) else None, algorithm, what=what)
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=[algorithm],
            audience=conf.client_id,
            issuer=conf.issuer,
            leeway=LEEWAY,
            options={"require": require},
        )
    except jwt.ExpiredSignatureError as error:
        raise TokenRejected(code=f"{what}_expired") from error
    except jwt.InvalidAudienceError as error:
        raise TokenRejected(code=f"{what}_audience") from error
    except jwt.InvalidIssuerError as error:
        raise TokenRejected(code=f"{what}_issuer") from error
    except jwt.InvalidSignatureError as error:
        raise TokenRejected(code=f"{what}_signature") from error
    except jwt.MissingRequiredClaimError as error:
        raise TokenRejected(code=f"{what}_claim_missing") from error
    except (jwt.ImmatureSignatureError, jwt.InvalidIssuedAtError) as error:
        raise TokenRejected(code=f"{what}_issued_at") from error
    except jwt.PyJWTError as error:
        raise TokenRejected(code=f"{what}_invalid") from error
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    # OpenID Connect Core 3.1.3.7: with several audiences, the authorized party must be us.
    if len(audiences) > 1 and claims.get("azp") != conf.client_id:
        raise TokenRejected(code=f"{what}_azp")
    return claims


# The flow -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def code_challenge(verifier: str) -> str:
    """RFC 7636's S256: BASE64URL(SHA256(verifier))."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def authorization_request(conf: Config, *, redirect_uri: str) -> AuthorizationRequest:
    endpoint = discover(conf)["authorization_endpoint"]
    # FranceConnect asks for at least 32 characters of state and nonce; 43 here (256 random bits).
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43 to 128
    params = {
        "response_type": "code",
        "client_id": conf.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(conf.scopes),
        "state": state,
        "nonce": nonce,
        "code_challenge": code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    if conf.acr_values:
        params["acr_values"] = conf.acr_values
    if conf.prompt:
        params["prompt"] = conf.prompt
    separator = "&" if "?" in endpoint else "?"
    url = f"{endpoint}{separator}{urlencode(params, quote_via=quote)}"
    return AuthorizationRequest(url=url, state=state, nonce=nonce, code_verifier=verifier)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str


def exchange_code(conf: Config, *, code: str, code_verifier: str, redirect_uri: str) -> Tokens:
    document = discover(conf)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    # OpenID Connect's default is HTTP Basic; FranceConnect announces client_secret_post.
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth = None
    if "client_secret_post" in methods:
        data.update(client_id=conf.client_id, client_secret=conf.client_secret)
    elif "client_secret_basic" in methods:
        # RFC 6749, 2.3.1: the id and the secret are form-encoded before Basic's encoding.
        auth = (quote(conf.client_id, safe=""), quote(conf.client_secret, safe=""))
    else:
        raise TokenRejected(code="token_auth_method")
    response = _call(
        conf,
        "POST",
        document["token_endpoint"],
        what="token",
        data=data,
        auth=auth,
        headers={"Accept": "application/json"},
    )
    if response.status_code != 200:
        logger.warning("FranceConnect token endpoint refused the code: HTTP %s", response.status_code)
        raise TokenRejected(code="token_refused")
    body = _json(response, what="token")
    access_token, id_token = body.get("access_token"), body.get("id_token")
    if not (isinstance(access_token, str) and access_token and isinstance(id_token, str) and id_token):
        raise TokenRejected(code="token_incomplete")
    if str(body.get("token_type", "")).lower() != "bearer":
        raise TokenRejected(code="token_type")
    return Tokens(access_token=access_token, id_token=id_token)


def _acr_accepted(conf: Config, acr: Any) -> bool:
    if not isinstance(acr, str):
        return False
    asked = conf.acr_values.split()
    if not asked:
        return True  # no level asked (FRANCECONNECT_ACR_VALUES empty): whatever the provider chose
    if all(value in EIDAS_LEVELS for value in asked) and acr in EIDAS_LEVELS:
        lowest = min(EIDAS_LEVELS.index(value) for value in asked)
        return EIDAS_LEVELS.index(acr) >= lowest
    return acr in asked


def _access_token_hash(access_token: str) -> str:
    # OpenID Connect Core 3.1.3.6 for RS256 and ES256 (both SHA-256): the left half, base64url.
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return _b64url(digest[: len(digest) // 2])


def verify_id_token(conf: Config, id_token: str, *, nonce: str, access_token: str | None = None) -> dict:
    """The ID token's claims once every check passed (see the module's docstring)."""
    announced = discover(conf).get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [algorithm for algorithm in ALLOWED_ALGORITHMS if algorithm in announced]
    claims = _verify_jwt(
        conf,
        id_token,
        algorithms=algorithms,
        what="id_token",
        require=["iss", "aud", "exp", "iat", "sub", "nonce"],
    )
    if not (isinstance(claims["nonce"], str) and hmac.compare_digest(claims["nonce"], nonce)):
        raise TokenRejected(code="id_token_nonce")
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise TokenRejected(code="id_token_sub")
    if not _acr_accepted(conf, claims.get("acr")):
        raise TokenRejected(code="id_token_acr")
    at_hash = claims.get("at_hash")
    if (
        at_hash is not None
        and access_token is not None
        and not (isinstance(at_hash, str) and hmac.compare_digest(at_hash, _access_token_hash(access_token)))
    ):
        raise TokenRejected(code="id_token_at_hash")
    return claims


def fetch_userinfo(conf: Config, *, access_token: str, sub: str) -> dict:
    """The identity pivot for this access token; its `sub` must be the ID token's."""
    document = discover(conf)
    endpoint = document.get("userinfo_endpoint")
    if not endpoint:
        raise TokenRejected(code="userinfo_endpoint")
    response = _call(
        conf,
        "GET",
        endpoint,
        what="userinfo",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/jwt, application/json"},
    )
    if response.status_code != 200:
        logger.warning("FranceConnect userinfo answered HTTP %s", response.status_code)
        raise TokenRejected(code="userinfo_refused")
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    announced = [a for a in document.get("userinfo_signing_alg_values_supported") or [] if a]
    if content_type == "application/jwt":
        algorithms = (
            [a for a in ALLOWED_ALGORITHMS if a in announced] if announced else list(ALLOWED_ALGORITHMS)
        )
        claims = _verify_jwt(
            conf, response.text.strip(), algorithms=algorithms, what="userinfo", require=["iss", "aud", "sub"]
        )
    elif content_type == "application/json":
        if announced:
            # The provider signs its userinfo: an unsigned answer is not from it.
            raise TokenRejected(code="userinfo_unsigned")
        claims = _json(response, what="userinfo")
    else:
        raise TokenRejected(code="userinfo_format")
    if not (isinstance(claims.get("sub"), str) and hmac.compare_digest(claims["sub"], sub)):
        raise TokenRejected(code="userinfo_sub")
    return claims


def end_session_url(conf: Config, *, id_token: str, state: str, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser to end the FranceConnect session, or None if the provider has no such
    endpoint (raises ProviderUnavailable when its discovery cannot be read)."""
    endpoint = discover(conf).get("end_session_endpoint")
    if not endpoint:
        return None
    params = {
        "id_token_hint": id_token,
        "state": state,
        "post_logout_redirect_uri": post_logout_redirect_uri,
    }
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{urlencode(params, quote_via=quote)}"
