"""Session cookies, CSRF, login rate limiting and security headers for the web pages.

The Content-Security-Policy allows no inline script: all JavaScript is in static files.
`style-src` does allow 'unsafe-inline' because bpmn-js (diagram-js) writes `style` attributes
into the markup it builds for the canvas and overlays; blocking them leaves the diagram blank.
Inline styles cannot run code, so the script policy stays strict.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

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


def install(app: Flask) -> Limiter:
    """Configure the app; returns its login rate limiter (one per app, so counters never mix)."""
    secure = app.config.get("ZORGPAD_COOKIE_SECURE")
    if secure is None:
        secure = not (app.debug or app.testing)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_NAME="zorgpad_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=9),  # one working day
        # The API uses bearer tokens, not cookies: only the web blueprint checks CSRF tokens.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("ZORGPAD_RATELIMIT_STORAGE", "memory://"))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)

    @app.before_request
    def _limit_form_posts():
        # Registered before CSRF, which reads the form: a web page's body is bounded before parsing.
        if not request.path.startswith("/api/"):
            request.max_content_length = min(
                app.config["ZORGPAD_MAX_FORM_SIZE"], app.config.get("MAX_CONTENT_LENGTH") or float("inf")
            )

    csrf.init_app(app)
    # In-memory counters: right for one node. Behind several gunicorn nodes set
    # ZORGPAD_RATELIMIT_STORAGE to a shared store (e.g. redis://…) so the limit holds across them.
    limiter = Limiter(key_func=get_remote_address, default_limits=[], app=app)

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

    return limiter
