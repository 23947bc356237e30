"""Pathway tests for process owners: YAML scenarios run against a candidate version in memory.

A scenario file names a process and lists scenarios; each gives the start, a list of steps and
what must hold at the end. Everything runs on the engine with a movable clock: no database.

```yaml
process: triage
scenarios:
  - name: route nulde lijn
    start: {message: melding, variables: {vraag: "hulp bij de post"}}   # message is optional
    steps:
      - complete: ut_melding            # a user task by element id
        data: {acute_signalen: []}
      - advance: P4W                    # move the clock just past 4 weeks; due timers fire
      - message: crisis-beoordeeld      # deliver an incoming message
        payload: {uitkomst: geen_crisis}
    expect:
      path: [ut_melding, ut_nulde_lijn] # visited in this order (other steps may lie between)
      visits: [gw_route]                # visited, in any order
      not_visits: [ut_plan]
      sends: [opschaalverzoek]          # messages the pathway throws
      open_tasks: [ut_vervolgcontact]   # user tasks open at the end (exactly these)
      data: {route: nulde_lijn}         # variables at the end (these keys)
      end: completed                    # or: waiting
```
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from . import clock
from .parsing import Finding, ProcessModel
from .runtime import EngineError, ProcessRun
from .task_attributes import duration_from

SCENARIO_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning


class ScenarioFileError(ValueError):
    pass


@dataclass
class ScenarioResult:
    file: str
    process: str
    name: str
    failures: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "process": self.process,
            "scenario": self.name,
            "passed": self.passed,
            "failures": self.failures,
            "path": self.path,
            "sent": self.sent,
        }


class _Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def load_scenario_file(name: str, content: bytes) -> dict:
    try:
        doc = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ScenarioFileError(f"{name}: not valid YAML{where}: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("scenarios"), list):
        raise ScenarioFileError(f"{name}: expected 'process:' and a list under 'scenarios:'")
    if not isinstance(doc.get("process"), str):
        raise ScenarioFileError(f"{name}: 'process:' must name the process id the scenarios test")
    return doc


def run_scenario_file(name: str, content: bytes, processes: dict[str, ProcessModel]) -> list[ScenarioResult]:
    doc = load_scenario_file(name, content)
    key = doc["process"]
    model = processes.get(key)
    results = []
    for index, scenario in enumerate(doc["scenarios"], start=1):
        title = (scenario.get("name") if isinstance(scenario, dict) else None) or f"scenario {index}"
        result = ScenarioResult(name, key, title)
        if model is None:
            result.failures.append(f"process '{key}' is not in this deployment")
        elif not isinstance(scenario, dict):
            result.failures.append("a scenario must be a mapping with 'steps' and 'expect'")
        else:
            ScenarioRunner(model, result).run(scenario)
        results.append(result)
    return results


class ScenarioRunner:
    def __init__(self, model: ProcessModel, result: ScenarioResult):
        self.model = model
        self.result = result
        self.clock = _Clock(SCENARIO_START)
        self.run_: ProcessRun | None = None
        self.elements: set[str] = set()

    def run(self, scenario: dict) -> None:
        with clock.using_clock(self.clock):
            try:
                self._start(scenario.get("start") or {})
                for number, step in enumerate(scenario.get("steps") or [], start=1):
                    self._step(number, step)
            except _Stop as stop:
                self.result.failures.append(str(stop))
                return
            except EngineError as exc:
                where = f" at {exc.element_id}" if exc.element_id else ""
                self.result.failures.append(f"the engine stopped{where}: {exc.message}")
                return
            self._expect(scenario.get("expect") or {})

    # -- driving --------------------------------------------------------------------------
    def _start(self, start: dict) -> None:
        meta = self.model.meta
        variables = dict(start.get("variables") or {})
        message = start.get("message")
        if message is None and not meta.get("manual_start", True) and meta.get("message_starts"):
            message = meta["message_starts"][0]
        run = ProcessRun.start(_version_key(self.model), self.model.spec, variables)
        self.elements = run.element_ids()
        run.run()
        if message is not None and not run.deliver(message, start.get("payload", variables)):
            raise _Stop(f"'{self.model.key}' does not start on message '{message}'")
        self.run_ = run
        self._collect()

    def _step(self, number: int, step: Any) -> None:
        if not isinstance(step, dict):
            raise _Stop(f"step {number}: expected 'complete:', 'advance:' or 'message:'")
        run = self.run_
        if "complete" in step:
            element = step["complete"]
            ready = [t for t in run.human_tasks() if t.element_id == element]
            if not ready:
                raise _Stop(f"step {number}: task '{element}' is not open; open: {self._open() or 'none'}")
            run.complete(ready[0].id, dict(step.get("data") or {}))
        elif "advance" in step:
            self.clock.now = _advanced(self.clock.now, step["advance"], number)
            run.fire_due_timers()
        elif "message" in step:
            if not run.deliver(step["message"], step.get("payload") or {}):
                raise _Stop(f"step {number}: nothing waits for message '{step['message']}'")
        else:
            raise _Stop(f"step {number}: expected 'complete:', 'advance:' or 'message:', got {sorted(step)}")
        self._collect()

    def _collect(self) -> None:
        run = self.run_
        for record in run.steps:
            if record.element_id in self.elements:
                self.result.path.append(record.element_id)
        run.steps.clear()
        self.result.sent.extend(m.name for m in run.drain_messages())

    def _open(self) -> list[str]:
        return sorted(t.element_id for t in self.run_.human_tasks())

    # -- checking -------------------------------------------------------------------------
    def _expect(self, expect: dict) -> None:
        fail = self.result.failures.append
        path = self.result.path
        if "path" in expect:
            missing = _missing_in_order(path, list(expect["path"]))
            if missing:
                fail(f"path: expected {missing!r} after the steps before it; the path was {path}")
        for element in expect.get("visits") or []:
            if element not in path:
                fail(f"visits: '{element}' was not visited; the path was {path}")
        for element in expect.get("not_visits") or []:
            if element in path:
                fail(f"not_visits: '{element}' was visited")
        for name in expect.get("sends") or []:
            if name not in self.result.sent:
                fail(f"sends: message '{name}' was not sent; sent: {self.result.sent or 'nothing'}")
        if "sends_nothing" in expect and expect["sends_nothing"] and self.result.sent:
            fail(f"sends_nothing: sent {self.result.sent}")
        if "open_tasks" in expect and sorted(expect["open_tasks"] or []) != self._open():
            fail(f"open_tasks: expected {sorted(expect['open_tasks'] or [])}, open: {self._open()}")
        data = self.run_.data
        for key, value in (expect.get("data") or {}).items():
            if data.get(key) != value:
                fail(f"data: {key} is {data.get(key)!r}, expected {value!r}")
        end = expect.get("end")
        if end == "completed" and not self.run_.completed:
            fail(f"end: expected completed, still waiting (open: {self._open() or 'none'})")
        elif end == "waiting" and self.run_.completed:
            fail("end: expected still waiting, but the pathway completed")
        elif end not in (None, "completed", "waiting"):
            fail(f"end: expected 'completed' or 'waiting', got {end!r}")


class _Stop(Exception):
    pass


def _version_key(model: ProcessModel) -> str:
    """Cache key of the candidate's specs: its content, since nothing is stored yet."""
    canonical = json.dumps(model.spec, sort_keys=True, default=str).encode()
    return "candidate:" + hashlib.sha256(canonical).hexdigest()


def scenario_findings(processes: dict[str, ProcessModel], scenario_files: dict[str, bytes]) -> list[Finding]:
    """Deployment findings for scenarios that fail (or for having none to run)."""
    if not scenario_files:
        return [Finding(None, "tests are required, but no scenario files (.yaml) came with the deployment")]
    findings = []
    for name, content in sorted(scenario_files.items()):
        try:
            results = run_scenario_file(name, content, processes)
        except ScenarioFileError as exc:
            findings.append(Finding(name, str(exc)))
            continue
        for result in results:
            for failure in result.failures:
                findings.append(Finding(name, f"scenario '{result.name}' fails: {failure}", result.process))
    return findings


def _advanced(now: datetime, amount: Any, number: int) -> datetime:
    """The clock just past `amount` (timers fire once their time has passed, not at it)."""
    just_past = timedelta(seconds=1)
    if isinstance(amount, dict):
        return now + timedelta(**amount) + just_past
    try:
        return duration_from(now, str(amount)) + just_past
    except Exception as exc:  # SpiffWorkflow raises a bare Exception for a bad duration
        raise _Stop(f"step {number}: advance {amount!r} is not an ISO 8601 duration like P2D") from exc


def _missing_in_order(path: list[str], expected: list[str]) -> list[str]:
    """The expected elements from the first one not found in order onwards (empty: all found)."""
    position = 0
    for index, element in enumerate(expected):
        try:
            position = path.index(element, position) + 1
        except ValueError:
            return expected[index:]
    return []


def format_report(results: list[ScenarioResult]) -> str:
    lines = []
    for result in results:
        mark = "PASS" if result.passed else "FAIL"
        lines.append(f"{mark}  {result.process}: {result.name}  ({result.file})")
        lines.extend(f"      - {failure}" for failure in result.failures)
    passed = sum(r.passed for r in results)
    lines.append(f"{passed} of {len(results)} scenario(s) passed")
    return "\n".join(lines)
