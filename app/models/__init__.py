"""SQLAlchemy tables. Importing this package registers every table on `db.metadata`."""

from .definitions import Deployment, ProcessDefinition, Resource
from .instances import Case, HistoryEvent, HumanTask, ProcessInstance, TaskCandidate, Timer
from .messages import Message

__all__ = [
    "Case",
    "Deployment",
    "HistoryEvent",
    "HumanTask",
    "Message",
    "ProcessDefinition",
    "ProcessInstance",
    "Resource",
    "TaskCandidate",
    "Timer",
]
