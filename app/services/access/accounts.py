"""A user's life cycle: deactivate and reactivate, take a group away, change the password,
revoke every credential. Each change is audited and ends what it must end at once: the
sessions (services/access/sessions.py) and API tokens are rows, so every node sees it.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from app.engine import clock
from app.extensions import db
from app.models import ApiToken, Group, Membership, User, WebSession
from app.services.access import identity, sessions
from app.services.access.actors import Actor
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.unit_of_work import unit_of_work

MIN_PASSWORD_LENGTH = 12


def may_manage_users(actor: Actor) -> bool:
    """Admins, and the command line (the engine's own actor)."""
    return actor.has_role("admin") or actor.has_role("system")


def _require_manager(actor: Actor) -> None:
    if not may_manage_users(actor):
        raise Forbidden("only an administrator manages users")


def _revoke_tokens(session, user) -> int:
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def deactivate(username: str, *, actor: Actor) -> dict:
    """No more logins; every session and API token of the user ends now."""
    _require_manager(actor)
    if username == actor.username:
        raise InvalidInput("you cannot deactivate yourself", errors={"username": [username]})
    with unit_of_work() as session:
        user = identity.find_user(session, username)
        user.active = False
        ended = sessions.end_for_user(session, user.id, "deactivated")
        revoked = _revoke_tokens(session, user)
        identity.audit_user_change(
            session, actor, "user.deactivated", username, {"sessionsEnded": ended, "tokensRevoked": revoked}
        )
    return {"username": username, "active": False, "sessionsEnded": ended, "tokensRevoked": revoked}


def activate(username: str, *, actor: Actor) -> dict:
    """Allow logins again (tokens revoked at deactivation stay revoked)."""
    _require_manager(actor)
    with unit_of_work() as session:
        user = identity.find_user(session, username)
        user.active = True
        identity.audit_user_change(session, actor, "user.activated", username, {})
    return {"username": username, "active": True}


def revoke_group(username: str, group_key: str, *, actor: Actor) -> dict:
    """Take a group membership away; takes effect at the user's next request on any node."""
    _require_manager(actor)
    with unit_of_work() as session:
        user = identity.find_user(session, username)
        membership = session.execute(
            select(Membership)
            .join(Group, Group.id == Membership.group_id)
            .where(Membership.user_id == user.id, Group.key == group_key)
        ).scalar_one_or_none()
        if membership is None:
            raise NotFound(f"{username} is not a member of {group_key}")
        session.delete(membership)
        identity.audit_user_change(session, actor, "user.group-revoked", username, {"group": group_key})
    return {"username": username, "group": group_key, "member": False}


def revoke_credentials(username: str, *, actor: Actor) -> dict:
    """Revoke every API token and end every web session of the user (a credential leaked)."""
    _require_manager(actor)
    with unit_of_work() as session:
        user = identity.find_user(session, username)
        revoked = _revoke_tokens(session, user)
        ended = sessions.end_for_user(session, user.id, "revoked")
        identity.audit_user_change(
            session,
            actor,
            "user.credentials-revoked",
            username,
            {"tokensRevoked": revoked, "sessionsEnded": ended},
        )
    return {"username": username, "tokensRevoked": revoked, "sessionsEnded": ended}


def set_password(username: str, password: str, *, actor: Actor) -> int:
    """An administrator sets a password: every session of the user ends. Returns how many."""
    _require_manager(actor)
    _check_password(password)
    with unit_of_work() as session:
        user = identity.find_user(session, username)
        user.password_hash = identity.generate_password_hash(password)
        ended = sessions.end_for_user(session, user.id, "password")
        identity.audit_user_change(session, actor, "user.password-set", username, {"sessionsEnded": ended})
    return ended


def change_own_password(actor: Actor, current: str, new: str):
    """The user changes their own password: every session of theirs ends (the caller begins a
    new one for the browser in hand). Returns the user's id."""
    _check_password(new)
    if identity.authenticate_password(actor.username, current) is None:
        raise InvalidInput("the current password is wrong", errors={"current": ["wrong password"]})
    with unit_of_work() as session:
        user = identity.find_user(session, actor.username)
        user.password_hash = identity.generate_password_hash(new)
        ended = sessions.end_for_user(session, user.id, "password")
        identity.audit_user_change(
            session, actor, "user.password-changed", actor.username, {"sessionsEnded": ended}
        )
        user_id = user.id
    return user_id


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password has at least {MIN_PASSWORD_LENGTH} characters",
            errors={"password": [f"at least {MIN_PASSWORD_LENGTH} characters"]},
        )


def user_overview() -> list[dict]:
    """Every user with organisation, roles, groups, active flag and live session count (admin page)."""
    users = db.session.execute(select(User).order_by(User.username)).scalars().all()
    live = dict(
        db.session.execute(
            select(WebSession.user_id, func.count())
            .where(WebSession.ended_at.is_(None))
            .group_by(WebSession.user_id)
        ).all()
    )
    return [
        {
            "username": u.username,
            "displayName": u.display_name,
            "organisation": u.organisation.key if u.organisation else None,
            "roles": sorted(u.roles or []),
            "groups": sorted(m.group.key for m in u.memberships),
            "active": u.active,
            "liveSessions": live.get(u.id, 0),
        }
        for u in users
    ]
