"""Read-only form fields are the service's: shown from the open task, taken from it at completion.

The fortnightly learning session (`leren`) is the real case: its required `leercasussen` list is
filled by a data source when the task opens; a professional adds the session date and points.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models import Case, HumanTask
from tests.support import flagged_case_meeting
from tests.web.conftest import csrf_token

QUESTION = "Hoe betrek je het netwerk eerder?"


@pytest.fixture
def session_task(care, db):
    """A case flagged as learning case at a case meeting, then the session task that lists it."""
    from app.services.access.actors import SYSTEM
    from app.services.instances import lifecycle as instances
    from app.services.instances import timers

    clock = care
    leren = instances.start_instance("leren", actor=SYSTEM)
    resident = Case(pseudonym="Z-ABC", display_name="Mw. Geheim", created_at=clock.now)
    db.session.add(resident)
    db.session.commit()
    clock.advance(days=3)
    flagged_case_meeting(db, clock, resident, True, QUESTION)
    clock.advance(days=12)
    assert timers.fire_due_timers() >= 1
    db.session.expire_all()
    return db.session.execute(
        select(HumanTask).where(HumanTask.instance_id == leren.id, HumanTask.status == "open")
    ).scalar_one()


def test_the_form_shows_the_service_filled_list_and_completes_without_it(session_task, login, db):
    client = login("ruben")
    page = client.get(f"/tasks/{session_task.id}")
    assert page.status_code == 200
    assert QUESTION in page.text and "LC-" in page.text
    assert "Opschalen naar specialistische zorg" in page.text  # the option's title, not its value
    assert "Mw. Geheim" not in page.text and "Z-ABC" not in page.text
    # The cases to discuss are chosen from the listed ones (x-ui optionsFrom).
    [label] = re.findall(r'name="besproken" value="(LC-[0-9A-F]{8})"', page.text)
    token = csrf_token(page.text)
    assert client.post(f"/tasks/{session_task.id}/claim", data={"csrf_token": token}).status_code == 302
    response = client.post(
        f"/tasks/{session_task.id}/complete",
        data={
            "csrf_token": token,
            "action": "complete",
            "sessiedatum": "2026-03-18",
            "besproken": label,
            # A forged post cannot replace what the service listed.
            "leercasussen.0.pseudoniem": "vervalst",
            "leercasussen.0.leervraag": "vervalst",
        },
    )
    assert response.status_code == 302, response.text
    db.session.expire_all()
    done = db.session.get(HumanTask, session_task.id)
    assert done.status == "completed" and done.data["sessiedatum"] == "2026-03-18"
    assert done.data["besproken"] == [label]
    [listed] = done.data["leercasussen"]
    assert listed["leervraag"] == QUESTION and listed["pseudoniem"].startswith("LC-")


def test_the_api_shows_the_list_and_replaces_a_sent_one(session_task, app, db):
    from app.services.access import identity

    headers = {"Authorization": f"Bearer {identity.issue_token('ruben')}"}
    client = app.test_client()
    detail = client.get(f"/api/v1/tasks/{session_task.id}", headers=headers)
    assert detail.status_code == 200
    [shown] = detail.get_json()["data"]["leercasussen"]
    assert shown["leervraag"] == QUESTION
    forged = [{"pseudoniem": "LC-00000000", "leervraag": "vervalst"}]
    response = client.post(
        f"/api/v1/tasks/{session_task.id}/complete",
        json={"data": {"sessiedatum": "2026-03-18", "leercasussen": forged}},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    assert db.session.get(HumanTask, session_task.id).data["leercasussen"] == [shown]


def test_a_case_to_discuss_must_be_one_the_service_listed(session_task, app, db):
    # x-ui optionsFrom is kept on the server too: a pseudonym that was not listed is refused,
    # and the task stays open with nothing written.
    from app.services.access import identity

    headers = {"Authorization": f"Bearer {identity.issue_token('ruben')}"}
    client = app.test_client()
    detail = client.get(f"/api/v1/tasks/{session_task.id}", headers=headers).get_json()
    [listed] = detail["data"]["leercasussen"]
    refused = client.post(
        f"/api/v1/tasks/{session_task.id}/complete",
        json={"data": {"sessiedatum": "2026-03-18", "besproken": [listed["pseudoniem"], "LC-DEADBEEF"]}},
        headers=headers,
    )
    assert refused.status_code == 422, refused.get_json()
    assert refused.content_type == "application/problem+json"
    assert "LC-DEADBEEF" in refused.get_json()["errors"]["besproken/1"][0]
    assert "besproken/0" not in refused.get_json()["errors"]
    db.session.expire_all()
    assert db.session.get(HumanTask, session_task.id).status == "open"
    accepted = client.post(
        f"/api/v1/tasks/{session_task.id}/complete",
        json={"data": {"sessiedatum": "2026-03-18", "besproken": [listed["pseudoniem"]]}},
        headers=headers,
    )
    assert accepted.status_code == 200, accepted.get_json()
