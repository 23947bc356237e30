"""One configured SpiffWorkflow serializer, shared by parsing (specs) and runtime (state)."""

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .dmn import DecisionTask, DecisionTaskConverter

# Business-rule tasks deployed since our own DMN engine carry its decisions (`DecisionTask`);
# older versions keep SpiffWorkflow's BusinessRuleTask and restore as before.
_CONFIG = {**SPIFF_CONFIG, DecisionTask: DecisionTaskConverter}
REGISTRY = BpmnWorkflowSerializer.configure(_CONFIG)
SERIALIZER = BpmnWorkflowSerializer(REGISTRY)
STATE_FORMAT = SERIALIZER.VERSION
