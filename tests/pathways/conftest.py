"""Fixtures for the pathway diagram tests."""

from __future__ import annotations

import pytest
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from .helpers import CAMUNDA, NS, PROCESS_IDS, bpmn_files, dmn_files, xml


@pytest.fixture(scope="session")
def parser():
    p = SpiffBpmnParser()
    p.add_dmn_files([str(f) for f in dmn_files()])
    p.add_bpmn_files([str(f) for f in bpmn_files()])
    return p


@pytest.fixture(scope="session", autouse=True)
def _attach_camunda_attrs(parser):
    """Copy camunda:dueDate/priority from the XML onto the parsed user task specs."""
    attrs = {}
    for path in bpmn_files():
        for proc in xml(path).iterfind(".//bpmn:process", NS):
            for el in proc.iterfind(".//bpmn:userTask", NS):
                attrs[proc.get("id"), el.get("id")] = {
                    k: el.get(CAMUNDA + k) for k in ("dueDate", "priority")
                }
    for pid in PROCESS_IDS:
        for spec in parser.get_spec(pid).task_specs.values():
            if (pid, spec.bpmn_id) in attrs:
                spec._zorgpad_attrs = attrs[pid, spec.bpmn_id]
