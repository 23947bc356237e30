"""The background worker: fires due timers and delivers queued messages, in a loop.

Several workers may run at once (on PostgreSQL): every unit of work locks its rows with
SKIP LOCKED, so they share the work and never do one piece twice.

Stopping (SIGTERM to `zorgpad worker`, a gunicorn worker exiting for the embedded thread) sets
an event that is checked between steps: the step in hand finishes and commits, no new one starts.
Each step is one transaction, so even a SIGKILL leaves nothing half-done: it rolls back.
"""

from __future__ import annotations

import atexit
import logging
import threading

from flask import Flask

from app.services.insight import rollup
from app.services.instances.deliveries import deliver_due
from app.services.instances.timers import fire_due_timers

log = logging.getLogger(__name__)
STOP_TIMEOUT = 25.0  # below gunicorn's graceful_timeout (30 s)


def run_once(app: Flask, stop: threading.Event | None = None) -> int:
    should_stop = stop.is_set if stop is not None else None
    with app.app_context():
        try:
            stepped = fire_due_timers(should_stop=should_stop)
            if should_stop is None or not should_stop():
                stepped += deliver_due(should_stop=should_stop)
            if should_stop is None or not should_stop():
                # The insight figures follow the history: one batch a round, so a backlog never
                # holds up timers and messages (a busy round is followed at once by the next).
                stepped += rollup.refresh(max_batches=1)
            return stepped
        finally:
            from app.extensions import db

            db.session.remove()


def run_forever(app: Flask, stop: threading.Event, interval: float | None = None) -> None:
    interval = interval if interval is not None else app.config["ZORGPAD_WORKER_INTERVAL"]
    log.info("worker started (interval %.1fs)", interval)
    while not stop.is_set():
        try:
            busy = run_once(app, stop)
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
    app.extensions["zorgpad_worker_thread"] = thread
    # Daemon threads die mid-statement at interpreter exit; stop it first (any server).
    atexit.register(stop_embedded_worker, app)
    return stop


def stop_embedded_worker(app: Flask, timeout: float = STOP_TIMEOUT) -> bool:
    """Ask the embedded worker to stop after its current step; True once it has stopped."""
    stop = app.extensions.get("zorgpad_worker_stop")
    thread = app.extensions.get("zorgpad_worker_thread")
    if stop is None or thread is None:
        return True
    stop.set()
    thread.join(timeout)
    if thread.is_alive():
        log.warning("embedded worker still busy after %.0fs; its step rolls back at exit", timeout)
        return False
    return True
