"""Checking a provider's tokens: discovery, its signing keys (JWKS), and the JWT itself.

Signatures are checked with joserfc (Authlib's JOSE library) against the provider's published
keys, with an allow-list of asymmetric algorithms only: a token with `alg: none`, or an HS*
token "signed" with the provider's public key, is refused before any key is tried. The keys
are cached per process for `jwks_max_age` seconds and fetched again at once (at most every
ten seconds) when a token names a key id the cache does not know: a provider's key rotation
works without a restart. `iss`, `aud`, `exp`, `nbf` and `iat` are checked with the provider's
clock skew, against the service clock.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

import requests
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.engine import clock
from app.services.access.providers import Provider

HTTP_TIMEOUT = 5
REFETCH_AT_MOST_EVERY = 10.0
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class TokenRefused(Exception):
    """A token that must not be accepted; `reason` says why (safe to show: no token content)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ProviderUnavailable(Exception):
    """The provider's discovery document or keys could not be fetched."""


@dataclass
class _Cached:
    value: dict
    fetched: float


_lock = threading.Lock()
_metadata: dict[str, _Cached] = {}
_keys: dict[str, _Cached] = {}
_refreshed: dict[str, float] = {}


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"{url}: {exc.__class__.__name__}") from exc
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{url}: not a JSON object")
    return document


def metadata(provider: Provider) -> dict:
    """The provider's discovery document (cached like its keys); its issuer must be ours."""
    with _lock:
        cached = _metadata.get(provider.issuer)
        if cached and time.monotonic() - cached.fetched < provider.jwks_max_age:
            return cached.value
    document = _get_json(provider.discovery_url)
    if str(document.get("issuer", "")).rstrip("/") != provider.issuer.rstrip("/"):
        raise ProviderUnavailable(f"{provider.discovery_url}: issuer {document.get('issuer')!r} is not ours")
    with _lock:
        _metadata[provider.issuer] = _Cached(document, time.monotonic())
    return document


def _key_set(provider: Provider, *, refresh: bool = False) -> KeySet:
    """The provider's public keys; `refresh` (a token names an unknown key id) fetches them again,
    but at most every REFETCH_AT_MOST_EVERY seconds: made-up key ids cannot flood the provider."""
    now = time.monotonic()
    with _lock:
        cached = _keys.get(provider.issuer)
        fresh = cached is not None and now - cached.fetched < provider.jwks_max_age
        if refresh and now - _refreshed.get(provider.issuer, -REFETCH_AT_MOST_EVERY) < REFETCH_AT_MOST_EVERY:
            refresh = False  # asked again just now: keep what we have
        if refresh:
            _refreshed[provider.issuer] = now
    if fresh and not refresh:
        return KeySet.import_key_set(cached.value)
    document = _get_json(metadata(provider)["jwks_uri"])
    # Only public keys are taken, whatever the document holds.
    public = {"keys": [k for k in document.get("keys", []) if isinstance(k, dict) and "d" not in k]}
    with _lock:
        _keys[provider.issuer] = _Cached(public, time.monotonic())
    return KeySet.import_key_set(public)


def forget_keys() -> None:
    """Drop every cached document and key set (tests; an operator after a provider incident)."""
    with _lock:
        _metadata.clear()
        _keys.clear()
        _refreshed.clear()


def unverified_claims(token: str) -> dict:
    """The payload, NOT verified: only to find which provider (`iss`) must verify it."""
    try:
        payload = jws.extract_compact(token.encode()).payload
        claims = json.loads(payload)
    except (JoseError, ValueError, UnicodeDecodeError) as exc:
        raise TokenRefused("not a signed JWT") from exc
    if not isinstance(claims, dict):
        raise TokenRefused("not a signed JWT")
    return claims


def _header(token: str) -> dict:
    try:
        return jws.extract_compact(token.encode()).headers()
    except (JoseError, ValueError, UnicodeDecodeError) as exc:
        raise TokenRefused("not a signed JWT") from exc


def _signed_claims(provider: Provider, token: str) -> dict:
    header = _header(token)
    algorithm = header.get("alg")
    if algorithm not in provider.algorithms:
        raise TokenRefused(f"algorithm {algorithm!r} is not accepted (only {', '.join(provider.algorithms)})")
    for refresh in (False, True):
        keys = _key_set(provider, refresh=refresh)
        if header.get("kid") and not any(k.kid == header["kid"] for k in keys.keys):
            if refresh:
                raise TokenRefused("signed with a key the provider does not publish")
            continue  # perhaps rotated: fetch the keys again once
        try:
            return jwt.decode(token, keys, algorithms=list(provider.algorithms)).claims
        except JoseError as exc:
            if refresh:
                raise TokenRefused("the signature does not match the provider's keys") from exc
    raise TokenRefused("the signature does not match the provider's keys")  # pragma: no cover


def _validate(provider: Provider, claims: dict, audience: str, *, expires: bool = True, **extra) -> None:
    registry = jwt.JWTClaimsRegistry(
        now=int(clock.now().timestamp()),
        leeway=provider.clock_skew,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": audience},
        exp={"essential": expires},
        **extra,
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        name = getattr(exc, "claim", None) or ""
        reasons = {
            "exp": "the token has expired",
            "nbf": "the token is not valid yet",
            "iat": "the token is issued in the future",
            "aud": f"the token is not meant for this service (audience is not {audience})",
            "iss": "the token's issuer is not the provider's",
        }
        raise TokenRefused(reasons.get(name, f"claim {name or '?'} is missing or wrong")) from exc


def verify_access_token(provider: Provider, token: str) -> dict:
    """The claims of an API bearer token issued by the provider for this service, or TokenRefused."""
    if not provider.api_audience:
        raise TokenRefused(f"provider {provider.key} issues no tokens for the API")
    claims = _signed_claims(provider, token)
    _validate(provider, claims, provider.api_audience)
    return claims


def verify_id_token(provider: Provider, token: str, nonce: str) -> dict:
    """The claims of a login's ID token (OpenID Connect Core 3.1.3.7), or TokenRefused."""
    claims = _signed_claims(provider, token)
    _validate(provider, claims, provider.client_id, iat={"essential": True}, sub={"essential": True})
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != provider.client_id:
        raise TokenRefused("the ID token names other audiences and not us as its authorized party")
    if not nonce or claims.get("nonce") != nonce:
        raise TokenRefused("the ID token does not answer this login (nonce)")
    return claims


def verify_logout_token(provider: Provider, token: str) -> dict:
    """A back-channel logout token (OpenID Connect Back-Channel Logout 1.0, section 2.6)."""
    claims = _signed_claims(provider, token)
    # `exp` is checked when present; not every provider sets it on logout tokens.
    _validate(
        provider, claims, provider.client_id, expires=False, iat={"essential": True}, jti={"essential": True}
    )
    events = claims.get("events")
    if not isinstance(events, dict) or BACKCHANNEL_EVENT not in events:
        raise TokenRefused("not a back-channel logout token (events)")
    if "nonce" in claims:
        raise TokenRefused("a logout token carries no nonce")
    if not claims.get("sid") and not claims.get("sub"):
        raise TokenRefused("a logout token names a session (sid) or a subject (sub)")
    return claims
