"""Log in and out with the user name and password (a session cookie, not an API token)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext

from app.services.access import identity

from .session import current_actor, safe_next


def _login_key() -> str:
    # Per address and user name: guessing one account is slowed without locking out an office
    # that shares one public address.
    return f"{request.remote_addr}|{(request.form.get('username') or '').strip().lower()}"


def _login_limit() -> str:
    return current_app.config["ZORGPAD_LOGIN_RATE_LIMIT"]


def routes(bp, limiter) -> None:
    @bp.route("/login", methods=["GET", "POST"])
    @limiter.limit(
        _login_limit,
        key_func=_login_key,
        methods=["POST"],
        # Only failed attempts count: a successful login redirects.
        deduct_when=lambda response: response.status_code != 302,
    )
    def login():
        if request.method == "GET" and current_actor() is not None:
            return redirect(url_for("web.inbox"))
        error = None
        username = ""
        if request.method == "POST":
            username = (request.form.get("username") or "").strip()
            found = identity.login(username, request.form.get("password") or "")
            if found is not None:
                session.clear()  # a fresh session: no fixation of a pre-login cookie
                session["user_id"] = found[0]
                session.permanent = True
                return redirect(safe_next(request.args.get("next")))
            error = gettext("Unknown user name or wrong password.")
        return render_template("login.html", error=error, username=username), (401 if error else 200)

    @bp.post("/logout")
    def logout():
        session.clear()
        flash(gettext("You are logged out."), "info")
        return redirect(url_for("web.login"))
