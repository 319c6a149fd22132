"""A local, stateful stand-in for Stripe Checkout: the API the SDK calls and the hosted page.

Serves POST /v1/checkout/sessions (honouring Idempotency-Key as Stripe does),
GET /v1/checkout/sessions (a list filtered on `created[gte]`/`created[lt]`, paged with
`limit`/`starting_after`, newest first, in Stripe's list envelope),
GET /v1/checkout/sessions/<id>, POST /v1/checkout/sessions/<id>/expire,
POST /v1/refunds, and a hosted page at /pay/<id> clearly labelled as a demo.
"Payer" on that page marks the session paid, sends a webhook signed like
Stripe's (HMAC-SHA256 of "{timestamp}.{payload}" with the whsec secret, header
`Stripe-Signature: t=…,v1=…`) to the portal, then redirects to the success URL.

It is a plain WSGI application, so that the tests serve it from a real HTTP
server thread on 127.0.0.1 and `make demo` mounts it under /regie/demo-paiement/
(regie.views.demo_provider) when settings.REGIE_FAKE_PROVIDER is on. Nothing
here runs in production, and no money is ever moved.
"""

import hashlib
import hmac
import html
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

DEMO_BANNER = "Page de paiement de démonstration — aucun argent n'est débité"


def sign(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """The Stripe-Signature header value for this payload, as Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class WebhookDelivery:
    event: dict[str, Any]
    payload: bytes
    signature: str


@dataclass
class _Stored:
    fingerprint: str
    status: int
    body: bytes


@dataclass
class FakeStripe:
    api_key: str
    webhook_secret: str
    webhook_url: str = ""
    public_base: str = ""  # where the hosted page is reached, e.g. http://127.0.0.1:8000/regie/demo-paiement
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Requests seen per route, to let tests count what reached "Stripe".
    requests: list[tuple[str, str]] = field(default_factory=list)
    deliveries: list[tuple[str, int]] = field(default_factory=list)
    _idempotent: dict[str, _Stored] = field(default_factory=dict)
    _stalls: list[float] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # Controls for tests --------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.sessions.clear()
            self.refunds.clear()
            self.requests.clear()
            self.deliveries.clear()
            self._idempotent.clear()
            self._stalls.clear()

    def stall_next_response(self, seconds: float) -> None:
        """Process the next API call but answer it only after `seconds`: the client times out."""
        with self._lock:
            self._stalls.append(seconds)

    def count(self, method: str, path_prefix: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p.startswith(path_prefix))

    def pay(
        self, session_id: str, *, amount_total: int | None = None, currency: str | None = None
    ) -> WebhookDelivery:
        """Complete the session as a card payment would, and build its signed webhook."""
        with self._lock:
            session = self.sessions[session_id]
            if session["status"] != "open":
                raise ValueError(f"session {session_id} is {session['status']}")
            session.update(
                status="complete",
                payment_status="paid",
                payment_intent=f"pi_{secrets.token_hex(12)}",
            )
            if amount_total is not None:
                session["amount_total"] = amount_total
            if currency is not None:
                session["currency"] = currency
            return self.event("checkout.session.completed", session)

    def expire(self, session_id: str) -> WebhookDelivery:
        with self._lock:
            session = self.sessions[session_id]
            session.update(status="expired")
            return self.event("checkout.session.expired", session)

    def event(self, event_type: str, obj: dict[str, Any], *, timestamp: int | None = None) -> WebhookDelivery:
        event = {
            "id": f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": "2026-01-28.clover",
            "created": int(time.time()),
            "livemode": False,
            "type": event_type,
            "data": {"object": dict(obj)},
        }
        payload = json.dumps(event).encode()
        return WebhookDelivery(
            event=event, payload=payload, signature=sign(payload, self.webhook_secret, timestamp=timestamp)
        )

    def deliver(self, delivery: WebhookDelivery) -> int:
        """POST the webhook to the portal, as Stripe would; returns the HTTP status."""
        request = urllib.request.Request(  # noqa: S310 (the portal's own http(s) webhook URL)
            self.webhook_url,
            data=delivery.payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": delivery.signature},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        self.deliveries.append((delivery.event["id"], status))
        return status

    # WSGI ----------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "") or "/"
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        with self._lock:
            self.requests.append((method, path))
        if path.startswith("/v1/"):
            status, headers, content, stall = self._api(method, path, body, environ)
        else:
            status, headers, content, stall = self._page(method, path, body)
        if stall:
            time.sleep(stall)
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [content]

    def _api(self, method: str, path: str, body: bytes, environ: dict) -> tuple[int, list, bytes, float]:
        if environ.get("HTTP_AUTHORIZATION") != f"Bearer {self.api_key}":
            return (*_error(401, "Invalid API Key provided.", code="api_key_invalid"), 0.0)
        query = environ.get("QUERY_STRING", "") if method == "GET" else body.decode()
        params = parse_qsl(query, keep_blank_values=True)
        key = environ.get("HTTP_IDEMPOTENCY_KEY", "")
        with self._lock:
            stall = self._stalls.pop(0) if self._stalls else 0.0
            fingerprint = f"{method} {path} " + json.dumps(sorted(params))
            if method == "POST" and key and key in self._idempotent:
                stored = self._idempotent[key]
                if stored.fingerprint != fingerprint:
                    return (
                        *_error(
                            400,
                            "Keys for idempotent requests can only be used with the same parameters.",
                            type_="idempotency_error",
                        ),
                        stall,
                    )
                headers = [("Content-Type", "application/json"), ("Idempotent-Replayed", "true")]
                return stored.status, headers, stored.body, stall
            status, headers, content = self._route(method, path, dict(params), params)
            if method == "POST" and key:
                self._idempotent[key] = _Stored(fingerprint, status, content)
        return status, headers, content, stall

    def _route(self, method: str, path: str, form: dict, pairs: list) -> tuple[int, list, bytes]:
        parts = path.strip("/").split("/")
        if parts[:3] == ["v1", "checkout", "sessions"]:
            if method == "POST" and len(parts) == 3:
                return self._create_session(form, pairs)
            if method == "GET" and len(parts) == 3:
                return self._list_sessions(form)
            session = self.sessions.get(parts[3]) if len(parts) > 3 else None
            if session is None:
                return _error(404, "No such checkout.session", code="resource_missing")
            if method == "GET" and len(parts) == 4:
                return _json(200, session)
            if method == "POST" and parts[4:] == ["expire"]:
                if session["status"] != "open":
                    return _error(400, f"This Checkout Session is {session['status']}.")
                session["status"] = "expired"
                return _json(200, session)
        if parts == ["v1", "refunds"] and method == "POST":
            return self._create_refund(form)
        return _error(404, "Unrecognized request URL.")

    def _create_session(self, form: dict, pairs: list) -> tuple[int, list, bytes]:
        # Stripe's own rule: a session lives between 30 minutes and 24 hours.
        expires_at = int(form.get("expires_at") or time.time() + 86400)
        if not time.time() + 1800 <= expires_at <= time.time() + 86400:
            return _error(400, "The `expires_at` timestamp must be 30 minutes to 24 hours after creation.")
        amount = 0
        index = 0
        while f"line_items[{index}][price_data][unit_amount]" in form:
            unit = int(form[f"line_items[{index}][price_data][unit_amount]"])
            amount += unit * int(form.get(f"line_items[{index}][quantity]", 1))
            index += 1
        session_id = f"cs_test_{secrets.token_hex(16)}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": form.get("mode", "payment"),
            "amount_subtotal": amount,
            "amount_total": amount,
            "currency": form.get("line_items[0][price_data][currency]", "eur"),
            "description": form.get("line_items[0][price_data][product_data][name]", ""),
            "status": "open",
            "payment_status": "unpaid",
            "payment_intent": None,
            "client_reference_id": form.get("client_reference_id"),
            "customer_email": form.get("customer_email"),
            "metadata": {k[9:-1]: v for k, v in pairs if k.startswith("metadata[")},
            "success_url": form.get("success_url", ""),
            "cancel_url": form.get("cancel_url", ""),
            "expires_at": expires_at,
            "created": int(time.time()),
            "livemode": False,
            "url": f"{self.public_base.rstrip('/')}/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return _json(200, session)

    def _list_sessions(self, form: dict) -> tuple[int, list, bytes]:
        try:
            gte = int(form["created[gte]"]) if "created[gte]" in form else None
            lt = int(form["created[lt]"]) if "created[lt]" in form else None
            limit = int(form.get("limit") or 10)
        except ValueError:
            return _error(400, "Invalid integer.")
        if not 1 <= limit <= 100:
            return _error(400, "`limit` must be between 1 and 100.")
        # Newest first, as Stripe lists; sessions created in the same second keep their creation order.
        ordered = [
            session
            for session in reversed(list(self.sessions.values()))
            if (gte is None or session["created"] >= gte) and (lt is None or session["created"] < lt)
        ]
        ordered.sort(key=lambda session: session["created"], reverse=True)  # stable
        after = form.get("starting_after")
        if after:
            ids = [session["id"] for session in ordered]
            if after not in ids:
                return _error(400, f"No such checkout.session: '{after}'", code="resource_missing")
            ordered = ordered[ids.index(after) + 1 :]
        page = ordered[:limit]
        return _json(
            200,
            {
                "object": "list",
                "url": "/v1/checkout/sessions",
                "has_more": len(ordered) > limit,
                "data": page,
            },
        )

    def _create_refund(self, form: dict) -> tuple[int, list, bytes]:
        intent = form.get("payment_intent", "")
        session = next((s for s in self.sessions.values() if s["payment_intent"] == intent and intent), None)
        if session is None:
            return _error(404, "No such payment_intent", code="resource_missing")
        amount = int(form.get("amount") or session["amount_total"])
        refunded = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent)
        if amount <= 0 or refunded + amount > session["amount_total"]:
            return _error(
                400, "Refund amount is greater than the unrefunded charge.", code="amount_too_large"
            )
        refund = {
            "id": f"re_{secrets.token_hex(12)}",
            "object": "refund",
            "amount": amount,
            "currency": session["currency"],
            "payment_intent": intent,
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        return _json(200, refund)

    # Hosted page ------------------------------------------------------------------

    def _page(self, method: str, path: str, body: bytes) -> tuple[int, list, bytes, float]:
        parts = path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "pay":
            return 404, [("Content-Type", "text/plain; charset=utf-8")], b"Not found", 0.0
        with self._lock:
            session = self.sessions.get(parts[1])
        if session is None:
            return 404, [("Content-Type", "text/plain; charset=utf-8")], b"Not found", 0.0
        if method == "POST":
            action = dict(parse_qsl(body.decode())).get("action")
            if action == "pay" and session["status"] == "open":
                self.deliver(self.pay(session["id"]))
                return _redirect(session["success_url"], session["id"])
            if action == "cancel":
                return _redirect(session["cancel_url"], session["id"])
        return 200, [("Content-Type", "text/html; charset=utf-8")], _hosted_page(session), 0.0


def _json(status: int, data: dict) -> tuple[int, list, bytes]:
    return status, [("Content-Type", "application/json")], json.dumps(data).encode()


def _error(status: int, message: str, *, type_: str = "invalid_request_error", code: str = "") -> tuple:
    return _json(status, {"error": {"type": type_, "message": message, "code": code}})


def _redirect(url: str, session_id: str) -> tuple[int, list, bytes, float]:
    return 303, [("Location", url.replace("{CHECKOUT_SESSION_ID}", session_id))], b"", 0.0


def _euros(cents: int) -> str:
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0€"


def _hosted_page(session: dict) -> bytes:
    esc = html.escape
    if session["status"] == "open":
        action = f"""
    <form method="post">
      <p>Carte de démonstration : aucune donnée bancaire n'est demandée ni enregistrée.</p>
      <button type="submit" name="action" value="pay">Payer {esc(_euros(session["amount_total"]))}</button>
      <button type="submit" name="action" value="cancel">Annuler et revenir au portail</button>
    </form>"""
    else:
        state = "payée" if session["status"] == "complete" else "expirée"
        action = f"<p>Cette session de paiement est {state}.</p>"
    return f"""<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>{esc(DEMO_BANNER)}</title></head>
<body>
  <main>
    <h1>{esc(DEMO_BANNER)}</h1>
    <p>Cette page imite celle d'un prestataire de paiement pour la démonstration du portail.</p>
    <dl>
      <dt>Objet</dt><dd>{esc(session["description"] or "")}</dd>
      <dt>Montant</dt><dd>{esc(_euros(session["amount_total"]))}</dd>
    </dl>{action}
  </main>
</body>
</html>""".encode()


# Serving it ------------------------------------------------------------------------


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A stalled answer to a client that gave up is expected here: keep quiet.
        pass


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


@dataclass
class RunningFake:
    fake: FakeStripe
    server: WSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve(fake: FakeStripe, *, host: str = "127.0.0.1", port: int = 0) -> RunningFake:
    """Serve the fake on a free local port from a daemon thread (tests)."""
    server = make_server(host, port, fake, server_class=_ThreadingServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="fake-stripe", daemon=True)
    thread.start()
    running = RunningFake(fake=fake, server=server, thread=thread)
    if not fake.public_base:
        fake.public_base = running.url
    return running


_demo: FakeStripe | None = None
_demo_lock = threading.Lock()


def demo_instance(*, api_key: str, webhook_secret: str, webhook_url: str, public_base: str) -> FakeStripe:
    """The one fake the demo server mounts; its sessions live as long as the process."""
    global _demo
    with _demo_lock:
        if _demo is None:
            _demo = FakeStripe(api_key=api_key, webhook_secret=webhook_secret)
        # Follow the settings, should they change while the process lives (tests).
        _demo.api_key, _demo.webhook_secret = api_key, webhook_secret
        _demo.webhook_url, _demo.public_base = webhook_url, public_base
        return _demo
