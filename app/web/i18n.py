"""Locale: Dutch unless the user picked English (`?lang=en`, remembered in a cookie)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, request
from flask_babel import Babel, format_datetime, format_timedelta, get_locale, get_timezone, gettext, refresh

from ..engine import clock

LOCALES = ("nl", "en")
DEFAULT_LOCALE = "nl"
COOKIE = "zorgpad_lang"
babel = Babel()


def select_locale() -> str:
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    return chosen if chosen in LOCALES else DEFAULT_LOCALE


def install(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Amsterdam")
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel caches the locale on the app context; choose afresh for every request.
    app.before_request(refresh)

    @app.after_request
    def _remember_locale(response):
        chosen = request.args.get("lang")
        if chosen in LOCALES and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(
                COOKIE,
                chosen,
                max_age=int(timedelta(days=365).total_seconds()),
                httponly=True,
                samesite="Lax",
                secure=app.config["SESSION_COOKIE_SECURE"],
            )
        return response

    app.jinja_env.globals.update(current_locale=lambda: str(get_locale()), LOCALES=LOCALES)
    app.jinja_env.filters["due"] = relative_due
    app.jinja_env.filters["when"] = exact_time
    app.jinja_env.filters["due_class"] = due_class


def exact_time(value: datetime | None) -> str:
    return format_datetime(value, "EEEE d MMMM y HH:mm") if value else ""


def relative_due(value: datetime | None) -> str:
    """'over 3 uur', '2 dagen te laat': how far away a due date is, in words."""
    if value is None:
        return gettext("no due date")
    delta = value - clock.now()
    words = format_timedelta(abs(delta), threshold=1.0)
    if delta.total_seconds() < 0:
        return gettext("%(time)s overdue", time=words)
    return gettext("in %(time)s", time=words)


def due_class(value: datetime | None) -> str:
    """CSS class that makes overdue and due-today tasks stand out."""
    if value is None:
        return ""
    now = clock.now()
    if value < now:
        return "due-overdue"
    zone = get_timezone()
    if value.astimezone(zone).date() == now.astimezone(zone).date():
        return "due-today"
    return ""
