"""The REST API (flask-smorest): thin handlers over `app.services`."""

from flask import Flask
from flask_smorest import Api

from . import (
    audit,
    auth,
    deployments,
    docs,
    health,
    incidents,
    insight,
    instances,
    messages,
    problems,
    tasks,
    users,
)


def register_api(app: Flask, api: Api) -> None:
    auth.install(app)
    problems.install(app)
    app.register_blueprint(health.blp)
    app.register_blueprint(docs.blp)
    api.register_blueprint(instances.blp)
    api.register_blueprint(tasks.blp)
    api.register_blueprint(messages.blp)
    api.register_blueprint(deployments.blp)
    api.register_blueprint(audit.blp)
    api.register_blueprint(incidents.blp)
    api.register_blueprint(insight.blp)
    api.register_blueprint(users.blp)
