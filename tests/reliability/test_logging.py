"""Structured logs: JSON lines with the request id, echoed to the caller."""

import json
import logging

from flask import Blueprint

from app.logging_setup import REQUEST_ID_HEADER, JsonFormatter, current_request_id


def test_request_id_is_honoured_generated_and_echoed(app):
    client = app.test_client()
    given = client.get("/healthz", headers={REQUEST_ID_HEADER: "abc-123"})
    assert given.headers[REQUEST_ID_HEADER] == "abc-123"
    made = client.get("/healthz").headers[REQUEST_ID_HEADER]
    assert len(made) == 32 and made != client.get("/healthz").headers[REQUEST_ID_HEADER]
    # A header that could split a log line or a header is replaced, not echoed.
    forged = client.get("/healthz", headers={REQUEST_ID_HEADER: 'x" "level": "ERROR'})
    assert forged.headers[REQUEST_ID_HEADER] != 'x" "level": "ERROR'
    assert current_request_id() is None  # nothing leaks out of a request


def test_every_log_line_of_a_request_carries_its_id(tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("ZORGPAD_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    flask_app = create_app({"TESTING": True})
    probe = Blueprint("probe", __name__)

    @probe.get("/probe")
    def _probe():
        logging.getLogger("app.probe").warning("looked at %s", "a case", extra={"caseId": "c-1"})
        return "ok"

    flask_app.register_blueprint(probe)
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(json.loads(JsonFormatter().format(record)))
    logging.getLogger("app.probe").addHandler(handler)
    try:
        flask_app.test_client().get("/probe", headers={REQUEST_ID_HEADER: "req-42"})
    finally:
        logging.getLogger("app.probe").removeHandler(handler)
    [line] = records
    assert line["requestId"] == "req-42"
    assert line["message"] == "looked at a case" and line["caseId"] == "c-1"
    assert line["level"] == "WARNING" and line["logger"] == "app.probe"


def test_formatter_reads_the_id_in_force(app):
    with app.test_request_context("/", headers={REQUEST_ID_HEADER: "r-7"}):
        app.preprocess_request()
        record = logging.makeLogRecord({"msg": "hello", "levelname": "INFO", "name": "x"})
        line = json.loads(JsonFormatter().format(record))
    assert line["requestId"] == "r-7" and line["message"] == "hello"
