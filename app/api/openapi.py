"""OpenAPI details: problem+json error responses, the bearer scheme, and per-operation errors."""

from __future__ import annotations

import http

from flask_smorest import Blueprint
from flask_smorest.utils import prepare_response

PROBLEM_CONTENT_TYPE = "application/problem+json"
BEARER = [{"bearerAuth": []}]


def register_problem_responses(api) -> None:
    """Every status's component response is RFC 9457 problem+json (flask-smorest's default is JSON)."""
    from .schemas import ProblemSchema

    for status in http.HTTPStatus:
        response = {"description": status.phrase}
        if status >= 400:
            response["schema"] = ProblemSchema
        prepare_response(response, api.spec, PROBLEM_CONTENT_TYPE)
        api.spec.components.response(status.name, response, lazy=True)
    default = {"description": "Unexpected error", "schema": ProblemSchema}
    prepare_response(default, api.spec, PROBLEM_CONTENT_TYPE)
    api.spec.components.response("DEFAULT_ERROR", default, lazy=True)
    api.spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `zorgpad users token NAME` (or your OpenID Connect provider).",
        },
    )


# Errors every authenticated JSON operation can answer with.
COMMON = (400, 401, 413, 415, 500)


def problems(blp: Blueprint, *statuses: int, body: bool = False):
    """Document an operation's problem responses (and that it needs a bearer token)."""
    codes = sorted({*COMMON, *statuses} - (set() if body else {413, 415}))

    def decorate(func):
        for code in codes:
            func = blp.alt_response(code, response=http.HTTPStatus(code).name)(func)
        return blp.doc(security=BEARER)(func)

    return decorate
