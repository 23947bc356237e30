"""Configuration read from the environment (twelve-factor); defaults suit local use."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'zorgpad.db'}"


def _flag(value: str | None) -> bool | None:
    return None if value in (None, "") else value.lower() in ("1", "true", "yes", "on")


def load_config(instance_path: Path) -> dict:
    """Build the Flask config mapping from ZORGPAD_* environment variables."""
    env = os.environ
    secret = env.get("ZORGPAD_SECRET_KEY")
    if not secret:
        # A per-process random key keeps sessions safe when none is configured; production sets one.
        secret = secrets.token_urlsafe(32)
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": env.get("ZORGPAD_DATABASE_URL", _default_database_url(instance_path)),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # A pooled connection idle this long is pinged before use (models/pool.py).
        "ZORGPAD_DB_PING_AFTER_IDLE": float(env.get("ZORGPAD_DB_PING_AFTER_IDLE", "1.0")),
        "ZORGPAD_PROCESSES_DIR": env.get("ZORGPAD_PROCESSES_DIR", str(PROJECT_ROOT / "processes")),
        "ZORGPAD_FORMS_DIR": env.get("ZORGPAD_FORMS_DIR", str(PROJECT_ROOT / "forms")),
        # Front-end libraries installed from the npm lock file (bpmn-js, Swagger UI).
        "ZORGPAD_NODE_MODULES": env.get("ZORGPAD_NODE_MODULES", str(PROJECT_ROOT / "node_modules")),
        "ZORGPAD_MIGRATIONS_DIR": env.get("ZORGPAD_MIGRATIONS_DIR", str(PROJECT_ROOT / "migrations")),
        # Start a timer/message worker thread inside the web process (embedded default only).
        "ZORGPAD_EMBEDDED_WORKER": env.get("ZORGPAD_EMBEDDED_WORKER", "0") == "1",
        "ZORGPAD_WORKER_INTERVAL": float(env.get("ZORGPAD_WORKER_INTERVAL", "1.0")),
        # Retention of closed cases' personal data (WGBO: medical records 20 years); never < P5Y.
        "ZORGPAD_RETENTION": env.get("ZORGPAD_RETENTION", "P20Y"),
        # Web login: failed attempts allowed per user name and per address ("N per [n] unit"),
        # counted where every node sees them: `database` (default) or a Redis URL.
        "ZORGPAD_LOGIN_RATE_LIMIT": env.get("ZORGPAD_LOGIN_RATE_LIMIT", "5 per minute"),
        "ZORGPAD_LOGIN_ADDRESS_RATE_LIMIT": env.get("ZORGPAD_LOGIN_ADDRESS_RATE_LIMIT", "20 per minute"),
        "ZORGPAD_RATELIMIT_STORAGE": env.get("ZORGPAD_RATELIMIT_STORAGE", "database"),
        # Web sessions (rows in the database): idle and absolute time-outs, in minutes.
        "ZORGPAD_SESSION_IDLE_MINUTES": float(env.get("ZORGPAD_SESSION_IDLE_MINUTES", "30")),
        "ZORGPAD_SESSION_MAX_MINUTES": float(env.get("ZORGPAD_SESSION_MAX_MINUTES", str(9 * 60))),
        # Reverse proxies in front of the service: a count of hops, or their addresses/networks
        # (comma-separated). Unset: X-Forwarded-* headers are ignored (app/proxies.py).
        "ZORGPAD_TRUSTED_PROXIES": env.get("ZORGPAD_TRUSTED_PROXIES", ""),
        # Single sign-on: the YAML file of OpenID Connect providers (services/access/providers.py),
        # and whether the local user name + password form stays on beside them.
        "ZORGPAD_OIDC_PROVIDERS": env.get("ZORGPAD_OIDC_PROVIDERS") or None,
        "ZORGPAD_LOCAL_LOGIN": _flag(env.get("ZORGPAD_LOCAL_LOGIN")) is not False,
        # `zorgpad db upgrade` connects with this URL (the tables' owner) when set; the service
        # itself uses ZORGPAD_DATABASE_URL (on PostgreSQL the runtime role, docs/operations.md).
        "ZORGPAD_MIGRATION_DATABASE_URL": env.get("ZORGPAD_MIGRATION_DATABASE_URL") or None,
        # Session cookie only over HTTPS; unset means on, except in debug and testing.
        "ZORGPAD_COOKIE_SECURE": _flag(env.get("ZORGPAD_COOKIE_SECURE")),
        # Insight figures for the insurer: counts under this many residents are shown as "< k".
        "ZORGPAD_INSIGHT_MIN_CELL": int(env.get("ZORGPAD_INSIGHT_MIN_CELL", "5")),
        "MAX_CONTENT_LENGTH": int(env.get("ZORGPAD_MAX_CONTENT_LENGTH", str(8 * 1024 * 1024))),
        # Web form posts (url-encoded or multipart): far more than any task form needs. Werkzeug's
        # MAX_FORM_MEMORY_SIZE only bounds multipart fields, not url-encoded bodies.
        "ZORGPAD_MAX_FORM_SIZE": int(env.get("ZORGPAD_MAX_FORM_SIZE", str(512 * 1024))),
        "API_TITLE": "Zorgpad",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_SORT_KEYS": False,
        # Interactive docs at /api/v1/docs: Swagger UI from npm (node_modules), no CDN.
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
        "ZORGPAD_SWAGGER_UI_DIR": env.get(
            "ZORGPAD_SWAGGER_UI_DIR", str(PROJECT_ROOT / "node_modules" / "swagger-ui-dist")
        ),
        "API_SPEC_OPTIONS": {
            "info": {
                "description": "Task inbox and care pathways. Errors are RFC 9457 problem+json; "
                "see docs/api.md for who sees what."
            },
        },
    }
