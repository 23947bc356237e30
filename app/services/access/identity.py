"""Users, organisations, groups and API tokens; turning a credential into an `Actor`."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import bindparam, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.engine import clock
from app.extensions import db
from app.models import ROLES, ApiToken, Group, Membership, Organisation, User
from app.models.pipeline import opening_read
from app.services.access.actors import EXTERNAL_SYSTEM, SYSTEM, Actor
from app.services.audit.record import record
from app.services.errors import InvalidInput, NotFound
from app.services.unit_of_work import unit_of_work

TOKEN_LIFETIME = timedelta(days=30)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ensure_organisation(session, key: str, name: str | None = None, domain: str | None = None):
    org = session.execute(select(Organisation).where(Organisation.key == key)).scalar_one_or_none()
    if org is None:
        org = Organisation(key=key, name=name or key, domain=domain)
        session.add(org)
        session.flush()
    return org


def ensure_group(
    session,
    key: str,
    organisation: Organisation | None = None,
    name: str | None = None,
    sees_case_data: bool = True,
) -> Group:
    group = session.execute(select(Group).where(Group.key == key)).scalar_one_or_none()
    if group is None:
        group = Group(key=key, name=name or key, organisation=organisation, sees_case_data=sees_case_data)
        session.add(group)
        session.flush()
    return group


def add_user(
    username: str,
    *,
    display_name: str | None = None,
    password: str | None = None,
    organisation: str | None = None,
    roles: list[str] | None = None,
    email: str | None = None,
    external_subject: str | None = None,
    actor: Actor = SYSTEM,
    details: dict | None = None,
) -> User:
    roles = roles or ["professional"]
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise InvalidInput(
            f"unknown role(s): {', '.join(sorted(unknown))}",
            errors={"roles": [f"choose from {', '.join(ROLES)}"]},
        )
    with unit_of_work() as session:
        if session.execute(select(User).where(User.username == username)).first():
            raise InvalidInput(f"user {username} exists", errors={"username": ["already taken"]})
        org = ensure_organisation(session, organisation) if organisation else None
        user = User(
            username=username,
            display_name=display_name or username,
            email=email,
            password_hash=generate_password_hash(password) if password else None,
            organisation=org,
            roles=list(roles),
            active=True,
            external_subject=external_subject,
            created_at=clock.now(),
        )
        session.add(user)
        audit_user_change(
            session,
            actor,
            "user.created",
            username,
            {"organisation": organisation, "roles": sorted(roles), **(details or {})},
        )
    return user


def audit_user_change(session, actor: Actor, event_type: str, username: str, details: dict) -> None:
    """One audit row for a change of who may do what (NEN 7510: account management is logged)."""
    record(
        session,
        actor,
        action="C" if event_type.endswith(".created") or event_type.endswith(".granted") else "U",
        event_type=event_type,
        object_type="User",
        object_id=username,
        details=details,
    )


def find_user(session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user {username}")
    return user


def grant(username: str, *, groups: list[str] = (), roles: list[str] = (), actor: Actor = SYSTEM) -> User:
    """Add group memberships and/or roles to a user (each change audited)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise InvalidInput(f"unknown role(s): {', '.join(sorted(unknown))}")
    with unit_of_work() as session:
        user = find_user(session, username)
        added = []
        for key in groups:
            group = ensure_group(session, key, organisation=user.organisation)
            if not any(m.group_id == group.id for m in user.memberships):
                user.memberships.append(Membership(group=group))
                added.append(key)
        new_roles = sorted(set(roles) - set(user.roles))
        user.roles = sorted(set(user.roles) | set(roles))
        if added or new_roles:
            audit_user_change(session, actor, "user.granted", username, {"groups": added, "roles": new_roles})
    return user


def issue_token(username: str, *, label: str | None = None, lifetime: timedelta = TOKEN_LIFETIME) -> str:
    """A new bearer token; the plain value is returned once and never stored."""
    token = "zp_" + secrets.token_urlsafe(32)
    with unit_of_work() as session:
        user = find_user(session, username)
        now = clock.now()
        session.add(
            ApiToken(
                token_hash=_hash_token(token),
                user=user,
                label=label,
                created_at=now,
                expires_at=now + lifetime,
            )
        )
    return token


def revoke_tokens(username: str) -> int:
    with unit_of_work() as session:
        user = find_user(session, username)
        now = clock.now()
        tokens = (
            session.execute(
                select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            )
            .scalars()
            .all()
        )
        for token in tokens:
            token.revoked_at = now
    return len(tokens)


def actor_roles(stored: list[str] | None) -> frozenset[str]:
    """Roles as the services see them.

    The stored role `system` (an outside system such as a GP information system) becomes
    `external-system`: `Actor.has_role("system")` means the engine's own in-process actor, which
    sees every task, and no credential may ever grant that.
    """
    return frozenset(EXTERNAL_SYSTEM if role == "system" else role for role in stored or [])


def actor_for(user: User, **context) -> Actor:
    groups = frozenset(m.group.key for m in user.memberships)
    blind = frozenset(m.group.key for m in user.memberships if not m.group.sees_case_data)
    return Actor(
        username=user.username,
        groups=groups,
        blind_groups=blind,
        roles=actor_roles(user.roles),
        organisation=user.organisation.key if user.organisation else None,
        display_name=user.display_name,
        **context,
    )


# Every request turns a credential into an actor: one query, plain rows (one per group), no
# ORM objects to build.
ACTOR_COLUMNS = select(
    User.username,
    User.display_name,
    User.roles,
    User.active,
    Organisation.key.label("organisation"),
    Group.key.label("group"),
    Group.sees_case_data,
)


def with_memberships(query):
    """Join a query on `users` with its organisation and groups (one row per group)."""
    return (
        query.outerjoin(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(Membership, Membership.user_id == User.id)
        .outerjoin(Group, Group.id == Membership.group_id)
    )


def actor_from_rows(rows, **context) -> Actor | None:
    if not rows or not rows[0].active:
        return None
    first = rows[0]
    return Actor(
        username=first.username,
        groups=frozenset(r.group for r in rows if r.group is not None),
        blind_groups=frozenset(r.group for r in rows if r.group is not None and not r.sees_case_data),
        roles=actor_roles(first.roles),
        organisation=first.organisation,
        display_name=first.display_name,
        **context,
    )


def _actor_where(condition, **context) -> Actor | None:
    rows = db.session.execute(with_memberships(ACTOR_COLUMNS.select_from(User)).where(condition)).all()
    return actor_from_rows(rows, **context)


_TOKEN_ACTOR = with_memberships(
    ACTOR_COLUMNS.add_columns(ApiToken.expires_at, ApiToken.revoked_at)
    .select_from(ApiToken)
    .join(User, User.id == ApiToken.user_id)
).where(ApiToken.token_hash == bindparam("token_hash"))


def authenticate_token(token: str, **context) -> Actor | None:
    """The actor behind a bearer token, or None if unknown, expired, revoked or inactive."""
    if not token:
        return None
    # A request's first query: its transaction's BEGIN goes along (models/pipeline.py).
    rows = opening_read(db.session, _TOKEN_ACTOR, {"token_hash": _hash_token(token)})
    if not rows or rows[0].revoked_at is not None or rows[0].expires_at <= clock.now():
        return None
    return actor_from_rows(rows, **context)


def authenticate_password(username: str, password: str, **context) -> Actor | None:
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active or not user.password_hash:
        # Spend the same time as a real check so timing does not reveal which usernames exist.
        check_password_hash(generate_password_hash("x"), password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return actor_for(user, **context)


# -- web logins ------------------------------------------------------------------------------------
# The web layer calls `login` with the submitted form and begins a server-side session
# (services/access/sessions.py) for the returned user id.


def login(username: str, password: str, **context) -> tuple[uuid.UUID, Actor] | None:
    """Check a password; the (user id, actor) or None. Same timing either way."""
    actor = authenticate_password(username, password, **context)
    if actor is None:
        return None
    user = db.session.execute(select(User).where(User.username == username)).scalar_one()
    return user.id, actor


def load_actor(username: str, **context) -> Actor | None:
    """The actor of a user by name, with its current rights (for scripts and tests acting as a user)."""
    return _actor_where(User.username == username, **context)
