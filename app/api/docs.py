"""Swagger UI's static files, served from the npm package (no CDN, nothing committed)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory

blp = Blueprint("api-docs-assets", __name__)
ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"}


@blp.get("/api/v1/docs/assets/<name>")
def swagger_asset(name: str):
    if name not in ASSETS:
        abort(404)
    return send_from_directory(current_app.config["ZORGPAD_SWAGGER_UI_DIR"], name, max_age=3600)
