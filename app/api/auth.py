"""Who is calling: a bearer token for the API (OpenID Connect can plug in here, see README)."""

from __future__ import annotations

from flask import abort, g, request

from app.services.access.actors import Actor
from app.services.access.identity import authenticate_token

_ACTOR_KEY = "zorgpad.actor"


def client_address() -> str | None:
    return request.remote_addr


def current_actor() -> Actor:
    """The authenticated actor of this request, or a 401 problem."""
    # Cached on the request, not only on `g`: an app context (and its `g`) can outlive a request,
    # e.g. when requests run inside an already pushed app context.
    actor = request.environ.get(_ACTOR_KEY)
    if actor is not None:
        return actor
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(
            401,
            description="send 'Authorization: Bearer <token>' (see `zorgpad users token`)",
        )
    actor = authenticate_token(
        token.strip(),
        address=client_address(),
        purpose=request.headers.get("X-Purpose-Of-Use") or "care",
        acting_for=request.headers.get("X-Acting-For") or None,
    )
    if actor is None:
        abort(401, description="the token is unknown, expired or revoked")
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
