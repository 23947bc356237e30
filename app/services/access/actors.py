"""The acting user, as every use case sees it: identity, roles, groups, and NEN 7513 context."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Actor:
    username: str
    groups: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    organisation: str | None = None
    # Of `groups`, those that must never see case data (the insurer's `verzekeraar`).
    blind_groups: frozenset[str] = field(default_factory=frozenset)
    display_name: str | None = None
    # NEN 7513: the responsible user acted for, the purpose of use, where they worked from.
    acting_for: str | None = None
    purpose: str | None = None
    address: str | None = None

    def has_role(self, role: str) -> bool:
        return role in self.roles or "admin" in self.roles

    @property
    def case_data_groups(self) -> frozenset[str]:
        """The groups through which this actor may see a resident's data."""
        return self.groups - self.blind_groups

    def with_context(self, **changes) -> Actor:
        return replace(self, **changes)


# A stored user role for outside systems; as an actor role it only allows sending messages.
EXTERNAL_SYSTEM = "external-system"

# The worker and the CLI act as the system; it holds every group for engine-driven steps only.
SYSTEM = Actor(username="system", roles=frozenset({"system"}), display_name="Zorgpad")
