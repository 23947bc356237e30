"""Domain errors with the HTTP status they map to (RFC 9457 problem types)."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(ServiceError):
    status = 404
    title = "Not found"


class Forbidden(ServiceError):
    status = 403
    title = "Forbidden"


class Conflict(ServiceError):
    status = 409
    title = "Conflict"


class InvalidInput(ServiceError):
    """Input that is well-formed but wrong; `errors` maps a field path to its messages."""

    status = 422
    title = "Invalid input"

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None, **extra):
        super().__init__(detail, **extra)
        self.errors = errors or {}


class DeploymentRejected(ServiceError):
    status = 422
    title = "Deployment rejected"

    def __init__(self, detail: str, findings: list[dict]):
        super().__init__(detail, findings=findings)
        self.findings = findings


class ProcessFailure(ServiceError):
    """The engine could not take the step (a script, condition or decision failed)."""

    status = 422
    title = "Process step failed"
