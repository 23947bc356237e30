"""A resident's journey through the real pathways, driven through the service layer.

`Journey` deploys `processes/` and `forms/` as the system, starts pathways the way a
professional does (`instances.start_instance`), completes tasks as demo-like actors (every
completion is validated against the task's form), and moves the clock and fires due timers
the way the worker does. Everything it looks at is read back from the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.engine.script_library import add_working_days
from app.engine.task_attributes import duration_from
from app.models import HumanTask, Message, ProcessInstance, Timer
from app.services.access.actors import SYSTEM
from app.services.definitions.deployments import deploy, read_directory
from app.services.instances import lifecycle as instances
from app.services.instances import timers
from app.services.instances.runs import load_run
from app.services.tasks import actions as tasks
from tests.support import ZRM_DOMAINS, make_actor

# Demo-like actors (see app/services/demo.py): one group each, so a test shows which group
# a task really goes to.
HUISARTS = make_actor("huisarts", ["reporter"])
ANNA = make_actor("anna", ["wijkteam-triage"])
RUBEN = make_actor("ruben", ["wijkteam-regie"])
PETRA = make_actor("petra", ["peer-expert"])
FATIMA = make_actor("fatima", ["ggz-fact"])
KOEN = make_actor("koen", ["ggz-crisis"])
GREET = make_actor("greet", ["ggd-meldpunt"])
BRAM = make_actor("bram", ["verslavingszorg"])
BEA = make_actor("bea", ["begeleiding"])
WIM = make_actor("wim", ["gemeente-wmo"])
WILMA = make_actor("wilma", ["gemeente-wvggz"])
VERA = make_actor("vera", ["verzekeraar"])
EVERYONE = [HUISARTS, ANNA, RUBEN, PETRA, FATIMA, KOEN, GREET, BRAM, BEA, WIM, WILMA, VERA]

ZRM_OK = dict.fromkeys(ZRM_DOMAINS, 4)
PG = {
    "lichaamsfuncties": 6, "mentaal_welbevinden": 5, "zingeving": 6,
    "kwaliteit_van_leven": 5, "meedoen": 4, "dagelijks_functioneren": 6,
}  # fmt: skip

# Form data per task, valid for its JSON Schema; tests override what a route needs.
MELDING = {
    "bewoner": {"naam": "A. Bewoner", "telefoon": "0600000000"},
    "vraag_eigen_woorden": "Ik red het niet meer met de post en de buren",
    "melder_rol": "huisarts",
    "toestemming_bewoner": "ja",
    "acute_signalen": [],
}
EERSTE_CONTACT = {"contact_datum": "2026-03-03", "contactwijze": "huisbezoek"}
VRAAGVERKENNING = {
    "hulpvraag": "rust in huis",
    "vier_d_knelpunten": ["praktisch"],
    "positieve_gezondheid": PG,
    "zrm": ZRM_OK,
    "netwerk": [{"naam": "zus", "relatie": "naaste", "mag_geinformeerd": True}],
    "toestemming_delen_domeinen": True,
    "bekend_bij_fact": False,
    "weigert_zorg_ernstig_nadeel": False,
}
CASUSOVERLEG = {
    "deelnemers": ["wijkteam-regie", "ggz-fact"],
    "afspraken": "route bevestigd",
    "leercasus": False,
}
PLAN = {
    "doelen": [{"doel": "schulden op orde", "domein": "praktisch"}],
    "wmo_voorziening_nodig": False,
    "evaluatiedatum": "2026-06-01",
}
ESCALATIE = {"genomen_actie": "team_aangesproken"}
CRISIS = {
    "ter_plaatse_op": "2026-03-02T09:40:00+00:00",
    "uitkomst": "geen_acute_crisis",
    "vervolg": "terug_naar_wijkteam",
    "crisisplan_afgesproken": True,
}
SIGNAAL = {
    "signaal_type": "opschaalverzoek",
    "acuut": False,
    "urgentie": "24u",
    "aanleiding_domeinen": ["geestelijke_gezondheid"],
    "bekend_bij_fact": True,
    "weigert_zorg_ernstig_nadeel": False,
    "verslavingszorg_nodig": False,
    "begeleiding_nodig": False,
}
PLAN_HERZIEN = {
    "doelen": [{"doel": "rust en ritme", "domein": "geest"}],
    "crisisplan_actueel": True,
    "naasten_informeren": True,
    "toestemming_naasten": True,
}
EVALUATIE = {
    "zrm": ZRM_OK,
    "positieve_gezondheid": PG,
    "aanleiding_domeinen": ["geestelijke_gezondheid"],
    "weken_zonder_crisis": 12,
    "crisisplan_gecontroleerd": True,
    "bewoner_wil_afschalen": True,
    "netwerk_op_orde": True,
    "ontvangende_partij": "wijkteam",
}
OVERDRACHT = {
    "ontvanger": "wijkteam",
    "ontvanger_naam": "Wijkteam Noord",
    "terugkeerroute": "bel de regievoerder",
    "toestemming_overdracht": True,
}
DRIEGESPREK = {
    "gesprek_datum": "2026-06-01",
    "nieuwe_regievoerder": "Wijkteam Noord",
    "terugkeerroute_in_plan": True,
}
WVGGZ = {"uitkomst": "vrijwillige_zorg", "afgerond_op": "2026-03-10"}


def plus(start: datetime, iso: str) -> datetime:
    """`start` plus an ISO 8601 duration, as the engine counts it."""
    return duration_from(start, iso)


def working_days(start: datetime, n: int) -> datetime:
    return add_working_days(start, n)


class Journey:
    """One resident's case across the pathways, seen through the database."""

    def __init__(self, db, clock):
        self.db = db
        self.clock = clock
        self.case_id = None
        result = deploy(read_directory("processes", "forms"), actor=SYSTEM, name="scenario", source="cli")
        assert {c["key"] for c in result.created} >= {"triage", "opschalen", "afschalen"}

    # -- starting and stepping ------------------------------------------------------------
    def start(self, process_key: str, actor, variables: dict | None = None) -> ProcessInstance:
        instance = instances.start_instance(
            process_key,
            actor=actor,
            subject={"displayName": "Mw. A. Bewoner"} if self.case_id is None else None,
            case_id=self.case_id,
            variables=variables or {},
        )
        self.case_id = instance.case_id
        return instance

    def complete(self, element_id: str, actor, data: dict, *, claim: bool = False) -> HumanTask:
        """The one open task `element_id`: the actor sees it in their inbox and completes it."""
        task = self.task(element_id)
        inbox = tasks.list_tasks(actor, process_key=task.process_key, per_page=500).items
        assert task.id in {t.id for t in inbox}, f"{actor.username} does not see {element_id}"
        if claim:
            tasks.claim(task.id, actor=actor)
        return tasks.complete(task.id, data, actor=actor)

    def advance(self, **delta) -> int:
        """Move the clock and let the worker fire every timer that is now due."""
        self.clock.advance(**delta)
        return timers.fire_due_timers()

    def pass_timer(self, element_id: str) -> int:
        """Move the clock just past the pending timer's due moment (the engine fires on due < now)."""
        due = self.timer(element_id).due_at
        return self.advance(seconds=(due - self.clock.now).total_seconds() + 1)

    # -- reading --------------------------------------------------------------------------
    def open_tasks(self, process_key: str | None = None) -> list[HumanTask]:
        self.db.session.expire_all()
        query = select(HumanTask).where(HumanTask.case_id == self.case_id, HumanTask.status == "open")
        if process_key:
            query = query.where(HumanTask.process_key == process_key)
        return list(self.db.session.execute(query.order_by(HumanTask.element_id)).scalars())

    def open(self, process_key: str | None = None) -> list[str]:
        """Element ids of the open tasks in the case (sorted)."""
        return sorted(t.element_id for t in self.open_tasks(process_key))

    def task(self, element_id: str) -> HumanTask:
        found = [t for t in self.open_tasks() if t.element_id == element_id]
        assert len(found) == 1, f"{element_id}: {len(found)} open; open: {self.open()}"
        return found[0]

    def instances(self, process_key: str) -> list[ProcessInstance]:
        self.db.session.expire_all()
        return list(
            self.db.session.execute(
                select(ProcessInstance)
                .where(ProcessInstance.case_id == self.case_id, ProcessInstance.process_key == process_key)
                .order_by(ProcessInstance.started_at, ProcessInstance.id)
            ).scalars()
        )

    def instance(self, process_key: str) -> ProcessInstance:
        found = self.instances(process_key)
        assert found, f"no {process_key} instance in the case"
        return found[-1]

    def status(self, process_key: str) -> str:
        return self.instance(process_key).status

    def data(self, process_key: str) -> dict:
        return load_run(self.instance(process_key)).data

    def timer(self, element_id: str) -> Timer:
        self.db.session.expire_all()
        case_instances = select(ProcessInstance.id).where(ProcessInstance.case_id == self.case_id)
        found = list(
            self.db.session.execute(
                select(Timer).where(
                    Timer.element_id == element_id,
                    Timer.status == "pending",
                    Timer.instance_id.in_(case_instances),
                )
            ).scalars()
        )
        assert len(found) == 1, f"timer {element_id}: {len(found)} pending"
        return found[0]

    def messages(self, name: str) -> list[Message]:
        self.db.session.expire_all()
        return list(
            self.db.session.execute(
                select(Message).where(Message.name == name).order_by(Message.created_at)
            ).scalars()
        )

    def visible_to(self, element_id: str) -> set[str]:
        """Usernames of the demo-like actors whose inbox shows this task."""
        task = self.task(element_id)
        return {
            a.username
            for a in EVERYONE
            if task.id in {t.id for t in tasks.list_tasks(a, process_key=task.process_key).items}
        }
