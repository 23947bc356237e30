"""A generated region: residents walked through the real pathways, interleaved in time.

Each resident is a script (a generator) of professionals' actions through the services, as in
production: reports, first contacts, explorations, every route of triage, scale-up onto the FACT
board or into a referral, scale-down with a warm handover, aftercare, relapses, crises of each
urgency, concern reports and Wvggz investigations. A script yields how long to wait before its
next step; the scheduler moves the one clock to the earliest waiting resident and fires due
timers on the way, the way the worker does. Delays are drawn from a seeded random generator, so
every run is the same, and spread so that every norm is met by some residents and missed by
others.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import HumanTask
from app.services.instances import lifecycle, timers
from app.services.tasks import actions
from tests.scenarios.support import (
    ANNA,
    CASUSOVERLEG,
    CRISIS,
    DRIEGESPREK,
    EERSTE_CONTACT,
    ESCALATIE,
    EVALUATIE,
    FATIMA,
    GREET,
    HUISARTS,
    KOEN,
    MELDING,
    OVERDRACHT,
    PETRA,
    PLAN,
    PLAN_HERZIEN,
    RUBEN,
    SIGNAAL,
    VERA,
    VRAAGVERKENNING,
    WILMA,
    WIM,
    WVGGZ,
    ZRM_OK,
)

PLACES = [
    ("Noorddam", "Centrum"),
    ("Noorddam", "Oost"),
    ("Noorddam", "Haven"),
    ("Zuidveen", "Dorp"),
    ("Zuidveen", "Molenwijk"),
]
PATHS = ("nulde_lijn", "wmo", "meekijk", "board", "referral", "meldpunt", "crisis", "plan")
URGENCIES = ("1u", "4u", "24u")
EXTRA = {  # follow-up tasks that a boundary timer may open: whoever handles them
    "ut_wachtlijstbemiddeling": (
        VERA,
        {"bemiddeling_uitkomst": "wachttijd_verkort", "bemiddeld_op": "2026-05-01"},
    ),
}


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


class Region:
    def __init__(self, clock, seed: int = 7):
        self.clock = clock
        self.rng = random.Random(seed)
        self.residents = 0

    # -- the scheduler ------------------------------------------------------------------------------
    def run(self, residents: int, spread_days: float = 60, until=None) -> None:
        """Walk the residents; with `until`, stop there and leave the rest of their work open."""
        start = self.clock.now
        queue: list = []
        for n in range(residents):
            at = start + timedelta(days=self.rng.uniform(0, spread_days))
            heapq.heappush(queue, (at, n, self.resident(n)))
        while queue:
            at, n, script = heapq.heappop(queue)
            if until is not None and at > until:
                break
            if at > self.clock.now:
                self.clock.now = at
            timers.fire_due_timers()
            try:
                wait = next(script)
            except StopIteration:
                continue
            heapq.heappush(queue, (self.clock.now + wait, n, script))
        self.residents += residents

    # -- helpers ------------------------------------------------------------------------------------
    def open_task(self, case_id, element: str) -> HumanTask | None:
        db.session.expire_all()
        return db.session.execute(
            select(HumanTask).where(
                HumanTask.case_id == case_id, HumanTask.element_id == element, HumanTask.status == "open"
            )
        ).scalar_one_or_none()

    def settle(self, case_id) -> None:
        """Escalations and mediations a deadline opened: the case director and the insurer act."""
        db.session.expire_all()
        for task in db.session.execute(
            select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.status == "open")
        ).scalars():
            if task.element_id.startswith("ut_esc_"):
                actions.complete(task.id, ESCALATIE, actor=RUBEN)
            elif task.element_id in EXTRA:
                actor, data = EXTRA[task.element_id]
                actions.complete(task.id, data, actor=actor)

    def act(self, case_id, element: str, actor, data: dict, claim: bool = True) -> Iterator[timedelta]:
        """A professional claims the open task, works on it a while, and completes it (some
        complete at once, without claiming)."""
        task = self.open_task(case_id, element)
        assert task is not None, f"{element} is not open in case {case_id}"
        if claim and self.rng.random() < 0.8:
            actions.claim(task.id, actor=actor)
            yield timedelta(minutes=self.rng.uniform(5, 240))
        actions.complete(task.id, data, actor=actor)

    def wait_for(self, case_id, element: str, step: timedelta = timedelta(hours=6)) -> Iterator[timedelta]:
        """Yield until `element` is open in the case (a timer or another pathway opens it)."""
        for _ in range(400):
            if self.open_task(case_id, element) is not None:
                return
            yield step
        raise AssertionError(f"{element} never opened in case {case_id}")

    # -- one resident -------------------------------------------------------------------------------
    def resident(self, n: int) -> Iterator[timedelta]:
        rng = self.rng
        path = PATHS[n % len(PATHS)]
        late = n % 3 == 0  # a third of the residents wait longer than the norms allow
        municipality, wijk = PLACES[n % len(PLACES)]
        melding = {
            **MELDING,
            "bewoner": {**MELDING["bewoner"], "naam": f"Bewoner {n}", "gemeente": municipality, "wijk": wijk},
        }
        if path == "crisis":
            melding.update(acute_signalen=["gevaar_zelf"], urgentie=URGENCIES[(n // len(PATHS)) % 3])
        instance = lifecycle.start_instance(
            "triage",
            actor=HUISARTS,
            subject={"displayName": f"Bewoner {n}"},
            variables={"melder": "huisarts"},
        )
        case = instance.case_id
        yield _hours(rng, 0.2, 3)
        yield from self.act(case, "ut_melding", ANNA, melding)
        if path == "crisis":
            urgency_hours = {"1u": 1, "4u": 4, "24u": 24}[melding["urgentie"]]
            yield _hours(rng, 0.3, urgency_hours * (1.8 if late else 0.7))
            self.settle(case)
            yield from self.act(case, "ut_crisisbeoordeling", KOEN, CRISIS)
        if n % 24 == 23:
            return  # nobody picks this one up: the first contact stays open, past its norm
        # First contact: within 2 working days, or later for the late third.
        yield _hours(rng, 60, 140) if late else _hours(rng, 2, 30)
        self.settle(case)
        yield from self.act(case, "ut_eerste_contact", ANNA, EERSTE_CONTACT)
        yield timedelta(days=rng.uniform(1, 9))
        yield from self._explore(n, case, path, late)

    def _explore(self, n, case, path, late) -> Iterator[timedelta]:
        rng = self.rng
        zrm = dict(ZRM_OK)
        data = {**VRAAGVERKENNING, "vier_d_knelpunten": ["praktisch"]}
        if path in ("wmo", "plan"):
            zrm["financien"] = 2
        elif path == "meekijk":
            zrm["geestelijke_gezondheid"] = 2
        elif path in ("board", "referral"):
            zrm["geestelijke_gezondheid"] = 2
            data["bekend_bij_fact"] = True
        elif path == "meldpunt":
            data["weigert_zorg_ernstig_nadeel"] = True
        yield from self.act(case, "ut_vraagverkenning", PETRA, {**data, "zrm": zrm})
        yield _hours(rng, 2, 48)
        self.settle(case)
        if path in ("nulde_lijn", "crisis"):
            yield from self.act(case, "ut_nulde_lijn", PETRA, {"ingezet": ["steunkring"]})
            yield from self.wait_for(case, "ut_vervolgcontact")
            yield _hours(rng, 1, 100)
            yield from self.act(
                case, "ut_vervolgcontact", PETRA, {"hoe_gaat_het": 7, "meer_steun_nodig": False}
            )
        elif path in ("wmo", "plan", "meekijk"):
            if path == "meekijk":
                yield from self.act(
                    case, "ut_meekijkconsult", FATIMA, {"advies": "ambulant", "advies_opschalen": False}
                )
                yield _hours(rng, 2, 72)
            yield from self.act(case, "ut_plan", RUBEN, {**PLAN, "wmo_voorziening_nodig": path == "wmo"})
            if path == "wmo":
                yield timedelta(days=rng.uniform(30, 55) if late else rng.uniform(5, 35))
                self.settle(case)
                yield from self.act(
                    case, "ut_wmo_onderzoek", WIM,
                    {"gesprek_datum": "2026-04-01", "verslag_gedeeld": True, "aanvraag_ingediend": True},
                )  # fmt: skip
                yield timedelta(days=rng.uniform(12, 20) if late else rng.uniform(2, 12))
                self.settle(case)
                yield from self.act(
                    case, "ut_wmo_besluit", WIM, {"besluit": "toegekend", "motivering": "passend"}
                )
                yield _hours(rng, 1, 5)
                self.settle(case)
        elif path == "meldpunt":
            yield from self.act(
                case, "ut_casusoverleg", RUBEN,
                {**CASUSOVERLEG, "route": "meldpunt_wvggz", "leercasus": n % 2 == 1,
                 "leervraag": "Hoe bereiken we zorgmijders eerder?"},
            )  # fmt: skip
            yield _hours(rng, 70, 120) if late else _hours(rng, 1, 40)
            self.settle(case)
            yield from self.act(
                case, "ut_meldpunt", GREET,
                {"opgepakt_op": "2026-03-05", "bewoner_bereikt": True, "vervolg_meldpunt": "wvggz"},
            )  # fmt: skip
            yield timedelta(days=rng.uniform(15, 20) if late else rng.uniform(3, 12))
            self.settle(case)
            yield from self.act(case, "ut_wvggz_onderzoek", WILMA, WVGGZ)
            yield _hours(rng, 1, 5)
            self.settle(case)
        else:
            yield from self._scale_up(n, case, path, late)

    def _scale_up(self, n, case, path, late) -> Iterator[timedelta]:
        rng = self.rng
        yield from self.wait_for(case, "ut_signaal", timedelta(minutes=30))
        yield _hours(rng, 30, 60) if late else _hours(rng, 1, 20)
        self.settle(case)
        referral = path == "referral"
        yield from self.act(case, "ut_signaal", FATIMA, {**SIGNAAL, "bekend_bij_fact": not referral})
        yield _hours(rng, 2, 20)
        if referral:
            yield timedelta(days=rng.uniform(30, 50) if late else rng.uniform(7, 25))
            self.settle(case)
            yield from self.act(
                case, "ut_intake", FATIMA, {"intake_datum": "2026-04-02", "aanbieder": "GGZ Regio"}
            )
            yield timedelta(days=rng.uniform(60, 80) if late else rng.uniform(10, 50))
            self.settle(case)
            yield from self.act(case, "ut_start_behandeling", FATIMA, {"start_datum": "2026-06-15"})
        else:
            yield from self.act(
                case, "ut_bordbesluit", FATIMA, {"op_fact_bord": True, "bord_reden": "dreigende ontregeling"}
            )
            days = 2 + n % 5
            for day in range(days):
                yield from self.wait_for(case, "ut_bordbespreking", timedelta(hours=4))
                yield _hours(rng, 0.5, 6)
                yield from self.act(
                    case, "ut_bordbespreking", FATIMA,
                    {"op_fact_bord": day < days - 1, "bord_reden": f"dag {day + 1}"},
                )  # fmt: skip
        yield _hours(rng, 2, 60)
        self.settle(case)
        yield from self.act(case, "ut_plan_herzien", RUBEN, PLAN_HERZIEN)
        if referral:
            return
        # P3: evaluation, warm handover, aftercare
        yield from self.wait_for(case, "ut_evaluatie", timedelta(hours=1))
        yield timedelta(days=rng.uniform(2, 10))
        yield from self.act(case, "ut_evaluatie", RUBEN, {**EVALUATIE, "weken_zonder_crisis": 10})
        yield _hours(rng, 2, 30)
        yield from self.act(case, "ut_overdracht", RUBEN, OVERDRACHT)
        yield timedelta(days=rng.uniform(8, 12) if late else rng.uniform(0.2, 4))
        self.settle(case)
        yield from self.act(
            case,
            "ut_overdracht_accepteren",
            ANNA,
            {"overdracht_geaccepteerd": True, "contactpersoon": "Anna"},
        )
        yield _hours(rng, 2, 48)
        yield from self.act(case, "ut_driegesprek", ANNA, DRIEGESPREK)
        yield from self.wait_for(case, "ut_nazorg_2w")
        yield timedelta(days=rng.uniform(4, 8) if late else rng.uniform(0.1, 2))
        yield from self.act(case, "ut_nazorg_2w", PETRA, {"terugval": False})
        yield from self.wait_for(case, "ut_nazorg_3m")
        yield timedelta(days=rng.uniform(0.1, 2))
        relapse = (n // len(PATHS)) % 2 == 0
        yield from self.act(
            case, "ut_nazorg_3m", ANNA,
            {"terugval": True, "signalen": ["gemiste_contacten"], "urgentie": "24u"} if relapse
            else {"terugval": False},
        )  # fmt: skip
        if relapse:
            yield from self.wait_for(case, "ut_signaal", timedelta(minutes=30))
            yield _hours(rng, 1, 20)
            yield from self.act(case, "ut_signaal", RUBEN, {**SIGNAAL, "bekend_bij_fact": True})
