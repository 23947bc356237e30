"""The web pages through Flask's test client: login, inbox, task form, start, case."""

from __future__ import annotations

import re

from tests.audit.conftest import audit_rows
from tests.web.conftest import csrf_token
from tests.web.support import start_report


def _open_task_id(instance_id):
    from app.extensions import db
    from app.models import HumanTask

    return db.session.query(HumanTask).filter_by(instance_id=instance_id, status="open").one().id


def test_root_redirects_to_the_inbox_and_the_inbox_to_login(care, client):
    assert client.get("/").headers["Location"].endswith("/inbox")
    response = client.get("/inbox")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_inbox_lists_counts_and_relative_due(care, login):
    client = login("anna")
    start_report()
    page = client.get("/inbox?list=teams")
    assert page.status_code == 200
    assert "Melding vastleggen" in page.text
    assert "Mw. Jansen" in page.text
    assert re.search(r'<time class="due [^"]*" datetime="[^"]+" title="[^"]+">over 4 uur</time>', page.text)
    assert "Mijn teams" in page.text


def test_inbox_counts_beyond_the_cap_show_a_plus(care, login, monkeypatch):
    from app.services.tasks import queries as task_queries

    client = login("anna")
    for n in range(3):
        start_report(name=f"Bewoner {n}")
    exact = client.get("/inbox?list=all").text
    assert re.search(r'<span class="count" aria-label="3 taken">3</span>', exact)
    monkeypatch.setattr(task_queries, "COUNT_CAP", 2)
    page = client.get("/inbox?list=all")
    assert re.search(r'<span class="count" aria-label="meer dan 2 taken">2\+</span>', page.text)
    assert "van meer dan 2 getoond" in page.text
    english = client.get("/inbox?list=all&lang=en").text
    assert re.search(r'<span class="count" aria-label="more than 2 tasks">2\+</span>', english)


def test_inbox_filters_by_name_and_overdue(care, login):
    client = login("anna")
    start_report()
    assert "Melding vastleggen" not in client.get("/inbox?list=all&q=huisbezoek").text
    assert "Melding vastleggen" in client.get("/inbox?list=all&q=MELDING").text
    assert "Melding vastleggen" not in client.get("/inbox?list=all&overdue=1").text
    care.advance(hours=5)
    client = login("anna")  # five idle hours ended the session (ZORGPAD_SESSION_IDLE_MINUTES)
    page = client.get("/inbox?list=all&overdue=1")
    assert "Melding vastleggen" in page.text
    assert "1 uur te laat" in page.text
    assert "due-overdue" in page.text


def test_claim_then_complete_with_a_validation_error_kept_at_its_field(care, login):
    client = login("anna")
    task_id = _open_task_id(start_report().id)
    page = client.get(f"/tasks/{task_id}")
    token = csrf_token(page.text)
    assert client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token}).status_code == 302
    form = {
        "csrf_token": token,
        "action": "complete",
        "bewoner.adres": "Dorpsstraat 1",
        "vraag_eigen_woorden": "Ik red het niet meer",
        "melder_rol": "huisarts",
        "toestemming_bewoner": "ja",
    }
    response = client.post(f"/tasks/{task_id}/complete", data=form)
    assert response.status_code == 422
    # The missing name is reported at its own field, and what was typed is still there.
    assert re.search(r'id="f-bewoner-naam-error">Verplicht', response.text)
    assert 'value="Dorpsstraat 1"' in response.text
    assert "Ik red het niet meer</textarea>" in response.text
    form["bewoner.naam"] = "Mw. Jansen"
    response = client.post(f"/tasks/{task_id}/complete", data=form)
    assert response.status_code == 302, response.text


def test_save_draft_keeps_the_data_without_completing(care, login):
    client = login("anna")
    task_id = _open_task_id(start_report().id)
    token = csrf_token(client.get(f"/tasks/{task_id}").text)
    client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token})
    response = client.post(
        f"/tasks/{task_id}/complete",
        data={"csrf_token": token, "action": "draft", "vraag_eigen_woorden": "Halverwege"},
    )
    assert response.status_code == 302
    assert "Halverwege</textarea>" in client.get(f"/tasks/{task_id}").text


def test_a_colleague_of_another_organisation_gets_404(care, login):
    task_id = _open_task_id(start_report().id)
    client = login("fatima")
    response = client.get(f"/tasks/{task_id}")
    assert response.status_code == 404
    assert "Mw. Jansen" not in response.text


def test_start_a_report_opens_its_first_step_filled_in(care, login):
    client = login("anna")
    page = client.get("/start")
    assert page.status_code == 200
    token = csrf_token(page.text)
    response = client.post(
        "/start",
        data={
            "csrf_token": token,
            "bewoner.naam": "Dhr. De Wit",
            "vraag_eigen_woorden": "Schulden en eenzaam",
            "melder_rol": "bewoner",
            "toestemming_bewoner": "ja",
        },
    )
    assert response.status_code == 302
    assert "/tasks/" in response.headers["Location"]
    assert "Dhr. De Wit" not in response.headers["Location"]
    task_page = client.get(response.headers["Location"])
    assert "Schulden en eenzaam</textarea>" in task_page.text


def test_a_group_that_may_not_start_sees_no_start_form(care, login):
    client = login("fatima")
    assert client.get("/start").status_code == 403


def test_case_page_for_the_involved_and_404_for_others(care, login, db):
    instance = start_report()
    client = login("anna")
    page = client.get(f"/cases/{instance.case_id}")
    assert page.status_code == 200
    assert 'data-active="ut_melding"' in page.text
    [read] = audit_rows(db, event_type="case.read")  # NEN 7513: opening a case file is a read
    assert (read.user, read.case_id) == ("anna", instance.case_id)
    assert read.details == {"instances": [str(instance.id)]}
    assert client.get(f"/instances/{instance.id}/diagram.bpmn").text.startswith("<?xml")
    other = login("fatima")
    assert other.get(f"/cases/{instance.case_id}").status_code == 404
    assert other.get(f"/instances/{instance.id}/diagram.bpmn").status_code == 404
    assert len(audit_rows(db, event_type="case.read")) == 1  # a refused page logs no read



def test_english_is_selectable_and_remembered(care, login):
    client = login("anna")
    assert "My tasks" in client.get("/inbox?lang=en").text
    assert "My tasks" in client.get("/inbox").text
    assert "Mijn taken" in client.get("/inbox?lang=nl").text


def test_assign_to_a_colleague_of_the_group_and_comment(care, login):
    client = login("anna")
    task_id = _open_task_id(start_report().id)
    page = client.get(f"/tasks/{task_id}")
    assert '<option value="ruben">Ruben Bakker</option>' in page.text
    assert 'value="fatima"' not in page.text  # not in the task's group
    token = csrf_token(page.text)
    response = client.post(f"/tasks/{task_id}/comments", data={"csrf_token": token, "text": "Bel na 14 uur"})
    assert response.status_code == 302
    assert (
        client.post(f"/tasks/{task_id}/assign", data={"csrf_token": token, "assignee": "ruben"}).status_code
        == 302
    )
    ruben = login("ruben")
    page = ruben.get(f"/tasks/{task_id}")
    assert "Bel na 14 uur" in page.text
    assert "bij Ruben Bakker" in page.text
    assert "Melding vastleggen" in ruben.get("/inbox?list=mine").text


def test_assigning_outside_the_group_is_refused(care, login):
    client = login("anna")
    task_id = _open_task_id(start_report().id)
    token = csrf_token(client.get(f"/tasks/{task_id}").text)
    response = client.post(f"/tasks/{task_id}/assign", data={"csrf_token": token, "assignee": "fatima"})
    assert response.status_code == 422
