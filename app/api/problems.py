"""RFC 9457 problem+json for every API error, including the framework's own."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
)

from app.services.errors import InvalidInput, ServiceError

from ..extensions import db

log = logging.getLogger(__name__)
PROBLEM_TYPE_BASE = "https://zorgpad.example/problems/"


def problem(status: int, title: str, detail: str | None = None, **extra):
    body = {
        "type": PROBLEM_TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "instance": request.path,
    }
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested errors as {"subject/network": ["..."]}, like the form errors."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}/{key}" if prefix else str(key)
            for field, texts in flatten_errors(value, path).items():
                flat.setdefault(field, []).extend(texts)
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict | list | tuple):
                for field, texts in flatten_errors(item, prefix).items():
                    flat.setdefault(field, []).extend(texts)
            else:
                flat.setdefault(prefix or "(root)", []).append(str(item))
    else:
        flat.setdefault(prefix or "(root)", []).append(str(messages))
    return flat


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


# Endpoints that take file uploads (multipart/form-data) instead of JSON.
MULTIPART_PATHS = ("/api/v1/deployments",)


def _multipart_allowed() -> bool:
    return request.path in MULTIPART_PATHS and request.mimetype == "multipart/form-data"


def install(app: Flask) -> None:
    @app.before_request
    def _limit_bodies():
        """413 for bodies over MAX_CONTENT_LENGTH, 415 for non-JSON bodies sent to the JSON API."""
        if not _is_api() or request.method not in ("POST", "PUT", "PATCH"):
            return None
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit and request.content_length and request.content_length > limit:
            raise RequestEntityTooLarge(f"the body may be at most {limit} bytes")
        if _has_body() and not request.is_json and not _multipart_allowed():
            raise UnsupportedMediaType("send the body as application/json")
        return None

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        extra = dict(exc.extra)
        if isinstance(exc, InvalidInput):
            extra["errors"] = exc.errors
        if not _is_api():
            # The web layer renders its own messages; here only for non-API callers.
            return problem(exc.status, exc.title, exc.detail, **extra)
        return problem(exc.status, exc.title, exc.detail, **extra)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not _is_api():
            return exc
        errors = None
        data = getattr(exc, "data", None)
        if isinstance(data, dict) and "messages" in data:
            # webargs/marshmallow validation: {"json": {"field": ["msg"]}} -> {"field": ["msg"]}
            errors = {}
            for location_errors in data["messages"].values():
                if isinstance(location_errors, dict):
                    errors.update(flatten_errors(location_errors))
        response = problem(exc.code or 500, exc.name, exc.description, errors=errors)
        if exc.code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="zorgpad"'
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            # The server went away under a pooled connection (models/pool.py): nothing was
            # written, the pool reconnects, a retry succeeds.
            log.warning("database connection lost on %s %s: %s", request.method, request.path, exc.orig)
            db.session.rollback()  # the session may outlive the request (an app context of its own)
            if not _is_api():
                return ServiceUnavailable(retry_after=1)
            response = problem(503, "Service Unavailable", "the database connection was lost; try again")
            response.headers["Retry-After"] = "1"
            return response
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not _is_api():
            return InternalServerError()
        return problem(500, "Internal Server Error", "an unexpected error occurred; it has been logged")
