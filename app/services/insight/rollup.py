"""The worker's incremental rollup: history rows past the watermark become insight facts.

`refresh()` reads `history_events` in id order from the watermark on, a batch per transaction,
and upserts the facts those rows change (`app/models/insight.py`): instances (version, period,
variant, FACT-board stint, handover), human tasks (created, first claimed, completed, team),
norm measurements (`norms.NORMS`) and gateway/decision passages. No request ever scans the
history: the pages read the facts.

Exactly-once without a global order of commits: ids are taken at INSERT, so a transaction that
took a lower id may commit after a higher one is visible. The watermark only moves over ids it
has seen without a gap; rows past a gap are applied anyway and read again next round, so every
update is idempotent (upserts keyed by task, measurement or passage; "first claim" is a
minimum; a variant grows only by rows past the instance's own last applied id — an instance's
state changes are serialised by its version check). A gap older than the grace period is a
rolled-back insert and is passed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.models import (
    Case,
    Group,
    HistoryEvent,
    HumanTask,
    InsightInstance,
    InsightNormCase,
    InsightPassage,
    InsightTask,
    InsightWatermark,
    Organisation,
    ProcessDefinition,
    ProcessInstance,
)
from app.services.audit import activities
from app.services.insight import landmarks, norms
from app.services.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

WATERMARK = "history"
BATCH = 5000
GRACE = timedelta(seconds=60)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
INSTANCE_END = {"instance_completed": "completed", "instance_cancelled": "cancelled"}


def week_of(moment: datetime) -> date:
    """The Monday of the week (Amsterdam time) a moment falls in."""
    day = moment.astimezone(AMSTERDAM).date()
    return day - timedelta(days=day.weekday())


def month_of(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date().replace(day=1)


def variant_hash(variant: str) -> str:
    return hashlib.sha1(variant.encode(), usedforsecurity=False).hexdigest()


def refresh(*, batch: int = BATCH, grace: timedelta = GRACE, max_batches: int | None = None) -> int:
    """Apply every history row past the watermark (a transaction per batch); returns how many."""
    applied = 0
    done = 0
    while max_batches is None or done < max_batches:
        with unit_of_work() as session:
            count, more = _one_batch(session, batch, grace)
        applied += count
        done += 1
        if not more:
            break
    return applied


# -- one batch --------------------------------------------------------------------------------------
def _lock_watermark(session) -> InsightWatermark | None:
    """The watermark row, locked for this transaction; None while another worker holds it."""
    query = select(InsightWatermark).where(InsightWatermark.name == WATERMARK)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    mark = session.execute(query).scalar_one_or_none()
    if mark is None:
        held = session.execute(
            select(InsightWatermark.name).where(InsightWatermark.name == WATERMARK)
        ).first()
        if held is not None:
            return None  # another worker is rolling up right now
        _insert_new(session, InsightWatermark.__table__, [{"name": WATERMARK, "last_id": 0}], ["name"])
        mark = session.execute(query).scalar_one_or_none()
    return mark


def _one_batch(session, batch: int, grace: timedelta) -> tuple[int, bool]:
    mark = _lock_watermark(session)
    if mark is None:
        return 0, False
    rows = session.execute(
        select(HistoryEvent.__table__)
        .where(HistoryEvent.id > mark.last_id)
        .order_by(HistoryEvent.id)
        .limit(batch)
    ).all()
    if not rows:
        return 0, False
    wall = datetime.now(UTC)  # real time: the grace is about commits in flight, not the engine's clock
    mark.refreshed_at = wall
    _Batch(session, rows).apply()
    before = mark.last_id
    _advance(mark, [row.id for row in rows], grace, wall)
    return len(rows), len(rows) == batch and mark.last_id > before


def _advance(mark: InsightWatermark, ids: list[int], grace: timedelta, wall: datetime) -> None:
    """Move the watermark over the ids seen without a gap (or past a gap older than `grace`)."""
    expected = mark.last_id + 1
    for found in ids:
        if found != expected:
            seen = mark.gap_seen_at if mark.gap_id == expected else None
            waited = seen is not None and wall - seen >= grace
            if not (waited or grace <= timedelta(0)):
                if mark.gap_id != expected:
                    mark.gap_id, mark.gap_seen_at = expected, wall
                break
            log.info("insight rollup passes missing history ids %s..%s", expected, found - 1)
        mark.last_id = found
        expected = found + 1
    if mark.gap_id is not None and mark.gap_id <= mark.last_id:
        mark.gap_id = mark.gap_seen_at = None


# -- the facts a batch changes --------------------------------------------------------------------
_DEFINITIONS: dict[uuid.UUID, _Definition] = {}


@dataclass(frozen=True)
class _Definition:
    version: int
    lanes: dict[str, str]  # user task element id -> lane (group key)


def _definition(session, definition_id) -> _Definition:
    found = _DEFINITIONS.get(definition_id)
    if found is None:
        version, meta = session.execute(
            select(ProcessDefinition.version, ProcessDefinition.meta).where(
                ProcessDefinition.id == definition_id
            )
        ).one()
        lanes = {}
        for tasks in (meta.get("user_tasks") or {}).values():
            for element, task in tasks.items():
                lane = task.get("lane") or next(iter(task.get("candidate_groups") or []), None)
                if lane:
                    lanes[element] = lane
        if len(_DEFINITIONS) > 512:
            _DEFINITIONS.clear()
        found = _DEFINITIONS[definition_id] = _Definition(version, lanes)  # versions never change
    return found


class _Batch:
    def __init__(self, session, rows):
        self.session = session
        self.rows = rows
        instance_ids = {row.instance_id for row in rows}
        self.instances = {
            row.id: row
            for row in session.execute(
                select(
                    ProcessInstance.id,
                    ProcessInstance.process_key,
                    ProcessInstance.definition_id,
                    ProcessInstance.case_id,
                    ProcessInstance.started_at,
                    ProcessInstance.status,
                ).where(ProcessInstance.id.in_(instance_ids))
            )
        }
        self.places = {
            row.id: (row.municipality, row.wijk)
            for row in session.execute(
                select(Case.id, Case.municipality, Case.wijk).where(
                    Case.id.in_({r.case_id for r in self.instances.values() if r.case_id})
                )
            )
        }
        self.organisations = dict(
            session.execute(
                select(Group.key, Organisation.key).join(
                    Organisation, Group.organisation_id == Organisation.id
                )
            ).all()
        )
        self.facts = {
            row.instance_id: _as_dict(row)
            for row in session.execute(
                select(InsightInstance.__table__).where(InsightInstance.instance_id.in_(instance_ids))
            )
        }
        task_ids = {row.task_id for row in rows if row.task_id is not None and row.kind.startswith("task_")}
        self.tasks = {
            row.task_id: _as_dict(row)
            for row in session.execute(select(InsightTask.__table__).where(InsightTask.task_id.in_(task_ids)))
        }
        created = {row.task_id for row in rows if row.kind == "task_created"} - set(self.tasks)
        self.task_rows = {
            row.id: row
            for row in session.execute(
                select(HumanTask.id, HumanTask.lane, HumanTask.priority, HumanTask.candidate_groups).where(
                    HumanTask.id.in_(created)
                )
            )
        }
        self.measurements = {
            (row.norm, row.start_ref): _as_dict(row)
            for row in session.execute(
                select(InsightNormCase.__table__).where(InsightNormCase.instance_id.in_(instance_ids))
            )
        }
        self.passages: list[dict] = []
        self.changed_facts: set = set()
        self.changed_tasks: set = set()
        self.changed_measurements: set = set()

    # -- applying rows ------------------------------------------------------------------------------
    def apply(self) -> None:
        for row in self.rows:
            context = self.instances.get(row.instance_id)
            if context is None:
                continue  # an instance deleted since (only tests do that)
            fact = self._instance_fact(row, context)
            handler = getattr(self, "_on_" + row.kind, None)
            if handler is not None:
                handler(row, context, fact)
        self._write()

    def _instance_fact(self, row, context) -> dict:
        fact = self.facts.get(row.instance_id)
        if fact is None:
            started = context.started_at
            municipality, wijk = self.places.get(context.case_id, (None, None))
            fact = self.facts[row.instance_id] = {
                "instance_id": row.instance_id,
                "case_id": context.case_id,
                "process_key": context.process_key,
                "definition_id": context.definition_id,
                "version": _definition(self.session, context.definition_id).version,
                "status": "running",
                "started_at": started,
                "ended_at": None,
                "week": week_of(started),
                "month": month_of(started),
                "start_message": None,
                "municipality": municipality,
                "wijk": wijk,
                "variant": "",
                "variant_hash": variant_hash(""),
                "last_history_id": 0,
                "board_entered_at": None,
                "board_left_at": None,
                "handed_over_at": None,
            }
            self.changed_facts.add(row.instance_id)
        return fact

    def _changed(self, fact: dict) -> None:
        self.changed_facts.add(fact["instance_id"])

    def _on_instance_started(self, row, context, fact) -> None:
        message = (row.data or {}).get("message")
        if fact["start_message"] != message:
            fact["start_message"] = message
            self._changed(fact)

    def _on_instance_completed(self, row, context, fact) -> None:
        self._end_instance(row, fact, "completed")

    def _on_instance_cancelled(self, row, context, fact) -> None:
        self._end_instance(row, fact, "cancelled")

    def _end_instance(self, row, fact, status: str) -> None:
        fact["status"], fact["ended_at"] = status, row.at
        self._changed(fact)
        # A clock still running when its pathway ends never stops: that measurement does not apply.
        for key, measurement in self.measurements.items():
            if (
                measurement["instance_id"] == row.instance_id
                and measurement["ended_at"] is None
                and measurement["cancelled_at"] is None
            ):
                measurement["cancelled_at"] = row.at
                self.changed_measurements.add(key)

    def _on_task_created(self, row, context, fact) -> None:
        task = self.tasks.get(row.task_id)
        if task is None:
            source = self.task_rows.get(row.task_id)
            definition = _definition(self.session, context.definition_id)
            team = (source.lane if source else None) or definition.lanes.get(row.element_id)
            task = self.tasks[row.task_id] = {
                "task_id": row.task_id,
                "instance_id": row.instance_id,
                "case_id": context.case_id,
                "process_key": context.process_key,
                "definition_id": context.definition_id,
                "version": fact["version"],
                "element_id": row.element_id,
                "team": team,
                "organisation": self.organisations.get(team),
                "municipality": fact["municipality"],
                "wijk": fact["wijk"],
                "status": "open",
                "created_at": row.at,
                "claimed_at": None,
                "completed_at": None,
                "wait_seconds": None,
                "work_seconds": None,
                "priority": source.priority if source else None,
            }
        task["created_at"] = row.at
        self.changed_tasks.add(row.task_id)
        self._start_norms(row, context, fact, task)

    def _on_task_claimed(self, row, context, fact) -> None:
        task = self.tasks.get(row.task_id)
        if task is not None and (task["claimed_at"] is None or row.at < task["claimed_at"]):
            task["claimed_at"] = row.at  # the first claim: waiting ends there
            _durations(task)
            self.changed_tasks.add(row.task_id)

    _on_task_assigned = _on_task_claimed

    def _on_task_completed(self, row, context, fact) -> None:
        task = self.tasks.get(row.task_id)
        if task is not None:
            task["status"], task["completed_at"] = "completed", row.at
            _durations(task)
            self.changed_tasks.add(row.task_id)
        self._start_norms(row, context, fact, task)
        self._stop_norms(row, context, fact)
        self._extend_variant(row, fact)
        handover = (landmarks.HANDOVER_PROCESS, landmarks.HANDOVER.element)
        if (context.process_key, row.element_id) == handover and fact["handed_over_at"] is None:
            fact["handed_over_at"] = row.at
            self._changed(fact)

    def _on_task_cancelled(self, row, context, fact) -> None:
        task = self.tasks.get(row.task_id)
        if task is not None and task["status"] != "completed":
            task["status"], task["completed_at"] = "cancelled", row.at
            self.changed_tasks.add(row.task_id)
        for norm in norms.STARTS.get(("task_created", row.element_id), ()):
            key = (norm.key, str(row.task_id))
            measurement = self.measurements.get(key)
            if measurement is not None and measurement["ended_at"] is None and norm.single_task:
                measurement["cancelled_at"] = row.at
                self.changed_measurements.add(key)

    def _on_step_completed(self, row, context, fact) -> None:
        data = row.data or {}
        taken = data.get("taken")
        if taken:
            for target in taken:
                self._passage(row, context, "gateway", target, None)
            if context.process_key == landmarks.BOARD_PROCESS and row.element_id == landmarks.BOARD_GATEWAY:
                self._board(row, fact, taken)
        decision = data.get("decision")
        if decision and isinstance(decision.get("outputs"), dict):
            outputs = decision["outputs"]
            self._passage(row, context, "decision", json.dumps(outputs, sort_keys=True)[:500], outputs)
        if row.element_type in landmarks.VARIANT_STEP_TYPES and not activities.is_engine_internal(
            row.element_id, row.element_type
        ):
            self._extend_variant(row, fact)

    # -- the pieces ---------------------------------------------------------------------------------
    def _passage(self, row, context, kind: str, outcome: str, outputs) -> None:
        self.passages.append(
            {
                "history_id": row.id,
                "outcome": outcome,
                "kind": kind,
                "instance_id": row.instance_id,
                "case_id": context.case_id,
                "process_key": context.process_key,
                "definition_id": context.definition_id,
                "element_id": row.element_id,
                "at": row.at,
                "outputs": outputs,
            }
        )

    def _board(self, row, fact, taken) -> None:
        if landmarks.BOARD_STAY in taken and fact["board_entered_at"] is None:
            fact["board_entered_at"] = row.at
            self._changed(fact)
        elif (
            landmarks.BOARD_LEAVE in taken
            and fact["board_entered_at"] is not None
            and fact["board_left_at"] is None
        ):
            fact["board_left_at"] = row.at
            self._changed(fact)

    def _extend_variant(self, row, fact) -> None:
        if row.id <= fact["last_history_id"]:
            return  # applied in an earlier round (a batch read again after a gap)
        steps = fact["variant"].split(">") if fact["variant"] else []
        last = steps[-1].rstrip("*") if steps else None
        if last == row.element_id:
            steps[-1] = last + "*"  # a step that repeats (the FACT board's daily review)
        else:
            steps.append(row.element_id)
        fact["variant"] = ">".join(steps)
        fact["variant_hash"] = variant_hash(fact["variant"])
        fact["last_history_id"] = row.id
        self._changed(fact)

    def _start_norms(self, row, context, fact, task) -> None:
        for norm in norms.STARTS.get((row.kind, row.element_id), ()):
            if context.process_key not in norm.processes:
                continue
            if norm.priority is not None and (task is None or task.get("priority") != norm.priority):
                continue
            ref = str(row.task_id) if row.task_id is not None else str(row.id)
            key = (norm.key, ref)
            measurement = self.measurements.get(key)
            if measurement is None:
                team = _definition(self.session, context.definition_id).lanes.get(norm.responsible)
                measurement = self.measurements[key] = {
                    "norm": norm.key,
                    "start_ref": ref,
                    "instance_id": row.instance_id,
                    "case_id": context.case_id,
                    "process_key": context.process_key,
                    "version": fact["version"],
                    "team": team,
                    "organisation": self.organisations.get(team),
                    "municipality": fact["municipality"],
                    "wijk": fact["wijk"],
                    "ended_at": None,
                    "cancelled_at": None,
                    "end_ref": None,
                    "seconds": None,
                    "met": None,
                }
            measurement.update(
                started_at=row.at,
                deadline_at=norm.deadline(row.at),
                risk_at=norm.risk_moment(row.at),
                week=week_of(row.at),
                month=month_of(row.at),
            )
            self.changed_measurements.add(key)

    def _stop_norms(self, row, context, fact) -> None:
        for norm in norms.ENDS.get((row.kind, row.element_id), ()):
            if context.process_key not in norm.processes:
                continue
            if norm.single_task:
                key = (norm.key, str(row.task_id))
                measurement = self.measurements.get(key)
            else:
                key, measurement = self._open_measurement(norm, row)
            if measurement is None:
                continue
            measurement.update(ended_at=row.at, end_ref=row.id, cancelled_at=None)
            measurement["seconds"] = (row.at - measurement["started_at"]).total_seconds()
            measurement["met"] = row.at <= measurement["deadline_at"]
            self.changed_measurements.add(key)

    def _open_measurement(self, norm, row):
        """The measurement this row stops: the one it stopped before (read again), else the
        earliest still running in the instance that started before it."""
        candidates = [
            (key, m)
            for key, m in self.measurements.items()
            if m["norm"] == norm.key and m["instance_id"] == row.instance_id
        ]
        for key, measurement in candidates:
            if measurement["end_ref"] == row.id:
                return key, measurement
        running = [
            (m["started_at"], key, m)
            for key, m in candidates
            if m["ended_at"] is None and m["cancelled_at"] is None and m["started_at"] <= row.at
        ]
        if not running:
            return None, None
        _, key, measurement = min(running, key=lambda item: (item[0], item[1]))
        return key, measurement

    # -- writing ------------------------------------------------------------------------------------
    def _write(self) -> None:
        moved = self._places_moved()
        _upsert(
            self.session,
            InsightInstance.__table__,
            [self.facts[i] for i in self.changed_facts],
            ["instance_id"],
        )
        tasks = [{k: v for k, v in self.tasks[t].items() if k != "priority"} for t in self.changed_tasks]
        _upsert(self.session, InsightTask.__table__, tasks, ["task_id"])
        _upsert(
            self.session,
            InsightNormCase.__table__,
            [self.measurements[k] for k in self.changed_measurements],
            ["norm", "start_ref"],
        )
        _insert_new(self.session, InsightPassage.__table__, self.passages, ["history_id", "outcome"])
        for case_id, (municipality, wijk) in moved.items():
            for model in (InsightInstance, InsightTask, InsightNormCase):
                self.session.execute(
                    update(model).where(model.case_id == case_id).values(municipality=municipality, wijk=wijk)
                )

    def _places_moved(self) -> dict:
        """Cases whose municipality or wijk changed (a report's `x-case` fields): all their facts follow."""
        moved = {}
        for fact in self.facts.values():
            place = self.places.get(fact["case_id"])
            if place is not None and (fact["municipality"], fact["wijk"]) != place:
                moved[fact["case_id"]] = place
                fact["municipality"], fact["wijk"] = place
                self._changed(fact)
        for collection in (self.tasks.values(), self.measurements.values()):
            for item in collection:
                place = moved.get(item["case_id"])
                if place is not None:
                    item["municipality"], item["wijk"] = place
        return moved


def _durations(task: dict) -> None:
    """Waiting: created → first claim; working: first claim → completed. A task completed without
    a claim waited until it was completed and was worked on for no measurable time."""
    if task["completed_at"] is None or task["status"] != "completed":
        return
    claimed = task["claimed_at"] or task["completed_at"]
    claimed = min(max(claimed, task["created_at"]), task["completed_at"])
    task["wait_seconds"] = (claimed - task["created_at"]).total_seconds()
    task["work_seconds"] = (task["completed_at"] - claimed).total_seconds()


def _as_dict(row) -> dict:
    return dict(row._mapping)


def _insert(session, table):
    return (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(table)


def _upsert(session, table, rows: list[dict], keys: list[str]) -> None:
    if not rows:
        return
    statement = _insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys},
    )
    session.execute(statement, rows)


def _insert_new(session, table, rows: list[dict], keys: list[str]) -> None:
    if rows:
        session.execute(_insert(session, table).on_conflict_do_nothing(index_elements=keys), rows)
