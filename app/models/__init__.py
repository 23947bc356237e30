"""SQLAlchemy tables. Importing this package registers every table on `db.metadata`."""

from .comments import TaskComment
from .definitions import Deployment, ProcessDefinition, Resource
from .identity import ROLES, ApiToken, Group, Membership, Organisation, User
from .instances import Case, HistoryEvent, HumanTask, ProcessInstance, TaskCandidate, Timer
from .messages import Message

__all__ = [
    "ROLES",
    "ApiToken",
    "Group",
    "Membership",
    "Organisation",
    "User",
    "Case",
    "Deployment",
    "HistoryEvent",
    "HumanTask",
    "Message",
    "ProcessDefinition",
    "ProcessInstance",
    "Resource",
    "TaskCandidate",
    "TaskComment",
    "Timer",
]
