"""What the browser's session keeps between the steps of a FranceConnect sign-in.

- the flows started here, keyed by their `state`: the nonce and PKCE verifier to check the answer
  with, and where to go afterwards. A flow is taken out when its answer comes back, so a state (and
  the code that came with it) serves once; flows expire after FLOW_SECONDS.
- the pending identity: certified by FranceConnect but not linked to an account yet, while the person
  proves they own the account with that e-mail (its password) or creates one. It expires after
  PENDING_SECONDS and never becomes a login by itself.
- the ID token of a session that came from FranceConnect, for the provider's logout (id_token_hint),
  and the state of that logout.

The session lives server-side (database, cached): nothing of this reaches the browser but its key.
"""

from dataclasses import dataclass

from django.utils import timezone

from guichet.franceconnect.exceptions import FlowError
from guichet.franceconnect.identity import CertifiedIdentity
from guichet.franceconnect.oidc import AuthorizationRequest

FLOWS_KEY = "franceconnect_flows"
PENDING_KEY = "franceconnect_pending"
ID_TOKEN_KEY = "franceconnect_id_token"  # noqa: S105 (a session key's name, not a secret)
LOGOUT_STATE_KEY = "franceconnect_logout_state"
FLOW_SECONDS = 10 * 60
PENDING_SECONDS = 15 * 60
# A few tabs may start a sign-in at once; the oldest are forgotten beyond this.
MAX_FLOWS = 5


def _now() -> float:
    return timezone.now().timestamp()


@dataclass(frozen=True)
class Flow:
    state: str
    nonce: str
    code_verifier: str
    next_url: str
    # Why it was started: "" to sign in (or up, or to certify the account), REAUTHENTICATE to confirm a
    # sensitive action of the account already signed in.
    purpose: str = ""


REAUTHENTICATE = "reauthenticate"


def remember_flow(session, request: AuthorizationRequest, *, next_url: str, purpose: str = "") -> None:
    now = _now()
    flows = {
        state: flow
        for state, flow in (session.get(FLOWS_KEY) or {}).items()
        if now - flow.get("created", 0) < FLOW_SECONDS
    }
    flows[request.state] = {
        "nonce": request.nonce,
        "verifier": request.code_verifier,
        "next": next_url,
        "purpose": purpose,
        "created": now,
    }
    session[FLOWS_KEY] = dict(sorted(flows.items(), key=lambda item: item[1]["created"])[-MAX_FLOWS:])


def take_flow(session, state: str) -> Flow:
    """The flow this state started, removed from the session; FlowError if unknown, used or expired."""
    flows = dict(session.get(FLOWS_KEY) or {})
    flow = flows.pop(state, None) if state else None
    session[FLOWS_KEY] = flows
    if flow is None or _now() - flow.get("created", 0) >= FLOW_SECONDS:
        raise FlowError()
    return Flow(
        state=state,
        nonce=flow["nonce"],
        code_verifier=flow["verifier"],
        next_url=flow["next"],
        purpose=flow.get("purpose", ""),
    )


@dataclass(frozen=True)
class Pending:
    identity: CertifiedIdentity
    id_token: str
    next_url: str
    # The account whose e-mail FranceConnect gave: the only one this identity may be linked to.
    account_id: int | None


def keep_pending(
    session, identity: CertifiedIdentity, *, id_token: str, next_url: str, account_id: int | None
) -> None:
    session[PENDING_KEY] = {
        "identity": identity.to_session(),
        "id_token": id_token,
        "next": next_url,
        "account": account_id,
        "created": _now(),
    }


def pending(session) -> Pending | None:
    data = session.get(PENDING_KEY)
    if not data:
        return None
    if _now() - data.get("created", 0) >= PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    return Pending(
        identity=CertifiedIdentity.from_session(data["identity"]),
        id_token=data["id_token"],
        next_url=data.get("next", ""),
        account_id=data.get("account"),
    )


def drop_pending(session) -> None:
    session.pop(PENDING_KEY, None)


def remember_id_token(session, id_token: str) -> None:
    session[ID_TOKEN_KEY] = id_token


def id_token(session) -> str | None:
    return session.get(ID_TOKEN_KEY) or None
