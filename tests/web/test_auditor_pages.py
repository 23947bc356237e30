"""Auditor pages, incidents and the modeller through Flask's test client, on both databases."""

from __future__ import annotations

import io

from tests.support import fixture_files
from tests.web.conftest import csrf_token
from tests.web.support import start_report


def _audit_rows(event_type: str) -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import AuditEvent

    db.session.expire_all()
    return db.session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.event_type == event_type)
    ).scalar_one()


def test_auditor_answers_who_saw_a_resident_and_why_the_pathway_went_its_way(care, login):
    instance = start_report()
    anna = login("anna")
    assert anna.get(f"/cases/{instance.case_id}").status_code == 200
    audrey = login("audrey")
    home = audrey.get("/audit")
    assert home.status_code == 200
    assert "Wie zag de gegevens van deze cliënt?" in home.text
    assert 'href="/audit"' in home.text  # in the header for auditors

    from app.extensions import db
    from app.models import Case

    pseudonym = db.session.get(Case, instance.case_id).pseudonym
    page = audrey.post("/audit/client", data={"case": pseudonym, "csrf_token": csrf_token(home.text)})
    assert page.status_code == 200, page.text
    assert pseudonym in page.text and "anna" in page.text.lower()
    assert f"/audit/instances/{instance.id}" in page.text
    assert _audit_rows("audit.client-view.read") == 1
    assert audrey.get(f"/audit/cases/{instance.case_id}").status_code == 200

    history = audrey.get(f"/audit/instances/{instance.id}")
    assert history.status_code == 200
    assert "Melding vastleggen" in history.text and 'data-done="' in history.text
    assert "mislukt" not in history.text  # outcome 0 (success) everywhere
    assert f'data-diagram-url="/audit/instances/{instance.id}/diagram.bpmn"' in history.text
    assert _audit_rows("audit.timeline.read") == 1
    diagram = audrey.get(f"/audit/instances/{instance.id}/diagram.bpmn")
    assert diagram.status_code == 200 and b"bpmn:definitions" in diagram.data

    lookup = audrey.post(
        "/audit/instance", data={"instance": str(instance.id), "csrf_token": csrf_token(home.text)}
    )
    assert lookup.status_code == 302 and lookup.headers["Location"].endswith(
        f"/audit/instances/{instance.id}"
    )
    unknown = audrey.post("/audit/client", data={"case": "nobody", "csrf_token": csrf_token(home.text)})
    assert unknown.status_code == 404


def test_audit_search_pages_and_exports(care, login):
    start_report()
    audrey = login("audrey")
    result = audrey.get("/audit?user=anna&action=C&search=1")
    assert result.status_code == 200
    assert "gebeurtenissen" in result.text and "/audit/instances/" in result.text
    assert _audit_rows("audit.searched") == 1
    assert "/audit/export/csv?user=anna&amp;action=C" in result.text
    for fmt, marker in (
        ("csv", "seq,eventId"),
        ("jsonl", '"eventType"'),
        ("fhir", "AuditEvent"),
        ("xes", "<log"),
    ):
        export = audrey.get(f"/audit/export/{fmt}?user=anna")
        assert export.status_code == 200 and marker in export.text, fmt
        assert "attachment" in export.headers["Content-Disposition"]
    assert _audit_rows("audit.exported") == 4
    assert audrey.get("/audit/export/pdf").status_code == 404


def test_other_roles_get_403_on_every_audit_page_and_no_link(care, login):
    instance = start_report()
    anna = login("anna")
    inbox = anna.get("/inbox")
    assert 'href="/audit"' not in inbox.text and 'href="/incidents"' not in inbox.text
    token = csrf_token(inbox.text)
    for path in (
        "/audit",
        "/audit?user=anna",
        f"/audit/instances/{instance.id}",
        f"/audit/instances/{instance.id}/diagram.bpmn",
        f"/audit/cases/{instance.case_id}",
        "/audit/export/csv",
        "/incidents",
        "/modeller/",
    ):
        assert anna.get(path).status_code == 403, path
    assert (
        anna.post("/audit/client", data={"case": str(instance.case_id), "csrf_token": token}).status_code
        == 403
    )
    assert _audit_rows("audit.client-view.read") == 0


def test_audit_posts_need_the_csrf_token(care, login):
    audrey = login("audrey")
    assert audrey.post("/audit/client", data={"case": "x"}).status_code == 400
    assert audrey.post("/audit/instance", data={"instance": "x"}).status_code == 400


def _incident(deploy, clock):
    from app.services.access.actors import SYSTEM
    from app.services.instances import lifecycle as instances
    from app.services.instances import timers

    files = fixture_files("timer_script.bpmn")
    files["timer_script.bpmn"] = files["timer_script.bpmn"].replace(b"SCRIPT", b"uitkomst = 10 / deler")
    deploy(files=files)
    bad = instances.start_instance("timer_script", actor=SYSTEM, variables={"deler": 0})
    clock.advance(hours=2)
    timers.fire_due_timers()
    return bad


def test_incidents_list_retry_and_correct(care, deploy, login):
    bad = _incident(deploy, care)
    olaf = login("olaf")
    page = olaf.get("/incidents")
    assert page.status_code == 200
    assert 'href="/incidents"' in page.text and 'href="/modeller/"' in page.text
    assert str(bad.id) in page.text and "compute" in page.text and "division" in page.text.lower()
    token = csrf_token(page.text)

    assert olaf.post(f"/incidents/{bad.id}/retry").status_code == 400  # no CSRF token
    again = olaf.post(f"/incidents/{bad.id}/retry", data={"csrf_token": token})
    assert again.status_code == 422 and "De stap mislukte opnieuw" in again.text

    broken = olaf.post(f"/incidents/{bad.id}/correct", data={"csrf_token": token, "variables": "{deler: 2"})
    assert broken.status_code == 422 and "Geen geldige JSON" in broken.text
    assert "{deler: 2</textarea>" in broken.text  # what was typed stays
    not_object = olaf.post(f"/incidents/{bad.id}/correct", data={"csrf_token": token, "variables": "[1]"})
    assert not_object.status_code == 422

    fixed = olaf.post(f"/incidents/{bad.id}/correct", data={"csrf_token": token, "variables": '{"deler": 2}'})
    assert fixed.status_code == 302
    after = olaf.get("/incidents")
    assert "De stap is opnieuw uitgevoerd" in after.text and str(bad.id) not in after.text


def test_modeller_uses_the_session_and_csrf(care, login):
    olaf = login("olaf")
    page = olaf.get("/modeller/")
    assert page.status_code == 200
    assert "<script>" not in page.text and "sessionStorage" not in page.text and "Token" not in page.text
    assert 'name="csrf-token"' in page.text and "modeller.js" in page.text
    token = csrf_token(page.text.replace('name="csrf-token" content=', 'name="csrf_token" value='))
    listing = olaf.get("/modeller/definitions")
    assert listing.status_code == 200 and any(d["key"] == "triage" for d in listing.json["items"])
    version = next(d for d in listing.json["items"] if d["key"] == "triage")["versions"][0]["version"]
    xml = olaf.get(f"/modeller/definitions/triage/{version}.bpmn")
    assert xml.status_code == 200 and b"bpmn:definitions" in xml.data

    files = fixture_files("two_step.bpmn", "stap-a.schema.json")

    def upload():
        return {
            "files": [(io.BytesIO(content), name) for name, content in files.items()],
            "dryRun": "true",
        }

    refused = olaf.post("/modeller/deployments", data=upload(), content_type="multipart/form-data")
    assert refused.status_code == 400  # no CSRF token
    checked = olaf.post(
        "/modeller/deployments",
        data=upload(),
        content_type="multipart/form-data",
        headers={"X-CSRFToken": token},
    )
    assert checked.status_code == 200, checked.text
    assert checked.json["dryRun"] is True

    anna = login("anna")
    assert anna.get("/modeller/definitions").status_code == 403
    anna_token = csrf_token(anna.get("/inbox").text)
    denied = anna.post(
        "/modeller/deployments",
        data=upload(),
        content_type="multipart/form-data",
        headers={"X-CSRFToken": anna_token},
    )
    assert denied.status_code == 403
    assert olaf.get("/vendor/bpmn-js/bpmn-modeler.production.min.js").status_code == 200
