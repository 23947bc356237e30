"""From a provider's verified claims to a Zorgpad user: org-bound mapping, provisioning, sync.

One rule holds throughout: a provider speaks for one organisation. It can sign in only users
of that organisation, grant only the groups its row of the mapping table names (all of that
organisation, checked against the `groups` table), and give only the roles its `roles` map
names, read from the client's (Keycloak) or application's (Entra ID) roles, never from a
realm-wide role. A token that claims a group another provider's mapping names is refused
whole: that is how an insurer's token would try to lift "sees no case data". Whether a group
sees case data is always the `groups` table's, never the token's.

Users are found by (provider, subject claim); unknown ones are created in the provider's
organisation (`just-in-time`) or refused (`pre-registered`). The provider's groups and roles
are copied onto the user when they differ; every creation and change is an audit row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.engine import clock
from app.extensions import db
from app.models import ROLES, Group, Membership, Organisation, User
from app.services.access import identity
from app.services.access.actors import SYSTEM, Actor
from app.services.access.providers import Federation, Provider
from app.services.unit_of_work import unit_of_work


class SignInRefused(Exception):
    """The claims do not let this person in; `reason` is safe to show and to log."""

    def __init__(self, reason: str, *, mfa: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.mfa = mfa


def claim(claims: dict, path: str | None):
    """A claim by dotted path (`resource_access.zorgpad.roles`)."""
    if not path:
        return None
    value = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class Mapped:
    subject: str
    username: str
    display_name: str
    email: str | None
    groups: frozenset[str]
    roles: frozenset[str]


def map_claims(federation: Federation, provider: Provider, claims: dict) -> Mapped:
    """What the verified claims say, within what this provider may say; SignInRefused otherwise."""
    if not provider.mfa.shown_by(claims):
        raise SignInRefused(
            f"provider {provider.key} requires multi-factor authentication (acr/amr)", mfa=True
        )
    subject = claims.get(provider.subject_claim)
    if not isinstance(subject, str) or not subject.strip():
        raise SignInRefused(f"the token has no {provider.subject_claim} claim")
    values = claim(claims, provider.groups_claim) or []
    if not isinstance(values, list):
        raise SignInRefused(f"the {provider.groups_claim} claim is not a list")
    groups = set()
    for value in map(str, values):
        if value in provider.groups:
            groups.add(provider.groups[value])
            continue
        owner = federation.owner_of_group_claim(value)
        if owner is not None:
            raise SignInRefused(
                f"the token claims group {value!r} of {owner.organisation}; "
                f"provider {provider.key} grants groups of {provider.organisation} only"
            )
        # Any other group of the provider's directory means nothing here.
    roles = set()
    role_values = claim(claims, provider.roles_claim) if provider.roles_claim else None
    if isinstance(role_values, list):
        roles = {provider.roles[str(v)] for v in role_values if str(v) in provider.roles}
    roles = roles or set(provider.default_roles)
    assert roles <= set(ROLES) - {"system"}  # providers.parse checked the map
    username = claim(claims, provider.username_claim)
    if not isinstance(username, str) or not username.strip():
        username = f"{provider.key}:{subject}"
    name = claim(claims, provider.name_claim)
    email = claim(claims, provider.email_claim)
    return Mapped(
        subject=subject.strip(),
        username=username.strip()[:100],
        display_name=(name if isinstance(name, str) and name.strip() else username)[:200],
        email=email[:200] if isinstance(email, str) else None,
        groups=frozenset(groups),
        roles=frozenset(roles),
    )


def _find(session, provider: Provider, subject: str) -> User | None:
    return session.execute(
        select(User).where(User.external_provider == provider.key, User.external_subject == subject)
    ).scalar_one_or_none()


def _own_groups(session, provider: Provider, keys) -> dict[str, Group]:
    """The named groups, each checked to be the provider's organisation's."""
    rows = (
        session.execute(
            select(Group, Organisation.key)
            .join(Organisation, Organisation.id == Group.organisation_id)
            .where(Group.key.in_(sorted(keys)))
        ).all()
        if keys
        else []
    )
    found = {group.key: (group, org) for group, org in rows}
    for key in keys:
        if key not in found:
            raise SignInRefused(f"the mapping names group {key}, which Zorgpad does not know")
        if found[key][1] != provider.organisation:
            raise SignInRefused(
                f"group {key} is not of {provider.organisation}: provider {provider.key} cannot grant it"
            )
    return {key: found[key][0] for key in keys}


def sign_in(federation: Federation, provider: Provider, claims: dict, **context) -> Actor:
    """The actor for a verified token: found, provisioned or refused; groups and roles synced.

    Writes (in one transaction) only when something changed, so an API call with an unchanged
    token costs no write.
    """
    mapped = map_claims(federation, provider, claims)
    session = db.session
    user = _find(session, provider, mapped.subject)
    if user is not None and _in_sync(user, provider, mapped):
        if not user.active:
            raise SignInRefused(f"user {user.username} is deactivated")
        actor = identity.load_actor(user.username, **context)
        if actor is None:
            raise SignInRefused(f"user {user.username} is deactivated")
        return actor
    with unit_of_work() as session:
        user = _find(session, provider, mapped.subject)
        if user is None:
            user = _provision(session, provider, mapped)
        if not user.active:
            raise SignInRefused(f"user {user.username} is deactivated")
        if user.organisation is None or user.organisation.key != provider.organisation:
            raise SignInRefused(f"user {user.username} is not of {provider.organisation}")
        _sync(session, provider, user, mapped)
        username = user.username
    actor = identity.load_actor(username, **context)
    if actor is None:  # pragma: no cover - checked above in the same breath
        raise SignInRefused(f"user {username} is deactivated")
    return actor


def _provider_actor(provider: Provider) -> Actor:
    # Provisioning and syncing are done for the provider: the audit row says so.
    return SYSTEM.with_context(acting_for=f"sso:{provider.key}", purpose="provisioning")


def _provision(session, provider: Provider, mapped: Mapped) -> User:
    if provider.provisioning != "just-in-time":
        raise SignInRefused(
            f"{mapped.username} is not registered in Zorgpad; "
            f"provider {provider.key} admits pre-registered users only"
        )
    if session.execute(select(User).where(User.username == mapped.username)).first():
        # Never link to an existing account by name: that would let a provider take it over.
        raise SignInRefused(f"the user name {mapped.username} is taken by another account")
    organisation = session.execute(
        select(Organisation).where(Organisation.key == provider.organisation)
    ).scalar_one_or_none()
    if organisation is None:
        raise SignInRefused(f"organisation {provider.organisation} is not known in Zorgpad")
    user = User(
        username=mapped.username,
        display_name=mapped.display_name,
        email=mapped.email,
        organisation=organisation,
        roles=[],
        active=True,
        external_provider=provider.key,
        external_subject=mapped.subject,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    identity.audit_user_change(
        session,
        _provider_actor(provider),
        "user.created",
        user.username,
        {"organisation": provider.organisation, "provider": provider.key, "provisioning": "just-in-time"},
    )
    return user


def _provider_groups(user: User, provider: Provider) -> set[str]:
    return {
        m.group.key
        for m in user.memberships
        if m.group.organisation is not None and m.group.organisation.key == provider.organisation
    }


def _in_sync(user: User, provider: Provider, mapped: Mapped) -> bool:
    return _provider_groups(user, provider) == set(mapped.groups) and set(user.roles or []) == set(
        mapped.roles
    )


def _sync(session, provider: Provider, user: User, mapped: Mapped) -> None:
    """The user's groups of the provider's organisation and roles become the token's (audited)."""
    current = _provider_groups(user, provider)
    wanted = set(mapped.groups)
    groups = _own_groups(session, provider, wanted - current)
    actor = _provider_actor(provider)
    for key in sorted(wanted - current):
        user.memberships.append(Membership(group=groups[key]))
        identity.audit_user_change(
            session, actor, "user.granted", user.username, {"groups": [key], "provider": provider.key}
        )
    for membership in list(user.memberships):
        key = membership.group.key
        if key in current - wanted:
            user.memberships.remove(membership)
            identity.audit_user_change(
                session, actor, "user.group-revoked", user.username, {"group": key, "provider": provider.key}
            )
    if set(user.roles or []) != set(mapped.roles):
        identity.audit_user_change(
            session,
            actor,
            "user.roles-changed",
            user.username,
            {"from": sorted(user.roles or []), "to": sorted(mapped.roles), "provider": provider.key},
        )
        user.roles = sorted(mapped.roles)


def link(username: str, provider: Provider, subject: str, *, actor: Actor = SYSTEM) -> None:
    """Pre-register: a local user logs in at `provider` with this subject (audited)."""
    with unit_of_work() as session:
        user = identity.find_user(session, username)
        if user.organisation is None or user.organisation.key != provider.organisation:
            raise SignInRefused(
                f"{username} is not of {provider.organisation}, the organisation of {provider.key}"
            )
        user.external_provider = provider.key
        user.external_subject = subject
        identity.audit_user_change(
            session, actor, "user.linked", username, {"provider": provider.key, "subject": subject}
        )
