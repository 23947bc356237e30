"""Who sees which insight figures, and how small numbers are hidden: every decision in one place.

To be folded into the access policy (app/services/access/policy.py) at merge: these functions
are the insight part of that policy, written against today's role helpers (`Actor.has_role`,
`Actor.blind_groups`).

- Process owners and network coordinators (and admins) see every figure, aggregated.
- The insurer (a member of a group that must not see case data, `blind_groups`) sees aggregates
  only: every count under k residents (configurable, default 5) is shown as "< k" and every figure
  computed from fewer than k residents is left out; never a case, never the learning lists.
- A professional sees their own team's figures: the steps and measurements whose lane (group) is
  one of their groups, and the instances and residents their teams worked on.
- The action-learning session's participants (candidates of its task) see its flagged cases'
  metrics, per case under the session's pseudonymous label.
- Everyone else (an auditor, an outside system): nothing here (403).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.services.access.actors import Actor
from app.services.errors import Forbidden

NETWORK_ROLES = ("process-owner", "network-coordinator")  # admin passes through has_role
DEFAULT_MIN_CELL = 5

NETWORK, TEAM, INSURER = "network", "team", "insurer"


@dataclass(frozen=True)
class Scope:
    """What an actor may see of the insight figures."""

    kind: str  # network | team | insurer
    teams: frozenset[str] = field(default_factory=frozenset)  # team scope: these lanes only
    min_cell: int | None = None  # insurer: counts under this are "< k"

    @property
    def restricted_to_teams(self) -> bool:
        return self.kind == TEAM

    def as_dict(self) -> dict:
        return {"kind": self.kind, "teams": sorted(self.teams), "minCell": self.min_cell}


def scope_for(actor: Actor, min_cell: int = DEFAULT_MIN_CELL) -> Scope:
    """The aggregate figures this actor may see, or Forbidden."""
    if actor.blind_groups:
        # Most restrictive first: anyone in the insurer's group sees the insurer's view.
        return Scope(INSURER, min_cell=max(1, int(min_cell)))
    if any(actor.has_role(role) for role in NETWORK_ROLES):
        return Scope(NETWORK)
    if actor.has_role("professional") and actor.case_data_groups:
        return Scope(TEAM, teams=frozenset(actor.case_data_groups))
    raise Forbidden("the pathway figures are for process owners, network coordinators, teams and the insurer")


def may_see_learning_session(actor: Actor, candidate_groups, candidate_users, assignee) -> bool:
    """A participant of an action-learning session: a candidate of its task (or its assignee)."""
    if actor.blind_groups:
        return False  # the insurer never sees case-level metrics
    if actor.has_role("admin"):
        return True
    if not actor.has_role("professional"):
        return False
    return (
        bool(set(candidate_groups or ()) & actor.case_data_groups)
        or actor.username in (candidate_users or ())
        or assignee == actor.username
    )


def suppressed(min_cell: int) -> str:
    return f"< {min_cell}"


def hide_small(scope: Scope, cell: dict, counts: tuple[str, ...], derived: dict[str, str]) -> dict:
    """The cell as this scope may see it.

    `counts`: fields that count residents or measurements; `derived`: figure -> the count it is
    computed from (a median over `stopped`, a share over `decided`). In the insurer's scope a
    count under k becomes "< k", a figure from fewer than k is None, and a cell of fewer than k
    residents shows nothing but "< k". `residents` must be in the cell.
    """
    if scope.min_cell is None:
        return cell
    k = scope.min_cell
    shown = dict(cell)
    small_cell = (cell.get("residents") or 0) < k
    for name in ("residents", *counts):
        value = cell.get(name)
        if value is not None and (small_cell or value < k):
            shown[name] = suppressed(k)
    for name, basis in derived.items():
        if small_cell or (cell.get(basis) or 0) < k:
            shown[name] = None
    shown["suppressed"] = small_cell
    return shown
