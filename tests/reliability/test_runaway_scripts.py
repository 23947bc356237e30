"""Runaway diagram code fired by a timer becomes an incident quickly; the worker keeps working."""

import time

import pytest
from sqlalchemy import select

from app.models import HumanTask, ProcessInstance
from app.services.access.actors import SYSTEM
from app.services.instances import lifecycle as instances
from app.services.instances import timers
from tests.support import fixture_files

RUNAWAY = {
    # `while` is refused outright; nested bounded loops are the longest legal "endless" loop.
    "endless loop": "n = 0\nfor i in range(100000):\n    for j in range(100000):\n        n = n + 1",
    "huge exponent": "x = 10 ** 10 ** 10",
    "giant string": 'x = "ab" * 1000000000',
    "doubling list": "x = [1]\nfor i in range(100):\n    x = x + x",
}


@pytest.mark.parametrize("script", RUNAWAY.values(), ids=RUNAWAY.keys())
def test_runaway_script_after_a_timer_is_an_incident_and_others_proceed(deploy, db, clock, script):
    files = fixture_files("timer_script.bpmn")
    files["timer_script.bpmn"] = files["timer_script.bpmn"].replace(b"SCRIPT", script.encode())
    deploy(files=files)
    runaway = instances.start_instance("timer_script", actor=SYSTEM)
    clock.advance(minutes=1)  # fires just after the runaway one
    files["timer_script.bpmn"] = fixture_files("timer_script.bpmn")["timer_script.bpmn"].replace(
        b"SCRIPT", b"x = 1"
    )
    deploy(files=files)
    healthy = instances.start_instance("timer_script", actor=SYSTEM)
    clock.advance(hours=2)

    started = time.monotonic()
    assert timers.fire_due_timers() == 2
    # A generous bound (the script budget is 1 s): only "not hung", no timing claim.
    assert time.monotonic() - started < 30

    db.session.expire_all()
    failed = db.session.get(ProcessInstance, runaway.id)
    assert failed.status == "error" and failed.error["elementId"] == "compute"
    assert failed.error["message"].startswith("ResourceLimitExceeded")
    assert db.session.get(ProcessInstance, healthy.id).status == "running"
    [task] = db.session.execute(select(HumanTask).where(HumanTask.instance_id == healthy.id)).scalars()
    assert task.name == "Verder"
