"""Diagram elements the route figures rely on, beside the norms (`norms.NORMS`): one place.

All ids are from processes/*.bpmn; a process owner who renames one changes it here.
"""

from __future__ import annotations

from app.services.insight.norms import Event

# The FACT board (P2): the gateway "Op het FACT-bord?" either keeps the resident on the board
# (the daily timer) or lets them off.
BOARD_PROCESS = "opschalen"
BOARD_GATEWAY = "gw_op_bord"
BOARD_STAY = "tm_dag"
BOARD_LEAVE = "gw_fact_uit"

# Scale-down (P3) is done when the three-way meeting with the new lead took place.
HANDOVER_PROCESS = "afschalen"
HANDOVER = Event("task_completed", "ut_driegesprek")

# Scale-up (P2) instances; a relapse is one started by the aftercare's relapse signal.
SCALE_UP_PROCESS = "opschalen"
RELAPSE_MESSAGE = "terugvalsignaal"

# Triage's decision "Urgentie en route bepalen" and the outputs it routes on.
TRIAGE_PROCESS = "triage"
TRIAGE_DECISION = "br_urgentie_route"
ROUTE_OUTPUT = "route"
URGENCY_OUTPUT = "urgentie"

# Engine steps that are steps of a variant (a path through a pathway), beside the human tasks:
# where it started and ended, the decisions, and a deadline that passed (boundary timers).
VARIANT_STEP_TYPES = frozenset({"StartEvent", "EndEvent", "BusinessRuleTask", "BoundaryEvent"})

# Action learning: the session task of `leren`, and the case meeting that flags a learning case.
LEARNING_PROCESS = "leren"
LEARNING_SESSION = "ut_leersessie"
LEARNING_FLAG_ELEMENT = "ut_casusoverleg"
LEARNING_FLAG_FIELD = "leercasus"
