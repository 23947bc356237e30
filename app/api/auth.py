"""Who is calling: a bearer token for the API.

Two kinds: Zorgpad's own `zp_…` tokens (service accounts, `zorgpad users token`), and access
tokens (JWTs) issued for this API by one of the network's OpenID Connect providers
(`ZORGPAD_OIDC_PROVIDERS`): the token's issuer picks the provider, whose keys, audience,
algorithms and claim mapping decide (services/access/oidc_tokens.py, federation.py). A refused
token is a 401 problem saying why; a provider that cannot be reached is a 503.
"""

from __future__ import annotations

from flask import abort, current_app, g, request

from app.services.access import federation, oidc_tokens
from app.services.access.actors import Actor
from app.services.access.identity import authenticate_token

_ACTOR_KEY = "zorgpad.actor"


def client_address() -> str | None:
    return request.remote_addr


def _provider_actor(token: str, **context) -> Actor:
    providers = current_app.extensions.get("zorgpad.federation")
    try:
        issuer = oidc_tokens.unverified_claims(token).get("iss")
        provider = providers.by_issuer(issuer) if providers and isinstance(issuer, str) else None
        if provider is None:
            abort(401, description="the token is refused: no configured provider issued it")
        claims = oidc_tokens.verify_access_token(provider, token)
        return federation.sign_in(providers, provider, claims, **context)
    except (oidc_tokens.TokenRefused, federation.SignInRefused) as exc:
        abort(401, description=f"the token is refused: {exc.reason}")
    except oidc_tokens.ProviderUnavailable:
        abort(503, description="the identity provider that issued the token cannot be reached; try again")


def current_actor() -> Actor:
    """The authenticated actor of this request, or a 401 problem."""
    # Cached on the request, not only on `g`: an app context (and its `g`) can outlive a request,
    # e.g. when requests run inside an already pushed app context.
    actor = request.environ.get(_ACTOR_KEY)
    if actor is not None:
        return actor
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        abort(
            401,
            description="send 'Authorization: Bearer <token>' (see `zorgpad users token`)",
        )
    context = {
        "address": client_address(),
        "purpose": request.headers.get("X-Purpose-Of-Use") or "care",
        "acting_for": request.headers.get("X-Acting-For") or None,
    }
    if token.startswith("zp_") or token.count(".") != 2:
        actor = authenticate_token(token, **context)
        if actor is None:
            abort(401, description="the token is unknown, expired or revoked")
    else:
        actor = _provider_actor(token, **context)
    request.environ[_ACTOR_KEY] = actor
    g.actor = actor
    return actor


PUBLIC_PATHS = ("/api/v1/openapi.json", "/api/v1/docs")


def install(app) -> None:
    """Authenticate every API request before its body is parsed: no 422 or 415 before a 401."""

    @app.before_request
    def _authenticate():
        path = request.path
        if not path.startswith("/api/") or path.startswith(PUBLIC_PATHS) or request.method == "OPTIONS":
            return None
        current_actor()
        return None
