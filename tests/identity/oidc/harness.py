"""A real OpenID provider for the tests (tests/identity/oidc/provider.mjs: npm `oidc-provider`
under the machine's Node.js), started on loopback, with the claim shapes of Keycloak and of
Microsoft Entra ID; and helpers to get real tokens from it or to forge bad ones."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from authlib.common.security import generate_token
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.reliability.test_crash_safety import _free_port

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).with_name("provider.mjs")
API = "urn:zorgpad:api"
OTHER_API = "urn:andere-dienst:api"
CLI_REDIRECT = "http://127.0.0.1:9/callback"  # never contacted: the test reads the redirect


def require_node() -> str:
    node = shutil.which("node")
    installed = (ROOT / "node_modules" / "oidc-provider" / "package.json").exists()
    if node and installed:
        return node
    message = "Node.js and node_modules/oidc-provider (make install) are needed for the OpenID provider"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)


@dataclass
class OpenIdProvider:
    """One provider process; `start`, `stop`, `restart(keys=...)` for a key rotation."""

    name: str
    workdir: Path
    accounts: dict
    claims: dict
    clients: list = field(default_factory=list)
    keys: list = field(default_factory=list)
    ttl: int = 600
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OpenIdProvider:
        node = require_node()
        config = {
            "name": self.name,
            "issuer": self.issuer,
            "port": self.port,
            "jwks": {"keys": [k.as_dict(private=True) for k in self.keys]},
            "clients": self.clients,
            "accounts": self.accounts,
            "claims": self.claims,
            "resources": {API: {"scope": "zorgpad"}, OTHER_API: {"scope": "andere"}},
            "ttl": self.ttl,
        }
        path = self.workdir / f"{self.name}.json"
        path.write_text(json.dumps(config))
        log = open(self.workdir / f"{self.name}.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [node, str(SCRIPT), str(path)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        self._log = log
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise AssertionError(
            f"provider {self.name} did not start: {(self.workdir / f'{self.name}.log').read_text()}"
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if getattr(self, "_log", None):
            self._log.close()

    def restart(self, *, keys: list) -> None:
        self.stop()
        self.keys = keys
        self.start()

    def client(self, client_id: str) -> dict:
        return next(c for c in self.clients if c["client_id"] == client_id)

    def access_token(self, account: str, *, resource: str = API, client_id: str = "zorgpad-cli") -> str:
        """A real access token for `account`, through the authorization code flow with PKCE."""
        return self.code_flow(account, resource=resource, client_id=client_id)["access_token"]

    def code_flow(self, account: str, *, resource: str | None = API, client_id: str = "zorgpad-cli") -> dict:
        client = self.client(client_id)
        browser = requests.Session()
        verifier = generate_token(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        params = {
            "client_id": client_id,
            "response_type": "code",
            "scope": "openid profile email groups",
            "redirect_uri": client["redirect_uris"][0],
            "state": generate_token(16),
            "nonce": generate_token(16),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if resource:
            params["resource"] = resource
        response = browser.get(f"{self.issuer}/auth", params=params, allow_redirects=False, timeout=10)
        for _ in range(10):
            location = response.headers.get("Location", "")
            if location.startswith(client["redirect_uris"][0]):
                break
            if response.status_code in (302, 303):
                response = browser.get(
                    urllib.parse.urljoin(self.issuer, location), allow_redirects=False, timeout=10
                )
                continue
            assert response.status_code == 200 and 'id="login"' in response.text, response.text[:500]
            action = response.text.split('action="', 1)[1].split('"', 1)[0]
            response = browser.post(
                urllib.parse.urljoin(self.issuer, action),
                data={"login": account},
                allow_redirects=False,
                timeout=10,
            )
        query = urllib.parse.parse_qs(urllib.parse.urlparse(response.headers["Location"]).query)
        assert "code" in query, query
        token = {
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": client["redirect_uris"][0],
            "code_verifier": verifier,
        }
        if resource:
            token["resource"] = resource
        answer = requests.post(
            f"{self.issuer}/token", data=token, auth=(client_id, client["client_secret"]), timeout=10
        )
        assert answer.status_code == 200, answer.text
        return answer.json()


def forge(claims: dict, key: RSAKey, *, alg: str = "RS256") -> str:
    """A token signed by a key of our own choosing (not the provider's)."""
    return jwt.encode({"alg": alg, "kid": key.kid}, claims, key)


def unsigned(claims: dict) -> str:
    """`alg: none`: no signature at all."""

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def hmac_signed(claims: dict, secret: bytes, *, kid: str = "ggz-1") -> str:
    """HS256 keyed with `secret` (the algorithm-confusion attack uses the provider's public key)."""
    import hmac

    def part(value) -> str:
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing_input = f"{part({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{part(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# -- the two claim shapes ----------------------------------------------------------------------------

# acr/amr with the `openid` scope: in every ID token, as Keycloak and Entra ID put them.
KEYCLOAK_CLAIMS = {
    "openid": ["sub", "acr", "amr", "auth_time"],
    "profile": ["preferred_username", "name"],
    "email": ["email"],
    "groups": ["groups", "resource_access", "realm_access"],
}
ENTRA_CLAIMS = {
    "openid": ["sub", "oid", "tid", "acr", "amr", "auth_time"],
    "profile": ["preferred_username", "name"],
    "email": ["email"],
    "groups": ["groups", "roles"],
}
TENANT = "7c1a3f2e-0d4b-4e8a-9a61-3c2b1f0e9d77"
ENTRA_GROUP_TRIAGE = "5e1d2c3b-4a59-4f68-8e7d-6c5b4a392817"
ENTRA_GROUP_REGIE = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def keycloak_account(username, name, groups, roles=("zorgpad-professional",), mfa=True):
    return {
        "claims": {
            "preferred_username": username,
            "name": name,
            "email": f"{username}@example.org",
            "groups": list(groups),
            "resource_access": {"zorgpad": {"roles": list(roles)}, "account": {"roles": ["manage-account"]}},
            # A realm-wide role named admin: must never make anyone a Zorgpad admin.
            "realm_access": {"roles": ["admin", "offline_access", "uma_authorization"]},
        },
        "mfa": {"acr": "2", "amr": ["pwd", "otp"]} if mfa else {"acr": "1", "amr": ["pwd"]},
    }


def entra_account(upn, name, oid, groups, roles=("Zorgpad.Professional",), mfa=True):
    return {
        "claims": {
            "oid": oid,
            "tid": TENANT,
            "preferred_username": upn,
            "name": name,
            "email": upn,
            "groups": list(groups),
            "roles": list(roles),
        },
        "mfa": {"amr": ["pwd", "mfa"]} if mfa else {"amr": ["pwd"]},
    }


def clients_for(key: str, bases: list[str], *, pairwise: bool = False) -> list[dict]:
    web = {
        "client_id": "zorgpad",
        "client_secret": f"geheim-{key}-web-0123456789abcdef",
        "redirect_uris": [f"{base}/login/sso/{key}/callback" for base in bases],
        "post_logout_redirect_uris": [f"{base}/login" for base in bases],
        "backchannel_logout_uri": f"{bases[0]}/sso/{key}/backchannel-logout",
        "backchannel_logout_session_required": True,
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }
    cli = {
        "client_id": "zorgpad-cli",
        "client_secret": f"geheim-{key}-cli-0123456789abcdef",
        "redirect_uris": [CLI_REDIRECT],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }
    if pairwise:
        for client in (web, cli):
            client["subject_type"] = "pairwise"
    return [web, cli]
