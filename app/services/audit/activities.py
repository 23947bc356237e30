"""Which history rows are a pathway's activities, and the order they happened in.

Shared by the XES export (process mining) and the insight rollup (variants), so both see the
same path. Two facts of the history shape this:

- SpiffWorkflow records its own bookkeeping tasks as steps (`Start`, `End`,
  `<process>.EndJoin`, `<task>.BoundaryEventSplit`/`Join`, `StartEventSplit`/`Join`): they are
  no shapes on the diagram. Unnamed gateways (merges) carry no meaning of their own.
- A completion is written as `task_completed` (who, when the service stamped it) followed by
  the engine's `step_completed` of the same task and then the steps the completion caused. The
  service stamps its row after the engine has run, so by time alone the completion would come
  after the steps it caused; the engine's step of the task has the moment the task completed
  and precedes them. A fired timer likewise has its catch event's step (before the steps it
  caused) and a `timer_fired` row written after them.
"""

from __future__ import annotations

# Element types of SpiffWorkflow's internal task specs (as `StepRecord.element_type` names them).
ENGINE_INTERNAL_TYPES = frozenset(
    {
        "BpmnStartTask",
        "SimpleBpmnTask",
        "_EndJoin",
        "BoundaryEventSplit",
        "BoundaryEventJoin",
        "StartEventSplit",
        "StartEventJoin",
        "_BoundaryEventParent",
    }
)
ENGINE_INTERNAL_IDS = frozenset({"Start", "End"})
HUMAN_ELEMENT_TYPES = frozenset({"UserTask", "ManualTask"})


def is_engine_internal(element_id: str | None, element_type: str | None) -> bool:
    if not element_id:
        return True
    # Internal specs are named after the element they serve, with a dot ("ut_x.BoundaryEventSplit").
    return element_id in ENGINE_INTERNAL_IDS or "." in element_id or element_type in ENGINE_INTERNAL_TYPES


def is_gateway(element_type: str | None) -> bool:
    return bool(element_type) and element_type.endswith("Gateway")


def is_step_activity(element_id, element_type, name) -> bool:
    """A `step_completed` row that is an activity of its own on the diagram.

    Not: engine internals, unnamed gateways, and human tasks (their `task_completed` row is the
    activity, with the person who did it).
    """
    if is_engine_internal(element_id, element_type):
        return False
    if element_type in HUMAN_ELEMENT_TYPES:
        return False
    return not (is_gateway(element_type) and not (name or "").strip())
