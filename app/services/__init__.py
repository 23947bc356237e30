"""Use cases: each function is one transaction with its permission checks.

Callers (API, web, CLI, worker) pass an `Actor`; services raise `ServiceError`s that the HTTP
layers turn into problem+json or readable messages.
"""
