"""Web sessions as database rows: every node agrees at once when one ends.

The browser's cookie holds a random secret; the row holds its SHA-256, the user, when it
began and was last seen, and when and why it ended. Each request resumes the session by the
secret (one query, the actor's groups included): an ended, idle or too old session is refused
on every node at once, whatever the cookie says. Ending: logout, a password change,
deactivation, revoking the user's credentials, or (later) the identity provider's logout.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select, update

from app.engine import clock
from app.extensions import db
from app.models import WebSession
from app.services.access import identity
from app.services.access.actors import Actor
from app.services.unit_of_work import unit_of_work


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=9)

    @property
    def touch_every(self) -> timedelta:
        # `last_seen_at` is written at most this often: not a write per page view.
        return min(timedelta(minutes=1), self.idle / 10)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def begin(
    user_id,
    *,
    address: str | None = None,
    provider: str | None = None,
    provider_sid: str | None = None,
    provider_subject: str | None = None,
    id_token: str | None = None,
) -> str:
    """A new session for the user; returns the secret for the cookie (stored only hashed).

    A single sign-on session also keeps its provider's session id and subject (so the
    provider's back-channel logout can end it) and the ID token (the hint for logging out there).
    """
    secret = secrets.token_urlsafe(32)
    now = clock.now()
    with unit_of_work() as session:
        session.add(
            WebSession(
                token_hash=_hash(secret),
                user_id=uuid.UUID(str(user_id)),
                created_at=now,
                last_seen_at=now,
                address=(address or None) and address[:100],
                provider=provider,
                provider_sid=provider_sid and provider_sid[:300],
                provider_subject=provider_subject and provider_subject[:300],
                id_token=id_token,
            )
        )
    return secret


def provider_of(secret: str | None) -> tuple[str | None, str | None]:
    """(provider key, ID token) of a live session begun by single sign-on, else (None, None)."""
    if not secret:
        return None, None
    row = db.session.execute(
        select(WebSession.provider, WebSession.id_token).where(WebSession.token_hash == _hash(secret))
    ).first()
    return (row.provider, row.id_token) if row else (None, None)


def end_by_provider(provider: str, *, sid: str | None = None, subject: str | None = None) -> int:
    """The provider's back-channel logout: end its session `sid` (or every session of `subject`)."""
    if sid:
        condition = (WebSession.provider == provider) & (WebSession.provider_sid == sid)
    elif subject:
        condition = (WebSession.provider == provider) & (WebSession.provider_subject == subject)
    else:
        return 0
    return _end_where(condition, "provider-logout")


_SESSION_ACTOR = identity.with_memberships(
    identity.ACTOR_COLUMNS.add_columns(
        WebSession.id.label("session_id"),
        WebSession.created_at,
        WebSession.last_seen_at,
        WebSession.ended_at,
    )
    .select_from(WebSession)
    .join(identity.User, identity.User.id == WebSession.user_id)
).where(WebSession.token_hash == bindparam("token_hash"))


def resume(secret: str | None, timeouts: Timeouts = Timeouts(), **context) -> Actor | None:  # noqa: B008
    """The actor of a live session, or None (unknown, ended, idle, too old, user deactivated)."""
    if not secret or len(secret) > 200:
        return None
    rows = db.session.execute(_SESSION_ACTOR, {"token_hash": _hash(secret)}).all()
    if not rows or rows[0].ended_at is not None:
        return None
    first, now = rows[0], clock.now()
    reason = None
    if now - first.created_at >= timeouts.absolute:
        reason = "expired"
    elif now - first.last_seen_at >= timeouts.idle:
        reason = "idle"
    elif not first.active:
        reason = "deactivated"
    if reason:
        _end_where(WebSession.id == first.session_id, reason)
        return None
    if now - first.last_seen_at >= timeouts.touch_every:
        with unit_of_work() as session:
            session.execute(
                update(WebSession)
                .where(WebSession.id == first.session_id, WebSession.ended_at.is_(None))
                .values(last_seen_at=now)
            )
    return identity.actor_from_rows(rows, **context)


def end(secret: str | None, reason: str = "logout") -> bool:
    """End the session of this secret (logout); True if it was live."""
    if not secret:
        return False
    return _end_where(WebSession.token_hash == _hash(secret), reason) > 0


def _end_where(condition, reason: str) -> int:
    with unit_of_work() as session:
        return end_in(session, condition, reason)


def end_in(session, condition, reason: str) -> int:
    """End the live sessions matching `condition`, in the caller's transaction."""
    result = session.execute(
        update(WebSession)
        .where(condition, WebSession.ended_at.is_(None))
        .values(ended_at=clock.now(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def end_for_user(session, user_id, reason: str) -> int:
    """End every live session of a user, in the caller's transaction."""
    return end_in(session, WebSession.user_id == user_id, reason)


def live_sessions(user_id) -> list[WebSession]:
    return list(
        db.session.execute(
            select(WebSession)
            .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
            .order_by(WebSession.created_at)
        ).scalars()
    )
