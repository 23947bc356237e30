"""The NEN 7513 audit trail: recording (same transaction), hash chain, queries, exports, retention.

Importing this package hooks the chain into every session's commit (see `record.install`).
"""

from app.services.audit.chain import Verification, verify
from app.services.audit.record import install as _install
from app.services.audit.record import (
    is_break_glass,
    record,
    record_access,
    record_history,
    record_search,
    record_task_reads,
)

_install()

__all__ = [
    "Verification",
    "is_break_glass",
    "record",
    "record_access",
    "record_history",
    "record_search",
    "record_task_reads",
    "verify",
]
