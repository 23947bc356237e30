"""Session cookies, CSRF, the login rate limiter and security headers for the web pages.

The Content-Security-Policy allows no inline script: all JavaScript is in static files.
`style-src` does allow 'unsafe-inline' because bpmn-js (diagram-js) writes `style` attributes
into the markup it builds for the canvas and overlays; blocking them leaves the diagram blank.
Inline styles cannot run code, so the script policy stays strict.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, request
from flask_wtf.csrf import CSRFProtect

from app.services.access.sessions import Timeouts
from app.services.access.throttle import throttle_for

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

csrf = CSRFProtect()


THROTTLE = "zorgpad.login_throttle"
TIMEOUTS = "zorgpad.session_timeouts"


def login_throttle():
    """The app's login rate limiter (services/access/throttle.py): the database or Redis."""
    return current_app.extensions[THROTTLE]


def session_timeouts() -> Timeouts:
    return current_app.extensions[TIMEOUTS]


def install(app: Flask) -> None:
    """Configure cookies, CSRF, the login rate limiter, the session time-outs and the headers."""
    secure = app.config.get("ZORGPAD_COOKIE_SECURE")
    if secure is None:
        secure = not (app.debug or app.testing)
    timeouts = Timeouts(
        idle=timedelta(minutes=app.config["ZORGPAD_SESSION_IDLE_MINUTES"]),
        absolute=timedelta(minutes=app.config["ZORGPAD_SESSION_MAX_MINUTES"]),
    )
    app.extensions[TIMEOUTS] = timeouts
    app.extensions[THROTTLE] = throttle_for(
        app.config["ZORGPAD_RATELIMIT_STORAGE"],
        app.config["ZORGPAD_LOGIN_RATE_LIMIT"],
        app.config["ZORGPAD_LOGIN_ADDRESS_RATE_LIMIT"],
        redis_prefix=app.config.get("ZORGPAD_RATELIMIT_PREFIX", "zorgpad:login:"),
    )
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_NAME="zorgpad_session",
        # The cookie lives no longer than the server-side session may (services/access/sessions.py).
        PERMANENT_SESSION_LIFETIME=timeouts.absolute,
        # The API uses bearer tokens, not cookies: only the web blueprint checks CSRF tokens.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )

    @app.before_request
    def _limit_form_posts():
        # Registered before CSRF, which reads the form: a web page's body is bounded before parsing.
        if not request.path.startswith("/api/"):
            request.max_content_length = min(
                app.config["ZORGPAD_MAX_FORM_SIZE"], app.config.get("MAX_CONTENT_LENGTH") or float("inf")
            )

    csrf.init_app(app)

    @app.after_request
    def _security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.path.startswith("/api/"):
            # The API documentation page brings its own policy; every web page gets ours.
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.endpoint and request.endpoint.startswith("web.") and request.endpoint != "web.static":
            # Pages show care data: never keep them in a shared or back/forward cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
