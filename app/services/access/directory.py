"""Who is who: display names of users and groups, and the members of a task's groups."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Group, HumanTask, Membership, User


def group_names() -> dict[str, str]:
    return dict(db.session.execute(select(Group.key, Group.name)).all())


def user_names(usernames) -> dict[str, str]:
    names = {u for u in usernames if u}
    if not names:
        return {}
    return dict(
        db.session.execute(select(User.username, User.display_name).where(User.username.in_(names))).all()
    )


def colleagues_for(task: HumanTask) -> list[tuple[str, str]]:
    """(user name, display name) of the active members of a task's candidate groups."""
    rows = db.session.execute(
        select(User.username, User.display_name)
        .join(Membership, Membership.user_id == User.id)
        .join(Group, Group.id == Membership.group_id)
        .where(Group.key.in_(task.candidate_groups or [""]), User.active.is_(True))
        .distinct()
        .order_by(User.display_name)
    ).all()
    return [(r.username, r.display_name) for r in rows]
