"""Cases: one resident's journey; pathway instances and their messages correlate on it."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import select

from app.engine import clock
from app.models import Case
from app.services.errors import InvalidInput, NotFound


def new_pseudonym() -> str:
    # Random, not derived from the resident's identity: it reveals nothing by itself.
    return "Z-" + secrets.token_hex(6).upper()


def resolve_case(session, subject: dict | None, case_id: str | uuid.UUID | None) -> Case:
    """The case named by id or pseudonym, or a new one for a new resident."""
    if case_id:
        case = session.get(Case, _uuid(case_id, "caseId"))
        if case is None:
            raise NotFound(f"case {case_id} does not exist")
        return case
    subject = subject or {}
    pseudonym = subject.get("pseudonym")
    if pseudonym:
        case = session.execute(select(Case).where(Case.pseudonym == pseudonym)).scalar_one_or_none()
        if case is not None:
            return case
    case = Case(
        id=uuid.uuid4(),  # known now: the case is inserted with the rest at commit
        pseudonym=pseudonym or new_pseudonym(),
        display_name=subject.get("displayName") or subject.get("display_name") or "(onbekend)",
        network=subject.get("network"),
        municipality=_place(subject.get("municipality")),
        wijk=_place(subject.get("wijk")),
        created_at=clock.now(),
    )
    session.add(case)
    return case


def find_case(session, key: str) -> Case | None:
    """A case by id or by pseudonym (external systems know the pseudonym)."""
    try:
        case = session.get(Case, uuid.UUID(str(key)))
        if case is not None:
            return case
    except ValueError:
        pass
    return session.execute(select(Case).where(Case.pseudonym == str(key))).scalar_one_or_none()


def _uuid(value, field: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput(f"{field} is not a valid id", errors={field: ["not a valid id"]}) from None


# Case columns a form field may fill: the field's schema says `"x-case": "<column>"`.
CASE_FIELDS = ("municipality", "wijk")


def _place(value) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    return text[:100] or None


def case_fields(schema: dict | None, data) -> dict[str, str]:
    """The case columns a completed form fills, from its fields marked `x-case` (nested too)."""
    found: dict[str, str] = {}
    properties = (schema or {}).get("properties") or {}
    if not isinstance(data, dict) or not isinstance(properties, dict):
        return found
    for key, field in properties.items():
        if not isinstance(field, dict) or key not in data:
            continue
        column = field.get("x-case")
        if column in CASE_FIELDS and (value := _place(data[key])):
            found[column] = value
        elif field.get("type") == "object":
            found.update(case_fields(field, data[key]))
    return found


def apply_case_fields(case: Case | None, schema: dict | None, data) -> None:
    """Where the resident lives, as a form (the triage report) records it: kept on the case."""
    if case is None:
        return
    for column, value in case_fields(schema, data).items():
        if getattr(case, column) != value:
            setattr(case, column, value)
