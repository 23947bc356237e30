"""Deliver queued messages: to instances waiting for them, or by starting a process.

Messages are rows (an outbox written in the step's own transaction), so none is lost when a
process dies between steps. Delivery locks the message row (SKIP LOCKED on PostgreSQL), so two
workers never deliver one message twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.engine import EngineError, clock
from app.extensions import db
from app.models import Message, ProcessDefinition, ProcessInstance
from app.services.access.actors import SYSTEM
from app.services.errors import Conflict, ProcessFailure, ServiceError
from app.services.instances import incidents
from app.services.instances.creation import case_for_start, correlated_case, create_instance
from app.services.instances.runs import history, load_run, save_run
from app.services.unit_of_work import unit_of_work

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 20
RETRY_AFTER = timedelta(seconds=30)


def deliver_now(message_ids) -> None:
    """Deliver freshly queued messages right away; the worker retries whatever is left."""
    pending = list(message_ids)
    while pending:
        message_id = pending.pop(0)
        try:
            pending.extend(deliver(message_id))
        except ServiceError as exc:
            log.info("message %s left for the worker: %s", message_id, exc.detail)
            _postpone_after_failure(message_id, exc.detail)


def deliver_due(limit: int = 50, should_stop: Callable[[], bool] | None = None) -> int:
    """Worker entry: deliver queued messages whose next attempt is due (asks `should_stop`
    between messages, so a stopping worker finishes the delivery in hand and no other)."""
    count = 0
    for _ in range(limit):
        if should_stop is not None and should_stop():
            break
        with unit_of_work() as session:
            row = session.execute(
                select(Message.id)
                .where(Message.status == "queued", Message.next_attempt_at <= clock.now())
                .order_by(Message.next_attempt_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
        if row is None:
            break
        try:
            deliver_now([row.id])
        except Exception as exc:  # one poisoned message must not stop the worker
            log.exception("delivering message %s failed", row.id)
            _postpone_after_failure(row.id, f"delivery failed: {exc.__class__.__name__}")
        count += 1
    return count


class _StepFailed(Exception):
    """Carries a failed receiving step out of its transaction, which rolls back on the way."""

    def __init__(self, error: EngineError, instance_id=None, version=None, start=None):
        super().__init__(error.message)
        self.error, self.instance_id, self.version, self.start = error, instance_id, version, start


def deliver(message_id) -> list:
    """Deliver one message; returns ids of messages the receiving steps queued in turn.

    If the receiving step fails, it is rolled back and the target instance gets an incident;
    the message is held with it (status `incident`) and delivered again by the incident's retry.
    """
    try:
        return _deliver(message_id)
    except _StepFailed as failed:
        if failed.start is not None:
            incidents.record_start_incident(message_id, failed.start, failed.error)
        else:
            incidents.record_incident(
                failed.instance_id, failed.version, failed.error, during="message", message_id=message_id
            )
        return []


def _deliver(message_id) -> list:
    with unit_of_work() as session:
        message = session.execute(
            select(Message)
            .where(Message.id == message_id, Message.status == "queued")
            .with_for_update(skip_locked=True)
        ).scalar_one_or_none()
        if message is None:
            return []  # delivered already, or another worker holds it
        message.attempts += 1
        targets = _waiting_instances(session, message)
        outgoing = []
        if targets:
            instance, run = targets[0]
            version = instance.version
            try:
                run.deliver(message.name, message.payload)
                outgoing = save_run(session, instance, run, SYSTEM)
            except EngineError as exc:
                raise _StepFailed(exc, instance.id, version) from exc
            except SQLAlchemyError:
                raise
            except Exception as exc:  # a bug must not make this message poison every round
                log.exception("delivering message %s failed", message.id)
                raise _StepFailed(incidents.unexpected_error(exc), instance.id, version) from exc
            history(
                session,
                instance,
                "message_received",
                SYSTEM,
                element_name=message.name,
                data={"message": message.name, "messageId": str(message.id)},
            )
            message.target_instance_id = instance.id
        else:
            started = _start_by_message(session, message)
            if started is None:
                _postpone(message, "no process waits for this message yet")
                return []
            instance, outgoing = started
            message.target_instance_id = instance.id
        message.status = "delivered"
        message.delivered_at = clock.now()
        message.error = None
        ids = [m.id for m in outgoing]
    return ids


def _postpone_after_failure(message_id, reason: str) -> None:
    """Count a failed attempt in a fresh transaction (the failed one rolled back its count), so
    a message that keeps failing backs off and ends `unmatched` instead of looping every round."""
    try:
        with unit_of_work() as session:
            message = session.execute(
                select(Message)
                .where(Message.id == message_id, Message.status == "queued")
                .with_for_update(skip_locked=True)
            ).scalar_one_or_none()
            if message is not None:
                message.attempts += 1
                _postpone(message, reason)
    except Exception:  # the database itself may be what failed; the worker retries later
        log.exception("could not postpone message %s", message_id)


def _postpone(message: Message, reason: str) -> None:
    message.error = reason
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "unmatched"
        message.next_attempt_at = None
    else:
        message.next_attempt_at = clock.now() + RETRY_AFTER * message.attempts


def _candidate_instances(session, message: Message):
    query = select(ProcessInstance).where(ProcessInstance.status == "running")
    correlation = message.correlation
    if correlation.get("processInstanceId"):
        query = query.where(ProcessInstance.id == _as_uuid(correlation["processInstanceId"]))
    elif correlation.get("businessKey"):
        query = query.where(ProcessInstance.business_key == correlation["businessKey"])
    else:
        case = correlated_case(session, message)
        if case is None:
            return []
        query = query.where(ProcessInstance.case_id == case.id)
    return session.execute(query.order_by(ProcessInstance.started_at)).scalars().all()


def _as_uuid(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _waiting_instances(session, message: Message):
    found = []
    for instance in _candidate_instances(session, message):
        if message.name not in instance.definition.meta.get("messages_caught", []):
            continue
        run = load_run(instance)
        if message.name in run.waiting_messages():
            found.append((instance, run))
    return found


def _start_by_message(session, message: Message):
    latest = {}
    for definition in session.execute(
        select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version)
    ).scalars():
        latest[definition.key] = definition
    starters = [d for d in latest.values() if message.name in d.meta.get("message_starts", [])]
    if not starters:
        return None
    case = case_for_start(session, message)
    definition = starters[0]
    try:
        instance, outgoing = create_instance(session, definition, case, SYSTEM, None, {}, message=message)
    except ProcessFailure as exc:
        cause = exc.__cause__
        error = cause if isinstance(cause, EngineError) else EngineError(exc.detail)
        raise _StepFailed(error, start=definition) from exc
    except ServiceError as exc:
        raise Conflict(exc.detail) from exc
    return instance, outgoing


def send_message(name: str, correlation: dict, payload: dict, *, actor, idempotency_key=None):
    """Accept a message from outside (a GP system, the crisis service) and deliver it.

    Returns (message, created). A retried call with the same idempotency key returns the first
    message and delivers nothing; two calls racing with one key are settled by the unique index.
    """
    if idempotency_key:
        existing = _by_idempotency_key(idempotency_key)
        if existing is not None:
            return _same_message(existing, name), False
    try:
        with unit_of_work() as session:
            now = clock.now()
            message = Message(
                name=name,
                correlation=correlation or {},
                payload=payload or {},
                idempotency_key=idempotency_key,
                status="queued",
                sent_by=actor.username,
                created_at=now,
                next_attempt_at=now,
                attempts=0,
            )
            session.add(message)
            session.flush()
            message_id = message.id
    except IntegrityError:
        # Another request with the same key committed between our look-up and our insert.
        existing = _by_idempotency_key(idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return _same_message(existing, name), False
    deliver_now([message_id])
    return db.session.get(Message, message_id), True


def _by_idempotency_key(key: str) -> Message | None:
    return db.session.execute(select(Message).where(Message.idempotency_key == key)).scalar_one_or_none()


def _same_message(existing: Message, name: str) -> Message:
    if existing.name != name:
        raise Conflict("this idempotency key was used for another message", messageId=str(existing.id))
    return existing
