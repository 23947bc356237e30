"""The only package that imports SpiffWorkflow: parsing, running, state, safe scripting.

Public surface for the service layer:
- `parse_bundle(files)` -> `Bundle` of `ProcessModel`s and `Finding`s
- `ProcessRun` to start/restore/step/dump an instance, with views of its human tasks, timers
  and messages
- `clock` for the injectable "now"
"""

from . import clock
from .parsing import (
    Bundle,
    Finding,
    ProcessModel,
    content_hash,
    definition_hash,
    file_kind,
    parse_bundle,
)
from .runtime import (
    EngineError,
    HumanTaskView,
    OutgoingMessage,
    ProcessRun,
    StepRecord,
    TimerView,
    UnknownTask,
)

__all__ = [
    "Bundle",
    "EngineError",
    "Finding",
    "HumanTaskView",
    "OutgoingMessage",
    "ProcessModel",
    "ProcessRun",
    "StepRecord",
    "TimerView",
    "UnknownTask",
    "clock",
    "content_hash",
    "definition_hash",
    "file_kind",
    "parse_bundle",
]
