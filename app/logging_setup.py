"""Structured logs: one JSON object per line, every line of a request carrying its request id.

The request id comes from the caller's `X-Request-ID` header (a proxy or another service) when it
is a sane token, else a new one; it is echoed in the response so a user's report, the access log
and the application log meet on one id.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, g, request

REQUEST_ID_HEADER = "X-Request-ID"
# Echoed into headers and logs: refuse anything that could split a header or forge a log field.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
_request_id: ContextVar[str | None] = ContextVar("zorgpad_request_id", default=None)
_STANDARD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id", "taskName"}


def current_request_id() -> str | None:
    return _request_id.get()


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, requestId, any `extra=` fields, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "requestId": getattr(record, "request_id", None) or _request_id.get(),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_FIELDS and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str, ensure_ascii=False)


def _handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("ZORGPAD_LOG_FORMAT", "json") == "text":
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    handler._zorgpad = True  # type: ignore[attr-defined]  # marks ours, so we add it once
    return handler


def configure_logging(app: Flask) -> None:
    """Root logging (once per process) and the request-id hooks (per app)."""
    root = logging.getLogger()
    # Tests keep pytest's own log capture; a process serving or working logs JSON to stderr.
    if not app.config.get("TESTING") and not any(getattr(h, "_zorgpad", False) for h in root.handlers):
        root.addHandler(_handler())
        root.setLevel(os.environ.get("ZORGPAD_LOG_LEVEL", "INFO").upper())

    @app.before_request
    def _bind_request_id():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _SAFE_REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_id = request_id
        g.request_id_token = _request_id.set(request_id)

    @app.after_request
    def _echo_request_id(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response

    @app.teardown_request
    def _unbind_request_id(_exc):
        token = g.pop("request_id_token", None)
        if token is not None:
            try:
                _request_id.reset(token)
            except ValueError:  # torn down in another context (e.g. a streamed response)
                _request_id.set(None)
