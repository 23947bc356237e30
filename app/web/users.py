"""Users for administrators: deactivate, reactivate, take a group away (each audited).

Thin over `app.services.access.accounts`, which checks the role; other roles get the 403 page.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.services.access import accounts

from .session import current_actor, login_required


def routes(bp) -> None:
    @bp.get("/admin/users")
    @login_required
    def users():
        if not accounts.may_manage_users(current_actor()):
            abort(403)
        return render_template("users.html", users=accounts.user_overview())

    @bp.post("/admin/users/<username>/deactivate")
    @login_required
    def deactivate_user(username):
        done = accounts.deactivate(username, actor=current_actor())
        flash(
            gettext(
                "%(user)s is deactivated: %(sessions)d session(s) ended, %(tokens)d token(s) revoked.",
                user=username,
                sessions=done["sessionsEnded"],
                tokens=done["tokensRevoked"],
            ),
            "info",
        )
        return redirect(url_for("web.users"))

    @bp.post("/admin/users/<username>/activate")
    @login_required
    def activate_user(username):
        accounts.activate(username, actor=current_actor())
        flash(gettext("%(user)s may log in again.", user=username), "info")
        return redirect(url_for("web.users"))

    @bp.post("/admin/users/<username>/revoke-group")
    @login_required
    def revoke_group(username):
        group = (request.form.get("group") or "").strip()
        accounts.revoke_group(username, group, actor=current_actor())
        flash(gettext("%(user)s is no longer in %(group)s.", user=username, group=group), "info")
        return redirect(url_for("web.users"))
