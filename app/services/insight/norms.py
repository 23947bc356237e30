"""The time norms of ../shared/domain.md that the pathways model, as one declarative table.

Each norm names the history event that starts its clock and the one that stops it, by kind and
diagram element id (processes/*.bpmn; the events are `history_events` rows), and its limit. The
rollup (`rollup.py`) turns every pair into a measurement; nothing else in the code knows which
element belongs to which norm.

Working days are Monday to Friday, as the diagrams' due dates count them (no holidays). Calendar
limits add ISO 8601 durations the way the engine's timers do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.engine.script_library import add_working_days
from app.engine.task_attributes import duration_from

# An open measurement is "at risk" once this share of its time is used (and "over" past it all).
RISK_SHARE = 0.75


@dataclass(frozen=True)
class Event:
    """A history event: `kind` (task_created, task_completed) of diagram element `element`."""

    kind: str
    element: str


@dataclass(frozen=True)
class Norm:
    key: str
    title: dict[str, str]  # {"nl": ..., "en": ...}
    source: str  # the norm as ../shared/domain.md states it
    processes: tuple[str, ...]  # the pathways (instance process keys) whose history holds the events
    start: Event
    end: Event
    responsible: str  # the element whose lane (group) is the responsible team
    durations: tuple[str, ...] = ()  # ISO 8601 durations added in turn
    working_days: int = 0
    priority: int | None = None  # only tasks of this priority (the crisis urgency tiers)

    def deadline(self, start: datetime) -> datetime:
        due = start
        for duration in self.durations:
            due = duration_from(due, duration)
        if self.working_days:
            due = add_working_days(due, self.working_days)
        return due

    def risk_moment(self, start: datetime) -> datetime:
        return start + (self.deadline(start) - start) * RISK_SHARE

    @property
    def single_task(self) -> bool:
        """Started and stopped by the same task (created → completed): paired by task id."""
        return self.start.element == self.end.element

    def limit_text(self, lang: str) -> str:
        parts = [_duration_text(d, lang) for d in self.durations]
        if self.working_days:
            unit = "werkdag" if lang == "nl" else "working day"
            plural = {"nl": "en", "en": "s"}[lang] if self.working_days != 1 else ""
            parts.append(f"{self.working_days} {unit}{plural}")
        return " + ".join(parts)

    def definition(self, lang: str) -> str:
        """How this norm is measured, in words (shown beside its figures)."""
        start, end = _event_text(self.start, lang), _event_text(self.end, lang)
        limit = self.limit_text(lang)
        tier = ""
        if self.priority is not None:
            tier = (
                f" Alleen taken met prioriteit {self.priority} (deze urgentie)."
                if lang == "nl"
                else f" Only tasks with priority {self.priority} (this urgency)."
            )
        if lang == "nl":
            return (
                f"De klok start bij {start} en stopt bij {end}. Gehaald: gestopt binnen {limit} na de "
                f"start.{tier} Team: de lane van {self.responsible}."
            )
        return (
            f"The clock starts at {start} and stops at {end}. Met: stopped within {limit} of the "
            f"start.{tier} Team: the lane of {self.responsible}."
        )

    def as_dict(self, lang: str = "nl") -> dict:
        return {
            "key": self.key,
            "title": self.title[lang],
            "source": self.source,
            "processes": list(self.processes),
            "start": {"kind": self.start.kind, "elementId": self.start.element},
            "end": {"kind": self.end.kind, "elementId": self.end.element},
            "limit": self.limit_text(lang),
            "priority": self.priority,
            "definition": self.definition(lang),
        }


def _event_text(event: Event, lang: str) -> str:
    words = {
        "nl": {"task_created": "het openen van taak", "task_completed": "het afronden van taak"},
        "en": {"task_created": "the creation of task", "task_completed": "the completion of task"},
    }
    return f"{words[lang][event.kind]} {event.element}"


def _duration_text(iso: str, lang: str) -> str:
    units = {
        "nl": {"H": ("uur", "uur"), "D": ("dag", "dagen"), "W": ("week", "weken"), "M": ("maand", "maanden")},
        "en": {
            "H": ("hour", "hours"),
            "D": ("day", "days"),
            "W": ("week", "weeks"),
            "M": ("month", "months"),
        },
    }[lang]
    number, unit = int(iso.strip("PT")[:-1]), iso[-1]  # the table's durations: one number, one unit
    return f"{number} {units[unit][0 if number == 1 else 1]}"


CREATED, COMPLETED = "task_created", "task_completed"


def _task(kind: str, element: str) -> Event:
    return Event(kind, element)


NORMS: tuple[Norm, ...] = (
    Norm(
        key="crisis-1u",
        title={"nl": "Crisisdienst: topurgentie (1 uur)", "en": "Crisis service: top urgency (1 hour)"},
        source="crisis service, top urgency: on site within 1 hour",
        processes=("crisisbeoordeling",),
        start=_task(CREATED, "ut_crisisbeoordeling"),
        end=_task(COMPLETED, "ut_crisisbeoordeling"),
        responsible="ut_crisisbeoordeling",
        durations=("PT1H",),
        priority=100,
    ),
    Norm(
        key="crisis-4u",
        title={"nl": "Crisisdienst: binnen 4 uur", "en": "Crisis service: within 4 hours"},
        source="crisis service, next urgency: within 4 hours",
        processes=("crisisbeoordeling",),
        start=_task(CREATED, "ut_crisisbeoordeling"),
        end=_task(COMPLETED, "ut_crisisbeoordeling"),
        responsible="ut_crisisbeoordeling",
        durations=("PT4H",),
        priority=90,
    ),
    Norm(
        key="crisis-24u",
        title={"nl": "Crisisdienst: binnen 24 uur", "en": "Crisis service: within 24 hours"},
        source="crisis service, urgency range 1–24 h: within 24 hours",
        processes=("crisisbeoordeling",),
        start=_task(CREATED, "ut_crisisbeoordeling"),
        end=_task(COMPLETED, "ut_crisisbeoordeling"),
        responsible="ut_crisisbeoordeling",
        durations=("PT24H",),
        priority=75,
    ),
    Norm(
        key="meldpunt",
        title={"nl": "Meldpunt zorg en overlast: opgepakt", "en": "Concern report picked up"},
        source="concern report (meldpunt zorg en overlast): picked up within 2 working days",
        processes=("triage",),
        start=_task(CREATED, "ut_meldpunt"),
        end=_task(COMPLETED, "ut_meldpunt"),
        responsible="ut_meldpunt",
        working_days=2,
    ),
    Norm(
        key="eerste-contact",
        title={"nl": "Eerste contact", "en": "First contact"},
        source="P1 triage: first contact within 2 working days",
        processes=("triage",),
        start=_task(CREATED, "ut_eerste_contact"),
        end=_task(COMPLETED, "ut_eerste_contact"),
        responsible="ut_eerste_contact",
        working_days=2,
    ),
    Norm(
        key="signaal",
        title={"nl": "Signaal beoordeeld", "en": "Signal assessed"},
        source="P2 scale-up: assess the signal within 1 working day",
        processes=("opschalen",),
        start=_task(CREATED, "ut_signaal"),
        end=_task(COMPLETED, "ut_signaal"),
        responsible="ut_signaal",
        working_days=1,
    ),
    Norm(
        key="overdracht",
        title={"nl": "Warme overdracht geaccepteerd", "en": "Warm handover accepted"},
        source="P3 scale-down: the receiver accepts the handover within 5 working days",
        processes=("afschalen",),
        start=_task(CREATED, "ut_overdracht_accepteren"),
        end=_task(COMPLETED, "ut_overdracht_accepteren"),
        responsible="ut_overdracht_accepteren",
        working_days=5,
    ),
    Norm(
        key="treeknorm-intake",
        title={"nl": "Treeknorm: intake (4 weken)", "en": "Treeknorm: intake (4 weeks)"},
        source="regular specialist mental-health care: intake within 4 weeks (Treeknorm)",
        processes=("opschalen", "verwijzing"),
        start=_task(CREATED, "ut_intake"),
        end=_task(COMPLETED, "ut_intake"),
        responsible="ut_intake",
        durations=("P4W",),
    ),
    Norm(
        key="treeknorm-behandeling",
        title={"nl": "Treeknorm: behandeling (14 weken)", "en": "Treeknorm: treatment (14 weeks)"},
        source="regular specialist mental-health care: treatment within 14 weeks (Treeknorm)",
        processes=("opschalen", "verwijzing"),
        start=_task(CREATED, "ut_intake"),
        end=_task(COMPLETED, "ut_start_behandeling"),
        responsible="ut_start_behandeling",
        durations=("P14W",),
    ),
    Norm(
        key="wmo-onderzoek",
        title={"nl": "Wmo-onderzoek (6 weken)", "en": "Wmo investigation (6 weeks)"},
        source="social-support act (Wmo): investigation within 6 weeks of the report",
        processes=("triage",),
        start=_task(CREATED, "ut_wmo_onderzoek"),
        end=_task(COMPLETED, "ut_wmo_onderzoek"),
        responsible="ut_wmo_onderzoek",
        durations=("P6W",),
    ),
    Norm(
        key="wmo-besluit",
        title={"nl": "Wmo-besluit (2 weken)", "en": "Wmo decision (2 weeks)"},
        source="social-support act (Wmo): decision within 2 weeks of the application",
        processes=("triage",),
        start=_task(CREATED, "ut_wmo_besluit"),
        end=_task(COMPLETED, "ut_wmo_besluit"),
        responsible="ut_wmo_besluit",
        durations=("P2W",),
    ),
    Norm(
        key="wvggz-onderzoek",
        title={"nl": "Wvggz: verkennend onderzoek (14 dagen)", "en": "Wvggz: exploratory investigation"},
        source="compulsory-care act (Wvggz): exploratory investigation within 14 days",
        processes=("triage", "opschalen"),
        start=_task(CREATED, "ut_wvggz_onderzoek"),
        end=_task(COMPLETED, "ut_wvggz_onderzoek"),
        responsible="ut_wvggz_onderzoek",
        durations=("P14D",),
    ),
    Norm(
        key="nazorg-2w",
        title={"nl": "Nazorgcontact na 2 weken", "en": "Aftercare contact at 2 weeks"},
        source="P3 aftercare: contact 2 weeks after the handover (timer P2W, then the contact's due P3D)",
        processes=("afschalen",),
        start=_task(COMPLETED, "ut_driegesprek"),
        end=_task(COMPLETED, "ut_nazorg_2w"),
        responsible="ut_nazorg_2w",
        durations=("P2W", "P3D"),
    ),
    Norm(
        key="nazorg-3m",
        title={"nl": "Nazorgcontact na 3 maanden", "en": "Aftercare contact at 3 months"},
        source="P3 aftercare: contact 3 months after the handover (then the contact's due P3D)",
        processes=("afschalen",),
        start=_task(COMPLETED, "ut_driegesprek"),
        end=_task(COMPLETED, "ut_nazorg_3m"),
        responsible="ut_nazorg_3m",
        durations=("P3M", "P3D"),
    ),
)

BY_KEY = {norm.key: norm for norm in NORMS}

# Which norms an event may start or stop, looked up per history row by the rollup.
STARTS: dict[tuple[str, str], tuple[Norm, ...]] = {}
ENDS: dict[tuple[str, str], tuple[Norm, ...]] = {}
for _norm in NORMS:
    _start, _end = (_norm.start.kind, _norm.start.element), (_norm.end.kind, _norm.end.element)
    STARTS[_start] = (*STARTS.get(_start, ()), _norm)
    ENDS[_end] = (*ENDS.get(_end, ()), _norm)


# What each figure means: written beside the figures on every page and in the API.
MEASURES = {
    "nl": {
        "period": "Een meting hoort bij de week of maand waarin de klok startte (Europe/Amsterdam).",
        "measured": "Metingen: het aantal keer dat de klok startte (geannuleerde paden niet meegeteld).",
        "residents": "Bewoners: het aantal verschillende casussen in de cel.",
        "met": "Gehaald: het aandeel gestopte metingen die binnen de norm stopten, van alle gestopte "
        "metingen plus de open metingen die de norm al voorbij zijn.",
        "median": "Mediaan: de kleinste doorlooptijd waarbinnen ten minste de helft van de gestopte "
        "metingen stopte (nearest rank).",
        "p90": "P90: de kleinste doorlooptijd waarbinnen ten minste 90% van de gestopte metingen "
        "stopte (nearest rank).",
        "at_risk": "Open, in gevaar: nog niet gestopt en ten minste 75% van de normtijd verstreken "
        "(inclusief 'over de norm').",
        "overdue": "Over de norm: nog niet gestopt en de normtijd is voorbij.",
        "suppressed": "Cellen met minder dan k bewoners tonen '< k' en geen verdere cijfers.",
    },
    "en": {
        "period": "A measurement belongs to the week or month its clock started (Europe/Amsterdam).",
        "measured": "Measured: how often the clock started (cancelled pathways not counted).",
        "residents": "Residents: the number of different cases in the cell.",
        "met": "Met: the share of stopped measurements that stopped within the norm, out of all "
        "stopped measurements plus the open ones already past the norm.",
        "median": "Median: the smallest time within which at least half of the stopped measurements "
        "stopped (nearest rank).",
        "p90": "P90: the smallest time within which at least 90% of the stopped measurements stopped "
        "(nearest rank).",
        "at_risk": "Open, at risk: not stopped and at least 75% of the norm's time used (including "
        "'overdue').",
        "overdue": "Overdue: not stopped and the norm's time is up.",
        "suppressed": "Cells with fewer than k residents show '< k' and no further figures.",
    },
}
