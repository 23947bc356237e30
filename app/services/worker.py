"""The background worker: fires due timers and delivers queued messages, in a loop.

Several workers may run at once (on PostgreSQL): every unit of work locks its rows with
SKIP LOCKED, so they share the work and never do one piece twice.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from .deliveries import deliver_due
from .timers import fire_due_timers

log = logging.getLogger(__name__)


def run_once(app: Flask) -> int:
    with app.app_context():
        try:
            return fire_due_timers() + deliver_due()
        finally:
            from ..extensions import db

            db.session.remove()


def run_forever(app: Flask, stop: threading.Event, interval: float | None = None) -> None:
    interval = interval if interval is not None else app.config["ZORGPAD_WORKER_INTERVAL"]
    log.info("worker started (interval %.1fs)", interval)
    while not stop.is_set():
        try:
            busy = run_once(app)
        except Exception:  # keep the worker alive; the failing row stays for a later round
            log.exception("worker round failed")
            busy = 0
        if not busy:
            stop.wait(interval)
    log.info("worker stopped")


def start_embedded_worker(app: Flask) -> threading.Event:
    """One worker thread inside the web process: the embedded (SQLite) default."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(app, stop), name="zorgpad-worker", daemon=True)
    thread.start()
    app.extensions["zorgpad_worker_stop"] = stop
    return stop
