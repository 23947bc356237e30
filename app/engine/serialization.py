"""One configured SpiffWorkflow serializer, shared by parsing (specs) and runtime (state)."""

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .dmn import DecisionTask, DecisionTaskConverter
from .zeebe_scripts import FeelScriptTask, FeelScriptTaskConverter

# Business-rule tasks deployed since our own DMN engine carry its decisions (`DecisionTask`);
# older versions keep SpiffWorkflow's BusinessRuleTask and restore as before. Camunda 8 script
# tasks (`zeebe:script`) are `FeelScriptTask`s.
_CONFIG = {**SPIFF_CONFIG, DecisionTask: DecisionTaskConverter, FeelScriptTask: FeelScriptTaskConverter}
REGISTRY = BpmnWorkflowSerializer.configure(_CONFIG)
SERIALIZER = BpmnWorkflowSerializer(REGISTRY)
STATE_FORMAT = SERIALIZER.VERSION
