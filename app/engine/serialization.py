"""One configured SpiffWorkflow serializer, shared by parsing (specs) and runtime (state)."""

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

REGISTRY = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
SERIALIZER = BpmnWorkflowSerializer(REGISTRY)
STATE_FORMAT = SERIALIZER.VERSION
