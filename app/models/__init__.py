"""SQLAlchemy tables. Importing this package registers every table on `db.metadata`."""

from app.models.audit import AuditChainHead, AuditEvent
from app.models.comments import TaskComment
from app.models.definitions import Deployment, ProcessDefinition, Resource
from app.models.identity import (
    ROLES,
    ApiToken,
    Group,
    LoginAttempt,
    Membership,
    Organisation,
    User,
    WebSession,
)
from app.models.insight import (
    InsightInstance,
    InsightNormCase,
    InsightPassage,
    InsightTask,
    InsightWatermark,
)
from app.models.instances import Case, HistoryEvent, HumanTask, ProcessInstance, TaskCandidate, Timer
from app.models.messages import Message
from app.models.task_mirror import install as _install_task_mirror

_install_task_mirror()  # candidates follow their task's status and due date (task_mirror.py)

__all__ = [
    "AuditChainHead",
    "AuditEvent",
    "ROLES",
    "ApiToken",
    "Group",
    "LoginAttempt",
    "Membership",
    "Organisation",
    "User",
    "WebSession",
    "Case",
    "Deployment",
    "HistoryEvent",
    "HumanTask",
    "InsightInstance",
    "InsightNormCase",
    "InsightPassage",
    "InsightTask",
    "InsightWatermark",
    "Message",
    "ProcessDefinition",
    "ProcessInstance",
    "Resource",
    "TaskCandidate",
    "TaskComment",
    "Timer",
]
