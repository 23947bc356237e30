"""Action learning: the fortnightly session task gathers flagged cases, pseudonymised."""

import uuid

from sqlalchemy import select

from app.models import Case, HumanTask
from app.services import instances, timers
from app.services.actors import SYSTEM
from app.services.deployments import read_directory


def _flagged_meeting(db, clock, case, flagged: bool, question: str):
    instance = instances.start_instance("triage", actor=SYSTEM, case_id=str(case.id))
    db.session.add(
        HumanTask(
            id=uuid.uuid4(),
            instance_id=instance.id,
            case_id=case.id,
            process_key="triage",
            element_id="ut_casusoverleg",
            name="Casusoverleg",
            candidate_groups=["wijkteam-regie"],
            candidate_users=[],
            status="completed",
            priority=50,
            created_at=clock.now,
            completed_at=clock.now,
            completed_by="ruben",
            data={
                "leercasus": flagged,
                "leervraag": question,
                "route": "opschalen",
                "deelnemers": ["wijkteam"],
                "afspraken": "x",
            },
        )
    )
    db.session.commit()


def test_learning_session_task_lists_flagged_cases_without_identities(deploy, db, clock):
    deploy(files=read_directory("processes", "forms"))
    leren = instances.start_instance("leren", actor=SYSTEM)
    resident = Case(pseudonym="Z-ABC", display_name="Mw. Geheim", created_at=clock.now)
    other = Case(pseudonym="Z-DEF", display_name="Dhr. Anders", created_at=clock.now)
    db.session.add_all([resident, other])
    db.session.commit()
    clock.advance(days=3)
    _flagged_meeting(db, clock, resident, True, "Hoe betrek je het netwerk eerder?")
    _flagged_meeting(db, clock, other, False, "niet gemarkeerd")
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
    from app.services.runs import load_run

    [view] = [v for v in load_run(task.instance).human_tasks() if v.id == task.id]
    cases = view.data["leercasussen"]
    assert [c["leervraag"] for c in cases] == ["Hoe betrek je het netwerk eerder?"]
    text = str(cases)
    assert "Geheim" not in text and "Z-ABC" not in text and str(resident.id) not in text
    assert cases[0]["pseudoniem"].startswith("LC-")
