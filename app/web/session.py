"""Who is logged in: the session secret in the signed cookie, resumed as an `Actor` each request.

The cookie carries only a random secret; the session itself is a database row
(services/access/sessions.py), so logout or deactivation on one node ends it on all of them.
"""

from __future__ import annotations

import functools

from flask import current_app, g, redirect, request, session, url_for

from app.services.access import sessions
from app.services.access.actors import Actor

from .security import session_timeouts

SESSION_KEY = "sid"


def load_session_actor() -> None:
    """Run before every web request. Nothing is cached across requests: where one app context
    outlives several requests (the test client inside a test's app context), Flask-WTF's cached
    CSRF token and the previous actor in `g` would otherwise leak into the next request."""
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    secret = session.get(SESSION_KEY)
    actor = None
    if secret:
        actor = sessions.resume(secret, session_timeouts(), address=request.remote_addr, purpose="care")
        if actor is None:
            session.clear()  # ended, timed out, or the account was deactivated
    g.actor = actor


def start_session(user_id, **single_sign_on) -> None:
    """A fresh cookie for a new server-side session: no fixation of a pre-login cookie."""
    secret = sessions.begin(user_id, address=request.remote_addr, **single_sign_on)
    session.clear()
    session[SESSION_KEY] = secret
    session.permanent = True


def end_session(reason: str = "logout") -> None:
    sessions.end(session.get(SESSION_KEY), reason)
    session.clear()


def current_actor() -> Actor | None:
    return g.get("actor")


def login_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_actor() is None:
            # Only the path goes along (ids at most, never case data); `next` is checked on use.
            return redirect(url_for("web.login", next=request.path))
        return view(*args, **kwargs)

    return wrapper


def safe_next(target: str | None) -> str:
    """Only a local path may be a redirect target after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web.inbox")
