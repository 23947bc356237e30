"""Log in and out, change the password (a server-side session, not an API token)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.services.access import accounts, identity
from app.services.access.throttle import keys_for
from app.services.errors import InvalidInput

from .security import login_throttle
from .session import current_actor, end_session, login_required, safe_next, start_session


def _too_many(retry_after: int):
    message = gettext("Too many failed login attempts. Wait a minute and try again.")
    page = render_template("error.html", status=429, message=message)
    return page, 429, {"Retry-After": str(max(1, retry_after))}


def routes(bp) -> None:
    @bp.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "GET" and current_actor() is not None:
            return redirect(url_for("web.inbox"))
        error = None
        username = ""
        if request.method == "POST":
            username = (request.form.get("username") or "").strip()
            throttle = login_throttle()
            # Counted per user name and per address on every node, before the password is checked.
            attempt = throttle.reserve(keys_for(username, request.remote_addr))
            if not attempt.allowed:
                throttle.release(attempt)  # refused attempts do not lengthen the wait
                return _too_many(attempt.retry_after)
            found = identity.login(username, request.form.get("password") or "")
            if found is not None:
                throttle.release(attempt)  # only failures count
                start_session(found[0])
                return redirect(safe_next(request.args.get("next")))
            error = gettext("Unknown user name or wrong password.")
        return render_template("login.html", error=error, username=username), (401 if error else 200)

    @bp.post("/logout")
    def logout():
        end_session("logout")
        flash(gettext("You are logged out."), "info")
        return redirect(url_for("web.login"))

    @bp.route("/password", methods=["GET", "POST"])
    @login_required
    def password():
        actor = current_actor()
        errors = {}
        if request.method == "POST":
            new = request.form.get("new") or ""
            if new != (request.form.get("repeat") or ""):
                errors["repeat"] = gettext("The two new passwords differ.")
            else:
                try:
                    user_id = accounts.change_own_password(actor, request.form.get("current") or "", new)
                except InvalidInput as exc:
                    if "current" in exc.errors:
                        errors["current"] = gettext("The current password is wrong.")
                    else:
                        errors["new"] = gettext(
                            "A password has at least %(n)d characters.", n=accounts.MIN_PASSWORD_LENGTH
                        )
                else:
                    # Every session of this user ended, this browser's too: it gets a new one.
                    start_session(user_id)
                    flash(gettext("Your password is changed; you are logged out everywhere else."), "info")
                    return redirect(url_for("web.inbox"))
        status = 422 if errors else 200
        return render_template(
            "password.html", errors=errors, min_length=accounts.MIN_PASSWORD_LENGTH
        ), status
