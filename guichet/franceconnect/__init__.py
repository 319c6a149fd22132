"""FranceConnect: signing in and up with the State's identity federation (OpenID Connect).

oidc.py         the relying party: discovery, authorization request (PKCE, state, nonce), token
                exchange, signed ID token and userinfo checked here, end of session
models.py       the certified identity linked to an account (one per account, one per `sub`)
services.py     linking, signing in, creating an account from a certified identity
selectors.py    reads: a user's certified identity, the account a `sub` or an e-mail belongs to
flow.py         what the browser's session keeps between the steps (flows, pending identity)
views.py        start, callback, sign-up, link, logout (through the provider), their error page
prefill.py      the démarches' prefill sources of the certified identity
personal_data.py  the registry's declaration (export, erasure)

Off unless FRANCECONNECT_ISSUER, FRANCECONNECT_CLIENT_ID and FRANCECONNECT_CLIENT_SECRET are set:
then no button shows and every page of the app answers 404 (except the logout, which hands over to
allauth's).
"""
