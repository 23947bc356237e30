"""Who is logged in: the user id in the signed session cookie, re-read as an `Actor` each request."""

from __future__ import annotations

import functools

from flask import current_app, g, redirect, request, session, url_for

from app.services.access.actors import Actor
from app.services.access.identity import actor_for_session


def load_session_actor() -> None:
    """Run before every web request. Nothing is cached across requests: where one app context
    outlives several requests (the test client inside a test's app context), Flask-WTF's cached
    CSRF token and the previous actor in `g` would otherwise leak into the next request."""
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    user_id = session.get("user_id")
    actor = None
    if user_id:
        actor = actor_for_session(user_id, address=request.remote_addr, purpose="care")
        if actor is None:
            session.clear()  # the account was removed or deactivated
    g.actor = actor


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
