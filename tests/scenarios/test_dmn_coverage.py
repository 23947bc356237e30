"""The safety-net rules of both DMN tables are unreachable with form-valid answers.

The scenario tests hit every other rule through the services. Here each table is evaluated
over every combination of its inputs that the forms allow (values collapsed to the
thresholds the tables test: ZRM 1, 2, >= 3; crisis-free weeks < 8, >= 8), recording which
rule fires first (hit policy FIRST).
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from .dmn import PROCESSES

ENGINE = PythonScriptEngine()


def table(process_id, bpmn, task_id):
    parser = SpiffBpmnParser()
    parser.add_dmn_files([str(p) for p in PROCESSES.glob("*.dmn")])
    parser.add_bpmn_files([str(PROCESSES / bpmn)])
    return parser.get_spec(process_id).task_specs[task_id].dmnEngine


def first_rule(engine, data) -> int:
    task = SimpleNamespace(data=data, workflow=SimpleNamespace(script_engine=ENGINE))
    [rule, *_] = engine.decide(task) or [None]
    return engine.decision_table.rules.index(rule) + 1


def test_triage_safety_net_is_unreachable():
    engine = table("triage", "triage.bpmn", "br_urgentie_route")
    assert engine.decision_table.hit_policy == "FIRST"
    reached = set()
    for weigert, fact, ggz, middelen, other, n4d in itertools.product(
        (True, False), (True, False), (1, 2, 3), (1, 2, 3), (1, 2, 3), (0, 1, 3, 4)
    ):
        # `financien` stands for the eleven other domains: the table only sees their minimum.
        zrm = {"geestelijke_gezondheid": ggz, "middelengebruik": middelen, "financien": other}
        data = {
            "weigert_zorg_ernstig_nadeel": weigert,
            "bekend_bij_fact": fact,
            "zrm": zrm,
            "vier_d_knelpunten": ["lichaam", "geest", "praktisch", "sociaal"][:n4d],
        }
        reached.add(first_rule(engine, data))
    assert reached == set(range(1, 13)), "rules 1-12 reachable, 13 (vangnet) not"


def test_readiness_safety_net_is_unreachable():
    engine = table("afschalen", "afschalen.bpmn", "br_gereedheid")
    reached = set()
    for wil, laagste, weken, netwerk, ontvanger in itertools.product(
        (True, False),
        (1, 2, 3, 5),
        (0, 7, 8, 520),
        (True, False),
        ("wijkteam", "poh_ggz", "nulde_lijn", "geen"),
    ):
        data = {
            "bewoner_wil_afschalen": wil,
            "laagste_aanleiding": laagste,
            "weken_zonder_crisis": weken,
            "netwerk_op_orde": netwerk,
            "ontvangende_partij": ontvanger,
        }
        reached.add(first_rule(engine, data))
    assert reached == set(range(1, 7)), "rules 1-6 reachable, 7 (vangnet) not"
