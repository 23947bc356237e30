"""DMN decisions that refuse to decide nothing (versions deployed before our own engine).

Business-rule tasks deployed since run `dmn.DecisionEngine`, which keeps the same rule. This
module still serves process versions stored with SpiffWorkflow's decision tables.

SpiffWorkflow's DMN engine returns an empty result when no rule of a UNIQUE or FIRST table
matches, and the process silently continues without the outputs (a gateway then takes its
default flow on missing data). In a care pathway "no rule matched" is a gap in the table, not
an answer: we raise, so the step fails and becomes an incident a process owner can fix.
"""

from __future__ import annotations

from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.dmn.specs.model import HitPolicy


class NoRuleMatched(Exception):
    """No rule of a single-result decision table matched the task's data."""


class StrictDMNEngine(DMNEngine):
    def result(self, task):
        table = self.decision_table
        if table.hit_policy == HitPolicy.COLLECT.value:
            return super().result(task)  # an empty collection is a valid answer
        matched = self.decide(task)
        if not matched:
            # Input labels, not values: the values are case data and the message is shown widely.
            inputs = ", ".join(i.label or i.expression or "?" for i in table.inputs)
            raise NoRuleMatched(
                f"no rule of decision table '{table.name or table.id}' matches the inputs ({inputs})"
            )
        return matched[0].output_as_dict(task)


def make_decisions_strict(process_spec) -> None:
    """Swap the DMN engine of every business-rule task of one (cached, restored) process spec."""
    for task_spec in process_spec.task_specs.values():
        if isinstance(task_spec, BusinessRuleTaskMixin) and type(task_spec.dmnEngine) is DMNEngine:
            task_spec.dmnEngine = StrictDMNEngine(task_spec.dmnEngine.decision_table)
