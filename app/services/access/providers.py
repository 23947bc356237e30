"""The network's OpenID Connect providers, one per organisation, read from a YAML file.

`ZORGPAD_OIDC_PROVIDERS` names the file (docs/identity.md has a full example):

    providers:
      - key: ggz-regio                  # in URLs and in users.external_provider
        name: GGZ Regio                 # on the login page's chooser
        organisation: ggz-regio         # the Zorgpad organisation it speaks for (and only that)
        issuer: https://sso.ggz-regio.nl/realms/zorg
        client_id: zorgpad
        client_secret_env: ZORGPAD_SSO_GGZ_SECRET   # the secret itself never in the file
        api_audience: zorgpad-api       # `aud` of the access tokens the API accepts
        subject_claim: sub              # or oid (Entra ID: sub is pairwise per application)
        username_claim: preferred_username
        groups_claim: groups
        roles_claim: resource_access.zorgpad.roles   # client/app roles; never realm_access
        roles: {zorgpad-professional: professional}  # claim value -> Zorgpad role
        default_roles: [professional]
        provisioning: just-in-time      # or pre-registered
        mfa: {acr: ["2"], amr: [mfa, otp, hwk]}      # any of these shows MFA
    groups:                             # the mapping table: claim value -> organisation + group
      - {provider: ggz-regio, claim: /ggz-regio/fact, organisation: ggz-regio, group: ggz-fact}

A provider grants only groups its mapping names, and a mapping may only name the provider's
own organisation: it can never lift an organisation's restriction (the insurer's groups see
no case data, whatever its tokens say).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from app.models import ROLES

# Asymmetric signatures only: never `none`, never a shared-secret HS* (a public key is public).
SAFE_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
PROVISIONING = ("just-in-time", "pre-registered")
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


class ProviderConfigError(ValueError):
    """The provider file is wrong; the message names the provider and the field."""


@dataclass(frozen=True)
class Mfa:
    acr: frozenset[str] = frozenset()
    amr: frozenset[str] = frozenset()

    @property
    def required(self) -> bool:
        return bool(self.acr or self.amr)

    def shown_by(self, claims: dict) -> bool:
        if not self.required:
            return True
        amr = claims.get("amr")
        amr_values = {str(v) for v in amr} if isinstance(amr, list) else set()
        return str(claims.get("acr", "")) in self.acr or bool(amr_values & self.amr)


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    organisation: str
    issuer: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    api_audience: str | None = None
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    subject_claim: str = "sub"
    username_claim: str = "preferred_username"
    name_claim: str = "name"
    email_claim: str = "email"
    groups_claim: str = "groups"
    roles_claim: str | None = None
    roles: dict[str, str] = field(default_factory=dict)
    default_roles: tuple[str, ...] = ("professional",)
    provisioning: str = "just-in-time"
    mfa: Mfa = Mfa()
    algorithms: tuple[str, ...] = ("RS256", "PS256", "ES256")
    clock_skew: int = 60
    jwks_max_age: int = 300
    # Extra parameters for the authorization request (e.g. acr_values to ask for MFA).
    authorize_params: dict[str, str] = field(default_factory=dict)
    # claim value -> Zorgpad group key (only groups of `organisation`)
    groups: dict[str, str] = field(default_factory=dict)

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class Federation:
    """Every configured provider, and the claim values each other provider's mapping names."""

    providers: dict[str, Provider] = field(default_factory=dict)

    def by_key(self, key: str) -> Provider | None:
        return self.providers.get(key)

    def by_issuer(self, issuer: str) -> Provider | None:
        for provider in self.providers.values():
            if provider.issuer.rstrip("/") == str(issuer).rstrip("/"):
                return provider
        return None

    def owner_of_group_claim(self, value: str) -> Provider | None:
        for provider in self.providers.values():
            if value in provider.groups:
                return provider
        return None

    def __bool__(self) -> bool:
        return bool(self.providers)


def _text(entry: dict, name: str, where: str, default=None, required: bool = False) -> str | None:
    value = entry.get(name, default)
    if value is None:
        if required:
            raise ProviderConfigError(f"{where}: '{name}' is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ProviderConfigError(f"{where}: '{name}' must be a non-empty text")
    return value.strip()


def _strings(entry: dict, name: str, where: str, default=()) -> tuple[str, ...]:
    value = entry.get(name, default)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str | int) for v in value):
        raise ProviderConfigError(f"{where}: '{name}' must be a list of texts")
    return tuple(str(v) for v in value)


def _provider(entry, environ) -> Provider:
    if not isinstance(entry, dict):
        raise ProviderConfigError("providers: every entry is a mapping")
    key = _text(entry, "key", "provider", required=True)
    if not _KEY.match(key):
        raise ProviderConfigError(f"provider {key!r}: a key is lower-case letters, digits and '-'")
    where = f"provider {key}"
    secret = entry.get("client_secret")
    secret_env = _text(entry, "client_secret_env", where)
    if secret_env:
        secret = environ.get(secret_env)
        if not secret:
            raise ProviderConfigError(f"{where}: environment variable {secret_env} is not set")
    roles_claim = _text(entry, "roles_claim", where)
    if roles_claim and roles_claim.split(".", 1)[0] == "realm_access":
        raise ProviderConfigError(
            f"{where}: roles come from the client's (or app's) roles, never realm-wide roles ({roles_claim})"
        )
    roles = entry.get("roles") or {}
    if not isinstance(roles, dict):
        raise ProviderConfigError(f"{where}: 'roles' maps a claim value to a Zorgpad role")
    for value, role in roles.items():
        if role not in ROLES or role == "system":
            raise ProviderConfigError(f"{where}: role {role!r} for {value!r} is not a role a person can have")
    default_roles = _strings(entry, "default_roles", where, ("professional",))
    for role in default_roles:
        if role not in ("professional", "process-owner", "auditor"):
            raise ProviderConfigError(
                f"{where}: default role {role!r}: only professional, process-owner, auditor"
            )
    provisioning = _text(entry, "provisioning", where, "just-in-time")
    if provisioning not in PROVISIONING:
        raise ProviderConfigError(f"{where}: provisioning is one of {', '.join(PROVISIONING)}")
    algorithms = _strings(entry, "algorithms", where, ("RS256", "PS256", "ES256"))
    unsafe = [a for a in algorithms if a not in SAFE_ALGORITHMS]
    if unsafe or not algorithms:
        raise ProviderConfigError(
            f"{where}: algorithms {', '.join(unsafe) or '(none)'} refused; use {', '.join(SAFE_ALGORITHMS)}"
        )
    mfa = entry.get("mfa") or {}
    if not isinstance(mfa, dict):
        raise ProviderConfigError(f"{where}: 'mfa' has 'acr' and/or 'amr' lists")
    subject_claim = _text(entry, "subject_claim", where, "sub")
    if subject_claim not in ("sub", "oid"):
        raise ProviderConfigError(f"{where}: subject_claim is sub or oid")
    issuer = _text(entry, "issuer", where, required=True)
    if not issuer.startswith(("https://", "http://127.", "http://localhost")):
        raise ProviderConfigError(f"{where}: the issuer must be an https URL")
    params = entry.get("authorize_params") or {}
    return Provider(
        key=key,
        name=_text(entry, "name", where, key),
        organisation=_text(entry, "organisation", where, required=True),
        issuer=issuer,
        client_id=_text(entry, "client_id", where, required=True),
        client_secret=secret,
        api_audience=_text(entry, "api_audience", where),
        scopes=_strings(entry, "scopes", where, ("openid", "profile", "email")),
        subject_claim=subject_claim,
        username_claim=_text(entry, "username_claim", where, "preferred_username"),
        name_claim=_text(entry, "name_claim", where, "name"),
        email_claim=_text(entry, "email_claim", where, "email"),
        groups_claim=_text(entry, "groups_claim", where, "groups"),
        roles_claim=roles_claim,
        roles={str(k): str(v) for k, v in roles.items()},
        default_roles=default_roles,
        provisioning=provisioning,
        mfa=Mfa(frozenset(_strings(mfa, "acr", where)), frozenset(_strings(mfa, "amr", where))),
        algorithms=algorithms,
        clock_skew=int(entry.get("clock_skew", 60)),
        jwks_max_age=int(entry.get("jwks_max_age", 300)),
        authorize_params={str(k): str(v) for k, v in params.items()},
    )


def parse(document: dict, environ=None) -> Federation:
    """The federation from the file's content; ProviderConfigError names what is wrong."""
    environ = os.environ if environ is None else environ
    if not isinstance(document, dict):
        raise ProviderConfigError("the provider file holds 'providers' and 'groups'")
    providers: dict[str, Provider] = {}
    for entry in document.get("providers") or []:
        provider = _provider(entry, environ)
        if provider.key in providers:
            raise ProviderConfigError(f"provider {provider.key} is listed twice")
        if any(p.issuer.rstrip("/") == provider.issuer.rstrip("/") for p in providers.values()):
            raise ProviderConfigError(
                f"provider {provider.key}: another provider has issuer {provider.issuer}"
            )
        providers[provider.key] = provider
    groups: dict[str, dict[str, str]] = {key: {} for key in providers}
    for row in document.get("groups") or []:
        if not isinstance(row, dict):
            raise ProviderConfigError("groups: every row names provider, claim, organisation and group")
        where = f"groups row {row.get('claim')!r}"
        key = _text(row, "provider", where, required=True)
        claim = str(row.get("claim") or "").strip()
        organisation = _text(row, "organisation", where, required=True)
        group = _text(row, "group", where, required=True)
        if key not in providers or not claim:
            raise ProviderConfigError(f"{where}: provider {key!r} is not configured, or the claim is empty")
        if organisation != providers[key].organisation:
            raise ProviderConfigError(
                f"{where}: provider {key} speaks for {providers[key].organisation} only, "
                f"not for {organisation} (a provider never grants another organisation's groups)"
            )
        owner = next((k for k, table in groups.items() if claim in table), None)
        if owner is not None:
            raise ProviderConfigError(f"{where}: the claim is mapped already (provider {owner})")
        groups[key][claim] = group
    return Federation({key: _replace_groups(provider, groups[key]) for key, provider in providers.items()})


def _replace_groups(provider: Provider, groups: dict[str, str]) -> Provider:
    from dataclasses import replace

    return replace(provider, groups=groups)


def load(path: str | None, environ=None) -> Federation:
    if not path:
        return Federation()
    file = Path(path)
    try:
        document = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProviderConfigError(f"ZORGPAD_OIDC_PROVIDERS: cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ProviderConfigError(f"ZORGPAD_OIDC_PROVIDERS: {path} is not valid YAML: {exc}") from exc
    return parse(document or {}, environ)
