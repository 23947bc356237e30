"""The web pages' blueprint; built per app (tests create several apps in one process)."""

from flask import Blueprint


def make_blueprint() -> Blueprint:
    return Blueprint(
        "web", __name__, template_folder="templates", static_folder="static", static_url_path="/static/web"
    )
