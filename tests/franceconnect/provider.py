"""A local OpenID Connect provider that behaves like FranceConnect v2, for the tests (never the internet).

A threaded HTTP server on 127.0.0.1 (a free port) with discovery, authorize, token, JWKS, userinfo
(a signed JWT) and end_session. The test chooses the identity it returns (`provider.identity`) and can
make it misbehave (`provider.misbehave.add("expired")`…, see MISBEHAVIOURS). It checks what a real
provider checks: the client id and secret, the redirect URI, S256 PKCE (the verifier must match the
challenge), a code used once, state and nonce long enough; and it records every request it received.

    provider = FakeFranceConnect().start()
    ...
    provider.stop()
"""

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

CLIENT_ID = "guichet-client-de-test"
CLIENT_SECRET = "secret-du-client-de-test-0123456789"

MISBEHAVIOURS = {
    "access_denied",  # the person cancels: error=access_denied in the callback
    "server_error",  # another error in the callback
    "wrong_nonce",
    "bad_signature",  # the ID token signed by another key under the provider's key id
    "expired",
    "alg_none",
    "hs256",  # signed with HMAC and the client secret (the key confusion FranceConnect v1 allowed)
    "wrong_audience",
    "wrong_issuer",
    "weak_acr",
    "unknown_kid",
    "userinfo_bad_signature",
    "userinfo_other_sub",
    "userinfo_plain_json",
    "token_down",  # the token endpoint answers 500
}

DEFAULT_IDENTITY = {
    "sub": "b6048e95bb134ec5b1d1e1fa69f287172e91722b9354d637a1bcf2ebb0fd2ef5v1",
    "given_name": "Angela Claire Louise",
    "family_name": "Dubois",
    "preferred_username": "",
    "birthdate": "1962-08-24",
    "birthplace": "75107",
    "birthcountry": "99100",
    "gender": "female",
    "email": "angela.dubois@exemple.fr",
}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class FakeFranceConnect:
    def __init__(
        self, *, algorithm: str = "ES256", auth_method: str = "client_secret_post", interactive=False
    ):
        self.algorithm = algorithm
        self.auth_method = auth_method
        # interactive: the authorize endpoint shows a small page with a button (for the browser test).
        self.interactive = interactive
        self.identity = dict(DEFAULT_IDENTITY)
        self.misbehave: set[str] = set()
        self.redirect_uri = ""
        self.post_logout_redirect_uri = ""
        self.userinfo_signed = True
        self.authorize_requests: list[dict] = []
        self.token_requests: list[dict] = []
        self.userinfo_requests: list[str] = []
        self.end_session_requests: list[dict] = []
        self.discovery_requests = 0
        self._codes: dict[str, dict] = {}
        self._access_tokens: dict[str, dict] = {}
        self.issued_id_tokens: list[str] = []
        self._lock = threading.Lock()
        self._keys = {
            "ES256": ("es-1", ec.generate_private_key(ec.SECP256R1())),
            "RS256": ("rs-1", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        }
        self._rogue_keys = {
            "ES256": ec.generate_private_key(ec.SECP256R1()),
            "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        }
        self._server: ThreadingHTTPServer | None = None

    # Lifecycle ----------------------------------------------------------------------------------

    def start(self) -> "FakeFranceConnect":
        provider = self

        class Handler(_Handler):
            fake = provider

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def issuer(self) -> str:
        return f"{self.origin}/api/v2"

    def settings(self) -> dict:
        return {
            "FRANCECONNECT_ISSUER": self.issuer,
            "FRANCECONNECT_CLIENT_ID": CLIENT_ID,
            "FRANCECONNECT_CLIENT_SECRET": CLIENT_SECRET,
        }

    # Documents ----------------------------------------------------------------------------------

    def discovery(self) -> dict:
        document = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/session/end",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256", "RS256"],
            "token_endpoint_auth_methods_supported": [self.auth_method],
            "code_challenge_methods_supported": ["S256"],
            "acr_values_supported": ["eidas1"],
            "claims_parameter_supported": True,
        }
        if self.userinfo_signed:
            document["userinfo_signing_alg_values_supported"] = ["ES256", "RS256"]
        return document

    def jwks(self) -> dict:
        keys = []
        for algorithm, (kid, private) in self._keys.items():
            serializer = ECAlgorithm if algorithm == "ES256" else RSAAlgorithm
            public = json.loads(serializer.to_jwk(private.public_key()))
            keys.append({**public, "kid": kid, "use": "sig", "alg": algorithm})
        return {"keys": keys}

    def sign(self, claims: dict, *, rogue: bool = False, kid: str | None = None) -> str:
        own_kid, key = self._keys[self.algorithm]
        if rogue:
            key = self._rogue_keys[self.algorithm]
        return jwt.encode(claims, key, algorithm=self.algorithm, headers={"kid": kid or own_kid})

    def _id_token(self, grant: dict, access_token: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": grant["identity"]["sub"],
            "aud": CLIENT_ID,
            "exp": now + 60,
            "iat": now,
            "auth_time": now,
            "nonce": grant["nonce"],
            "acr": "eidas1",
            "amr": ["pwd"],
            "at_hash": _b64url(hashlib.sha256(access_token.encode()).digest()[:16]),
        }
        bad = grant["misbehave"]
        if "wrong_nonce" in bad:
            claims["nonce"] = secrets.token_urlsafe(32)
        if "expired" in bad:
            claims["exp"], claims["iat"], claims["auth_time"] = now - 3600, now - 3700, now - 3700
        if "wrong_audience" in bad:
            claims["aud"] = "un-autre-fournisseur-de-service"
        if "wrong_issuer" in bad:
            claims["iss"] = "https://faux-franceconnect.example/api/v2"
        if "weak_acr" in bad:
            claims["acr"] = "faible"
        if "alg_none" in bad:
            return jwt.encode(claims, None, algorithm="none")
        if "hs256" in bad:
            return jwt.encode(claims, CLIENT_SECRET, algorithm="HS256", headers={"kid": "hs-1"})
        if "unknown_kid" in bad:
            return self.sign(claims, kid="cle-inconnue")
        return self.sign(claims, rogue="bad_signature" in bad)

    def _userinfo(self, grant: dict) -> tuple[str, str]:
        identity = dict(grant["identity"])
        bad = grant["misbehave"]
        if "userinfo_other_sub" in bad:
            identity["sub"] = "un-autre-usager"
        if "userinfo_plain_json" in bad or not self.userinfo_signed:
            return "application/json", json.dumps(identity)
        claims = {**identity, "iss": self.issuer, "aud": CLIENT_ID, "iat": int(time.time())}
        return "application/jwt", self.sign(claims, rogue="userinfo_bad_signature" in bad)

    # Endpoints ----------------------------------------------------------------------------------

    def authorize(self, params: dict) -> tuple[int, dict, str]:
        self.authorize_requests.append(params)
        problems = []
        if params.get("client_id") != CLIENT_ID:
            problems.append("client_id")
        if params.get("response_type") != "code":
            problems.append("response_type")
        if not params.get("redirect_uri") or (
            self.redirect_uri and params["redirect_uri"] != self.redirect_uri
        ):
            problems.append("redirect_uri")
        if "openid" not in params.get("scope", "").split():
            problems.append("scope")
        if len(params.get("state", "")) < 32 or len(params.get("nonce", "")) < 32:
            problems.append("state_nonce")
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            problems.append("pkce")
        if not params.get("acr_values"):
            problems.append("acr_values")
        if problems:
            return 400, {"Content-Type": "text/plain"}, "Requete invalide : " + ", ".join(problems)
        if self.interactive:
            ticket = secrets.token_urlsafe(16)
            with self._lock:
                self._codes[ticket] = {"pending": params}
            return 200, {"Content-Type": "text/html; charset=utf-8"}, _consent_page(ticket, self.identity)
        return 302, {"Location": self._answer(params)}, ""

    def confirm(self, form: dict) -> tuple[int, dict, str]:
        with self._lock:
            ticket = self._codes.pop(form.get("ticket", ""), None)
        if ticket is None:
            return 400, {"Content-Type": "text/plain"}, "Ticket inconnu"
        return 303, {"Location": self._answer(ticket["pending"])}, ""

    def _answer(self, params: dict) -> str:
        redirect_uri, state = params["redirect_uri"], params["state"]
        if "access_denied" in self.misbehave:
            query = {"error": "access_denied", "error_description": "User auth aborted", "state": state}
        elif "server_error" in self.misbehave:
            query = {"error": "server_error", "error_description": "Oups", "state": state}
        else:
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._codes[code] = {
                    "redirect_uri": redirect_uri,
                    "nonce": params["nonce"],
                    "challenge": params["code_challenge"],
                    "identity": dict(self.identity),
                    "misbehave": set(self.misbehave),
                    "used": False,
                }
            query = {"code": code, "state": state}
        separator = "&" if "?" in redirect_uri else "?"
        return f"{redirect_uri}{separator}{urlencode(query)}"

    def token(self, form: dict, authorization: str) -> tuple[int, dict, str]:
        self.token_requests.append({**form, "authorization": authorization})
        json_type = {"Content-Type": "application/json"}
        if "token_down" in self.misbehave:
            return 500, json_type, json.dumps({"error": "server_error"})
        if self.auth_method == "client_secret_post":
            client_ok = form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET
        else:
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            client_ok = authorization == f"Basic {expected}"
        if not client_ok:
            return 401, json_type, json.dumps({"error": "invalid_client"})
        with self._lock:
            grant = self._codes.get(form.get("code", ""))
            if grant is None or "used" not in grant or grant["used"]:
                return 400, json_type, json.dumps({"error": "invalid_grant"})
            grant["used"] = True  # a code serves once, even if the rest fails
        if (
            form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant["redirect_uri"]
        ):
            return 400, json_type, json.dumps({"error": "invalid_grant"})
        verifier = form.get("code_verifier", "")
        if _b64url(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
            return 400, json_type, json.dumps({"error": "invalid_grant", "error_description": "PKCE"})
        access_token = secrets.token_urlsafe(32)
        id_token = self._id_token(grant, access_token)
        with self._lock:
            self._access_tokens[access_token] = grant
            self.issued_id_tokens.append(id_token)
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 60,
            "id_token": id_token,
            "scope": "openid given_name family_name birthdate birthplace birthcountry gender email",
        }
        return 200, json_type, json.dumps(body)

    def userinfo(self, authorization: str) -> tuple[int, dict, str]:
        self.userinfo_requests.append(authorization)
        grant = self._access_tokens.get(authorization.removeprefix("Bearer "))
        if grant is None:
            return 401, {"Content-Type": "application/json"}, json.dumps({"error": "invalid_token"})
        content_type, body = self._userinfo(grant)
        return 200, {"Content-Type": content_type}, body

    def end_session(self, params: dict) -> tuple[int, dict, str]:
        self.end_session_requests.append(params)
        if params.get("id_token_hint") not in self.issued_id_tokens:
            return 400, {"Content-Type": "text/plain"}, "id_token_hint inconnu"
        target = params.get("post_logout_redirect_uri", "")
        if not target or (self.post_logout_redirect_uri and target != self.post_logout_redirect_uri):
            return 400, {"Content-Type": "text/plain"}, "post_logout_redirect_uri invalide"
        return 302, {"Location": f"{target}?{urlencode({'state': params.get('state', '')})}"}, ""


def _consent_page(ticket: str, identity: dict) -> str:
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>FranceConnect (fournisseur de test)</title></head>
<body><main><h1>FranceConnect de test</h1>
<p>Vous allez être connecté en tant que {html.escape(identity["given_name"])} {html.escape(identity["family_name"])}.</p>
<form method="post" action="/api/v2/authorize/confirm">
<input type="hidden" name="ticket" value="{html.escape(ticket)}">
<button type="submit">Continuer sur le guichet</button>
</form></main></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    fake: FakeFranceConnect

    def log_message(self, format, *args) -> None:  # quiet in the tests' output
        return

    def _send(self, status: int, headers: dict, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = {key: values[0] for key, values in parse_qs(url.query).items()}
        fake = self.fake
        if url.path == "/api/v2/.well-known/openid-configuration":
            fake.discovery_requests += 1
            self._send(200, {"Content-Type": "application/json"}, json.dumps(fake.discovery()))
        elif url.path == "/api/v2/jwks":
            self._send(200, {"Content-Type": "application/json"}, json.dumps(fake.jwks()))
        elif url.path == "/api/v2/authorize":
            self._send(*fake.authorize(params))
        elif url.path == "/api/v2/userinfo":
            self._send(*fake.userinfo(self.headers.get("Authorization", "")))
        elif url.path == "/api/v2/session/end":
            self._send(*fake.end_session(params))
        else:
            self._send(404, {"Content-Type": "text/plain"}, "Introuvable")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
        url = urlsplit(self.path)
        if url.path == "/api/v2/token":
            self._send(*self.fake.token(form, self.headers.get("Authorization", "")))
        elif url.path == "/api/v2/authorize/confirm":
            self._send(*self.fake.confirm(form))
        else:
            self._send(404, {"Content-Type": "text/plain"}, "Introuvable")
