"""Parsing: both extension dialects, hardened XML, precise findings."""

from app.engine import parse_bundle
from tests.support import fixture_files


def test_camunda_and_lane_candidates_are_read():
    bundle = parse_bundle(fixture_files("two_step.bpmn", "stap-a.schema.json"))
    assert bundle.ok, bundle.findings
    tasks = bundle.processes["two_step"].meta["user_tasks"]["two_step"]
    assert tasks["task_a"]["candidate_groups"] == ["wijkteam-triage"]  # from its lane
    assert tasks["task_a"]["form"] == "stap-a.schema.json"  # Spiff property
    assert tasks["task_a"]["due"] == "P2D" and tasks["task_a"]["priority"] == "75"
    assert tasks["task_b"]["candidate_groups"] == ["wijkteam-regie", "ggz-fact"]  # Camunda
    assert bundle.processes["two_step"].meta["starter_groups"] == ["wijkteam-triage"]


def test_broken_xml_reports_file_and_line():
    bundle = parse_bundle({"kapot.bpmn": b"<?xml version='1.0'?>\n<bpmn:definitions>\n<oops>"})
    assert not bundle.ok
    [finding] = bundle.findings
    assert finding.file == "kapot.bpmn" and finding.line is not None


def test_entity_expansion_and_external_entities_are_refused():
    laughs = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<definitions>&lol2;</definitions>"""
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><definitions>&x;</definitions>"""
    for content in (laughs, xxe):
        bundle = parse_bundle({"boos.bpmn": content})
        assert not bundle.ok
        assert "DTD" in bundle.findings[0].message


def test_schema_violation_names_the_element():
    content = fixture_files("two_step.bpmn")["two_step.bpmn"].replace(
        b'<bpmn:sequenceFlow id="f3" sourceRef="task_b" targetRef="end" />',
        b'<bpmn:sequenceFlow id="f3" targetRef="end" />',
    )
    bundle = parse_bundle({"two_step.bpmn": content, **fixture_files("stap-a.schema.json")})
    assert not bundle.ok
    assert bundle.findings[0].line is not None


def test_called_process_in_another_file_keeps_its_own_camunda_attributes():
    """Regression: opschalen calls verwijzing (another file); the referral's tasks were read
    with the caller's Camunda attributes, so they lost their groups and due dates."""
    from app.services.definitions.deployments import read_directory

    files = read_directory("processes", "forms")
    wanted = ("opschalen.bpmn", "verwijzing.bpmn")
    bundle = parse_bundle({n: c for n, c in files.items() if n in wanted or n.endswith(".json")})
    assert bundle.ok, bundle.findings
    called = bundle.processes["opschalen"].meta["user_tasks"]["verwijzing"]
    assert called["ut_intake"]["candidate_groups"] == ["ggz-fact", "verslavingszorg"]
    assert called["ut_intake"]["due"] == "P4W"
    assert called["ut_start_behandeling"]["due"] == "P10W"
    # Same element id in both files, each with its own attributes.
    assert called["ut_wachtlijstbemiddeling"]["candidate_groups"] == ["verzekeraar"]
