"""The acting user, as every use case sees it: identity, roles, groups, and NEN 7513 context."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Actor:
    username: str
    groups: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    organisation: str | None = None
    display_name: str | None = None
    # NEN 7513: the responsible user acted for, the purpose of use, where they worked from.
    acting_for: str | None = None
    purpose: str | None = None
    address: str | None = None

    def has_role(self, role: str) -> bool:
        return role in self.roles or "admin" in self.roles

    def with_context(self, **changes) -> Actor:
        return replace(self, **changes)


# The worker and the CLI act as the system; it holds every group for engine-driven steps only.
SYSTEM = Actor(username="system", roles=frozenset({"system"}), display_name="Zorgpad")
