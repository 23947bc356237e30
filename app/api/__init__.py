"""The REST API (flask-smorest): thin handlers over `app.services`."""

from flask import Flask
from flask_smorest import Api

from . import health, incidents, instances, problems, tasks


def register_api(app: Flask, api: Api) -> None:
    problems.install(app)
    app.register_blueprint(health.blp)
    api.register_blueprint(instances.blp)
    api.register_blueprint(tasks.blp)
    api.register_blueprint(incidents.blp)
