"""Zorgpad: BPMN care-pathway engine service.

`create_app()` is the application factory (as in the Flask tutorial): configuration from the
environment, extensions bound, blueprints registered.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import extensions
from .config import load_config
from .logging_setup import configure_logging


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("ZORGPAD_INSTANCE_PATH"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(Path(app.instance_path)))
    if overrides:
        app.config.update(overrides)

    configure_logging(app)
    extensions.db.init_app(app)
    from app.models.pool import install_idle_ping
    from app.models.sqlite import install_sqlite_pragmas

    from . import models  # noqa: F401  (register tables on the metadata)

    with app.app_context():
        install_sqlite_pragmas(extensions.db.engine)
        install_idle_ping(extensions.db.engine, app.config["ZORGPAD_DB_PING_AFTER_IDLE"])

    from app.services.access import providers

    # The OpenID Connect providers, checked at start: a wrong file stops the service, not a login.
    app.extensions["zorgpad.federation"] = providers.load(app.config["ZORGPAD_OIDC_PROVIDERS"])

    # `app.api` is also the name of our REST subpackage, so go through `extensions` explicitly.
    extensions.api.init_app(app)
    from .api import register_api

    register_api(app, extensions.api)
    from .web import register_web

    register_web(app)

    from .proxies import TrustedProxies

    # The client's address for the audit trail: forwarded headers only from trusted proxies.
    app.wsgi_app = TrustedProxies(app.wsgi_app, app.config["ZORGPAD_TRUSTED_PROXIES"])

    if app.config["ZORGPAD_EMBEDDED_WORKER"]:
        from app.services.instances.worker import start_embedded_worker

        start_embedded_worker(app)
    return app
