"""Error pages for the web blueprint (the API keeps its problem+json)."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.services.errors import ServiceError

from .security import csrf
from .session import load_session_actor


def _page(status: int, message: str):
    return render_template("error.html", status=status, message=message), status


def install(app: Flask, bp: Blueprint) -> None:
    bp.before_request(load_session_actor)

    @bp.before_request
    def _check_csrf():
        # Every state-changing web request carries the session's CSRF token.
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()

    @bp.errorhandler(CSRFError)
    def _csrf(exc):
        return _page(
            400, gettext("This form has expired or did not come from this site. Reload and try again.")
        )

    @bp.errorhandler(ServiceError)
    def _service(exc: ServiceError):
        if exc.status == 404:
            return _page(404, gettext("This page does not exist, or you may not see it."))
        if exc.status == 403:
            return _page(403, gettext("Your role may not do this."))
        if exc.status == 409:
            return _page(
                409, gettext("Someone else changed this at the same time: %(detail)s", detail=exc.detail)
            )
        return _page(exc.status, exc.detail)

    @bp.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code == 404:
            return _page(404, gettext("This page does not exist, or you may not see it."))
        if exc.code == 429:
            return _page(429, gettext("Too many failed login attempts. Wait a minute and try again."))
        return _page(exc.code or 500, exc.name)
