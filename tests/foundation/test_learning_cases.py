"""Action learning: the fortnightly session task gathers flagged cases, pseudonymised."""


from sqlalchemy import select

from app.models import Case, HumanTask
from app.services.access.actors import SYSTEM
from app.services.definitions.deployments import read_directory
from app.services.instances import lifecycle as instances
from app.services.instances import timers
from tests.support import flagged_case_meeting


def test_learning_session_task_lists_flagged_cases_without_identities(deploy, db, clock):
    deploy(files=read_directory("processes", "forms"))
    leren = instances.start_instance("leren", actor=SYSTEM)
    resident = Case(pseudonym="Z-ABC", display_name="Mw. Geheim", created_at=clock.now)
    other = Case(pseudonym="Z-DEF", display_name="Dhr. Anders", created_at=clock.now)
    db.session.add_all([resident, other])
    db.session.commit()
    clock.advance(days=3)
    flagged_case_meeting(db, clock, resident, True, "Hoe betrek je het netwerk eerder?")
    flagged_case_meeting(db, clock, other, False, "niet gemarkeerd")
    clock.advance(days=12)
    assert timers.fire_due_timers() >= 1
    db.session.expire_all()
    [task] = (
        db.session.execute(
            select(HumanTask).where(HumanTask.instance_id == leren.id, HumanTask.status == "open")
        )
        .scalars()
        .all()
    )
    from app.services.instances.runs import load_run

    [view] = [v for v in load_run(task.instance).human_tasks() if v.id == task.id]
    cases = view.data["leercasussen"]
    assert [c["leervraag"] for c in cases] == ["Hoe betrek je het netwerk eerder?"]
    text = str(cases)
    assert "Geheim" not in text and "Z-ABC" not in text and str(resident.id) not in text
    assert cases[0]["pseudoniem"].startswith("LC-")
