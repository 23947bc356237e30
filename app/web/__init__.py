"""The server-rendered inbox for professionals (Dutch first, English selectable).

`register_web(app)` attaches the blueprints, the locale, CSRF, the login rate limiter and the
security headers. The pages are thin: they call `app.services` and render templates.
"""

from __future__ import annotations

from flask import Flask, redirect, url_for

from . import (
    assets,
    audit,
    auth,
    cases,
    errors,
    i18n,
    inbox,
    incidents,
    insight,
    modeller,
    security,
    start,
    tasks,
    templating,
    users,
)
from .blueprint import make_blueprint


def register_web(app: Flask) -> None:
    bp = make_blueprint()
    i18n.install(app)
    security.install(app)
    errors.install(app, bp)
    templating.install(app)
    bp.add_url_rule("/", "home", lambda: redirect(url_for("web.inbox")))
    auth.routes(bp)
    for module in (assets, audit, cases, inbox, incidents, insight, modeller, start, tasks, users):
        module.routes(bp)
    app.register_blueprint(bp)
    app.register_blueprint(auth.backchannel_blueprint())
