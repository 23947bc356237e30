"""Users, organisations, groups and API tokens; turning a credential into an `Actor`."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..engine import clock
from ..extensions import db
from ..models import ROLES, ApiToken, Group, Membership, Organisation, User
from .actors import Actor
from .errors import InvalidInput, NotFound
from .unit_of_work import unit_of_work

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
            created_at=clock.now(),
        )
        session.add(user)
    return user


def find_user(session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user {username}")
    return user


def grant(username: str, *, groups: list[str] = (), roles: list[str] = ()) -> User:
    """Add group memberships and/or roles to a user."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise InvalidInput(f"unknown role(s): {', '.join(sorted(unknown))}")
    with unit_of_work() as session:
        user = find_user(session, username)
        for key in groups:
            group = ensure_group(session, key, organisation=user.organisation)
            if not any(m.group_id == group.id for m in user.memberships):
                user.memberships.append(Membership(group=group))
        user.roles = sorted(set(user.roles) | set(roles))
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


def actor_for(user: User, **context) -> Actor:
    groups = frozenset(m.group.key for m in user.memberships)
    return Actor(
        username=user.username,
        groups=groups,
        roles=frozenset(user.roles or []),
        organisation=user.organisation.key if user.organisation else None,
        display_name=user.display_name,
        **context,
    )


def authenticate_token(token: str, **context) -> Actor | None:
    """The actor behind a bearer token, or None if unknown, expired, revoked or inactive."""
    if not token:
        return None
    row = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == _hash_token(token))
    ).scalar_one_or_none()
    now = clock.now()
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.user.active:
        return None
    return actor_for(row.user, **context)


def authenticate_password(username: str, password: str, **context) -> Actor | None:
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active or not user.password_hash:
        # Spend the same time as a real check so timing does not reveal which usernames exist.
        check_password_hash(generate_password_hash("x"), password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return actor_for(user, **context)


def load_actor(username: str, **context) -> Actor | None:
    """The actor of a logged-in web session, re-read each request so revoked rights take effect."""
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active:
        return None
    return actor_for(user, **context)
