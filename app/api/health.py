"""Liveness and readiness."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from ..extensions import db

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz():
    from app.models.schema import current_revision, head_revision

    try:
        db.session.execute(text("SELECT 1"))
        current = current_revision()
    except Exception as exc:  # any database failure means not ready
        return jsonify(status="unavailable", reason=exc.__class__.__name__), 503
    head = head_revision()
    if current != head:
        return jsonify(status="migrations pending", current=current, head=head), 503
    return jsonify(status="ready", revision=current)
