"""Process owners' pathway tests: YAML scenarios against the candidate version, in memory."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.cli import main
from app.engine import parse_bundle
from app.engine.scenarios import run_scenario_file
from app.models import ProcessDefinition
from app.owner_cli import read_scenarios
from app.services.access.actors import SYSTEM
from app.services.definitions.deployments import deploy, read_directory
from app.services.errors import DeploymentRejected
from tests.support import FIXTURES, fixture_files

ROOT = FIXTURES.parents[1]
PROCESSES = ROOT / "processes"

TWO_STEP = b"""
process: two_step
scenarios:
  - name: straight through
    steps:
      - {complete: task_a, data: {naam: A}}
      - {complete: task_b}
    expect: {path: [task_a, task_b], end: completed}
  - name: wrong expectation
    steps:
      - {complete: task_a, data: {naam: A}}
    expect: {path: [task_b, task_a], open_tasks: [task_x], end: completed, sends: [iets]}
  - name: a task that is not open
    steps:
      - {complete: task_b}
"""


@pytest.fixture(scope="module")
def pathways():
    return parse_bundle(read_directory(PROCESSES)).processes


@pytest.mark.parametrize("name", ["triage.yaml", "opschalen.yaml", "afschalen.yaml"])
def test_the_shipped_scenarios_pass(pathways, name):
    results = run_scenario_file(name, (PROCESSES / "scenarios" / name).read_bytes(), pathways)
    assert len(results) >= 3
    assert [r.failures for r in results] == [[]] * len(results)


def test_failures_are_readable():
    processes = parse_bundle(fixture_files("two_step.bpmn")).processes
    ok, wrong, not_open = run_scenario_file("t.yaml", TWO_STEP, processes)
    assert ok.passed and ok.path == ["start", "task_a", "task_b", "end"]
    assert len(wrong.failures) == 4
    assert any(f.startswith("path: expected ['task_b', 'task_a']") for f in wrong.failures)
    assert any("open_tasks: expected ['task_x'], open: ['task_b']" in f for f in wrong.failures)
    assert not_open.failures == ["step 1: task 'task_b' is not open; open: ['task_a']"]


def test_zorgpad_test_prints_a_report_and_fails_on_a_failing_scenario(tmp_path):
    for name, content in fixture_files("two_step.bpmn").items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "two_step.scenarios.yaml").write_bytes(TWO_STEP)
    result = CliRunner().invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1
    assert "PASS  two_step: straight through" in result.output
    assert "FAIL  two_step: wrong expectation" in result.output
    assert "1 of 3 scenario(s) passed" in result.output
    assert set(read_scenarios(tmp_path)) == {"two_step.scenarios.yaml"}


def test_a_deployment_can_require_the_scenarios_to_pass(db):
    files = fixture_files("two_step.bpmn", "stap-a.schema.json")
    with pytest.raises(DeploymentRejected) as info:
        deploy(files, actor=SYSTEM, scenarios={"t.yaml": TWO_STEP}, require_tests=True)
    assert any("scenario 'wrong expectation' fails" in f["message"] for f in info.value.findings)
    assert db.session.execute(select(func.count()).select_from(ProcessDefinition)).scalar() == 0
    with pytest.raises(DeploymentRejected, match="problem"):
        deploy(files, actor=SYSTEM, require_tests=True)
    good = TWO_STEP.split(b"  - name: wrong expectation")[0]
    result = deploy(files, actor=SYSTEM, scenarios={"t.yaml": good}, require_tests=True)
    assert [c["key"] for c in result.created] == ["two_step"]
