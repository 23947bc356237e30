"""GET /tasks/<id>: form and UI hints, data so far, case context, and the insurer's redacted view."""

from tests.api.conftest import assert_problem


def test_task_page_for_a_case_worker(world, clock):
    started = world.start(display_name="Mw. Jansen", pseudonym="Z-PAGE", business_key="bk-1")
    task_id = world.task_of(started, "t_triage")
    insurer_task = world.task_of(started, "t_insurer")
    world.client("vera").post(f"/api/v1/tasks/{insurer_task}/claim")
    page = world.client("anna").get(f"/api/v1/tasks/{task_id}")
    assert page.status_code == 200
    body = page.json
    assert body["task"]["name"] == "Vraag verkennen" and body["task"]["subject"]["pseudonym"] == "Z-PAGE"
    assert body["form"]["key"] == "stap-a.schema.json"
    assert body["form"]["schema"]["required"] == ["naam"] and body["form"]["ui"] == {}
    assert body["data"] == {} and body["draftSaved"] is False and isinstance(body["variables"], dict)
    context = body["context"]
    assert context["subject"] == {
        "caseId": started["caseId"],
        "pseudonym": "Z-PAGE",
        "displayName": "Mw. Jansen",
    }
    assert context["pathway"]["key"] == "inbox" and context["pathway"]["version"] == 1
    assert context["pathway"]["businessKey"] == "bk-1"
    assert context["step"] == {"elementId": "t_triage", "name": "Vraag verkennen", "lane": "wijkteam-triage"}
    others = {t["name"]: t for t in context["otherOpenTasks"]}
    assert set(others) == {"Wachtlijst bemiddelen", "FACT-bord bespreken"}
    assert others["Wachtlijst bemiddelen"]["assignee"] == "vera"
    assert others["FACT-bord bespreken"]["candidateGroups"] == ["ggz-fact"]
    assert [s["kind"] for s in context["previousSteps"]] == ["instance_started"]
    assert body["actions"] == {
        "claim": True,
        "unclaim": False,
        "assign": True,
        "complete": True,
        "saveDraft": True,
        "comment": True,
    }


def test_form_ui_hints_come_from_x_ui(world, deploy):
    from tests.support import fixture_files

    files = fixture_files("inbox.bpmn")
    files["stap-a.schema.json"] = (
        b'{"type": "object", "properties": {"naam": {"type": "string"}}, '
        b'"x-ui": {"order": ["naam"], "widgets": {"naam": "textarea"}}}'
    )
    deploy(files=files)
    task_id = world.task_of(world.start(), "t_triage")
    form = world.client("anna").get(f"/api/v1/tasks/{task_id}").json["form"]
    assert form["ui"] == {"order": ["naam"], "widgets": {"naam": "textarea"}}


def test_previous_steps_show_what_happened_on_the_case(world):
    started = world.start()
    fact = world.task_of(started, "t_fact")
    world.client("fatima").post(f"/api/v1/tasks/{fact}/complete", json={"data": {"besluit": "bord"}})
    triage = world.task_of(started, "t_triage")
    steps = world.client("anna").get(f"/api/v1/tasks/{triage}").json["context"]["previousSteps"]
    completed = [s for s in steps if s["kind"] == "task_completed"]
    assert completed == [
        {**completed[0], "name": "FACT-bord bespreken", "actor": "fatima", "processKey": "inbox"}
    ]
    # The completed FACT data is now an instance variable the triage worker may see.
    assert world.client("anna").get(f"/api/v1/tasks/{triage}").json["variables"]["besluit"] == "bord"


def test_insurer_sees_only_the_form_and_the_task(world):
    started = world.start(display_name="Mw. Geheim", pseudonym="Z-GEHEIM", business_key="bk-geheim")
    fact = world.task_of(started, "t_fact")
    world.client("fatima").post(f"/api/v1/tasks/{fact}/complete", json={"data": {"diagnose": "geheim"}})
    insurer_task = world.task_of(started, "t_insurer")
    response = world.client("vera").get(f"/api/v1/tasks/{insurer_task}")
    assert response.status_code == 200
    body = response.json
    assert body["context"] is None and body["variables"] is None and body["data"] == {}
    assert body["task"]["subject"] is None and body["task"]["caseId"] is None
    assert body["task"]["businessKey"] is None and body["task"]["caseData"] is False
    text = response.get_data(as_text=True)
    for secret in ("Geheim", "Z-GEHEIM", "bk-geheim", started["caseId"], "diagnose"):
        assert secret not in text
    # Even after claiming it, the insurer sees no more.
    world.client("vera").post(f"/api/v1/tasks/{insurer_task}/claim")
    assert world.client("vera").get(f"/api/v1/tasks/{insurer_task}").json["context"] is None


def test_auditor_page_is_read_only(world):
    task_id = world.task_of(world.start(), "t_triage")
    body = world.client("audrey").get(f"/api/v1/tasks/{task_id}").json
    assert body["context"]["subject"]["displayName"] == "Mw. Jansen"
    assert not any(body["actions"].values())


def test_other_teams_get_404_not_403(world):
    task_id = world.task_of(world.start(), "t_triage")
    for user in ("fatima", "koen", "vera", "petra", "olaf"):
        assert_problem(world.client(user).get(f"/api/v1/tasks/{task_id}"), 404)
