"""Run the app under gunicorn from Python (`zorgpad serve`)."""

from __future__ import annotations

from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from .logging_setup import JsonFormatter


class JsonGunicornLogger(glogging.Logger):
    """gunicorn's own and access logs as JSON lines, the access line with the request id."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        self.access_log.info(
            "%s %s %s",
            atoms["m"],
            atoms["U"],
            atoms["s"],
            extra={
                "request_id": atoms.get("{x-request-id}o"),
                "http": {
                    "method": atoms["m"],
                    "path": atoms["U"],
                    "status": atoms["s"],
                    "bytes": atoms["B"],
                    "durationMs": round(request_time.total_seconds() * 1000, 1),
                    "remote": atoms["h"],
                    "userAgent": atoms["a"],
                },
            },
        )


def _worker_exit(server, worker) -> None:
    """A gunicorn worker leaving (SIGTERM, max requests, restart): let its embedded timer
    worker finish the step in hand instead of dying with the process."""
    from app.services.instances.worker import stop_embedded_worker

    app = getattr(worker, "wsgi", None)
    if app is not None and hasattr(app, "extensions"):
        stop_embedded_worker(app)


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        # Created in each worker after fork, so the embedded worker thread lives there.
        return create_app()


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        # A stopping worker finishes requests in flight for up to this long, then is killed.
        "graceful_timeout": 30,
        "accesslog": "-",
        "logger_class": JsonGunicornLogger,
        "worker_exit": _worker_exit,
        # Forwarded headers are the app's to judge (ZORGPAD_TRUSTED_PROXIES, app/proxies.py):
        # gunicorn must not turn X-Forwarded-Proto into the scheme on its own.
        "secure_scheme_headers": {},
        "forwarded_allow_ips": "127.0.0.1",
    }


def run_gunicorn(host: str, port: int, workers: int, threads: int) -> None:
    _Gunicorn(gunicorn_options(host, port, workers, threads)).run()
