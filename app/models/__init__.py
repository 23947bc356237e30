"""SQLAlchemy tables. Importing this package registers every table on `db.metadata`."""

from .audit import AuditChainHead, AuditEvent
from .comments import TaskComment
from .definitions import Deployment, ProcessDefinition, Resource
from .identity import ROLES, ApiToken, Group, Membership, Organisation, User
from .instances import Case, HistoryEvent, HumanTask, ProcessInstance, TaskCandidate, Timer
from .messages import Message
from .task_mirror import install as _install_task_mirror

_install_task_mirror()  # candidates follow their task's status and due date (task_mirror.py)

__all__ = [
    "AuditChainHead",
    "AuditEvent",
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
