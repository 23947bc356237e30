"""GET /tasks: who sees which tasks, Camunda-style filters, sorting, paging, no N+1."""

import pytest
from sqlalchemy import event

from tests.api.conftest import assert_problem


def _names(response):
    assert response.status_code == 200, response.json
    return sorted(item["name"] for item in response.json["items"])


def test_each_role_sees_exactly_its_own_work(world):
    world.start()
    assert _names(world.client("anna").get("/api/v1/tasks")) == ["Vraag verkennen"]
    assert _names(world.client("ruben").get("/api/v1/tasks")) == ["Vraag verkennen"]  # also triage
    assert _names(world.client("vera").get("/api/v1/tasks")) == ["Wachtlijst bemiddelen"]
    assert _names(world.client("fatima").get("/api/v1/tasks")) == ["FACT-bord bespreken"]
    assert _names(world.client("petra").get("/api/v1/tasks")) == ["FACT-bord bespreken"]  # candidate user
    assert _names(world.client("koen").get("/api/v1/tasks")) == []  # another group, same org as fatima
    assert _names(world.client("olaf").get("/api/v1/tasks")) == []  # process owner: no inbox
    auditor = world.client("audrey").get("/api/v1/tasks")
    assert _names(auditor) == ["FACT-bord bespreken", "Vraag verkennen", "Wachtlijst bemiddelen"]


def test_insurer_rows_carry_no_case_data(world):
    world.start(business_key="melding-7")
    [row] = world.client("vera").get("/api/v1/tasks").json["items"]
    assert row["subject"] is None and row["caseId"] is None and row["businessKey"] is None
    assert row["caseData"] is False
    [mine] = world.client("anna").get("/api/v1/tasks").json["items"]
    assert mine["subject"]["displayName"] == "Mw. Jansen" and mine["businessKey"] == "melding-7"
    assert mine["caseData"] is True


def test_insurer_cannot_find_tasks_by_resident(world):
    started = world.start(pseudonym="Z-VERZ1")
    assert started["subject"]["pseudonym"] == "Z-VERZ1"
    assert world.client("vera").get("/api/v1/tasks?subject=Z-VERZ1").json["total"] == 0
    assert world.client("anna").get("/api/v1/tasks?subject=Z-VERZ1").json["total"] == 1


def test_filters(world, clock):
    first = world.start(display_name="Mw. A", pseudonym="Z-A", business_key="bk-a")
    clock.advance(days=1)
    world.start(display_name="Dhr. B", pseudonym="Z-B", business_key="bk-b")
    audrey = world.client("audrey")

    def total(query):
        response = audrey.get("/api/v1/tasks?" + query)
        assert response.status_code == 200, response.json
        return response.json["total"]

    assert total("") == 6
    assert total("processKey=inbox") == 6 and total("processKey=two_step") == 0
    assert total("candidateGroup=verzekeraar") == 2
    assert total("candidateUser=petra") == 2
    assert total("businessKey=bk-a") == 3 and total("subject=Z-B") == 3
    assert total(f"caseId={first['caseId']}") == 3
    assert total("priority=90") == 2 and total("minPriority=50") == 4 and total("maxPriority=50") == 2
    assert total("minPriority=21&maxPriority=89") == 2
    assert total("nameLike=wachtlijst") == 2 and total("nameLike=%25") == 0  # % is literal text
    assert total("dueBefore=2026-03-05T00:00:00Z") == 1  # the first triage task, due 4 March 09:00
    assert total("dueAfter=2026-03-05T00:00:00Z") == 3
    assert total("overdue=true") == 0
    clock.advance(days=3)
    assert total("overdue=true") == 2 and total("overdue=false") == 4
    task_id = world.task_of(first, "t_triage")
    assert world.client("anna").post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    anna = world.client("anna")
    assert anna.get("/api/v1/tasks?assignee=me").json["total"] == 1
    assert audrey.get("/api/v1/tasks?assignee=anna").json["total"] == 1
    assert anna.get("/api/v1/tasks?unassigned=true").json["total"] == 1
    assert anna.get("/api/v1/tasks?unassigned=false").json["total"] == 1
    assert anna.get("/api/v1/tasks?status=completed").json["total"] == 0


def test_sorting_and_paging_with_total(world, clock):
    for n in range(3):
        world.start(display_name=f"Bewoner {n}")
        clock.advance(hours=1)
    audrey = world.client("audrey")
    by_priority = audrey.get("/api/v1/tasks?sortBy=priority&sortOrder=desc").json["items"]
    assert [t["priority"] for t in by_priority] == [90, 90, 90, 75, 75, 75, 20, 20, 20]
    by_due = audrey.get("/api/v1/tasks?sortBy=due").json["items"]
    dues = [t["due"] for t in by_due]
    assert dues[-3:] == [None, None, None] and dues[:6] == sorted(dues[:6])
    by_created = audrey.get("/api/v1/tasks?sortBy=created&sortOrder=desc").json["items"]
    assert [t["created"] for t in by_created] == sorted((t["created"] for t in by_created), reverse=True)
    pages = [audrey.get(f"/api/v1/tasks?sortBy=priority&perPage=4&page={p}").json for p in (1, 2, 3)]
    assert [len(p["items"]) for p in pages] == [4, 4, 1] and {p["total"] for p in pages} == {9}
    ids = [t["id"] for p in pages for t in p["items"]]
    assert len(set(ids)) == 9  # a total order (id tiebreaker): no row twice, none lost


@pytest.mark.parametrize(
    "query",
    [
        "perPage=201",
        "perPage=0",
        "page=0",
        "sortBy=name",
        "sortOrder=up",
        "dueBefore=morgen",
        "overdue=misschien",
    ],
)
def test_bad_queries_are_422_with_the_field(world, query):
    body = assert_problem(world.client("anna").get("/api/v1/tasks?" + query), 422)
    assert query.split("=")[0] in body["errors"]


def test_listing_uses_a_fixed_number_of_queries(world, db):
    def statements_for_listing() -> tuple[int, int]:
        statements = []

        def count(*_args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = world.client("audrey").get("/api/v1/tasks?perPage=200")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return response.json["total"], len(statements)

    world.start(display_name="Bewoner 0")
    statements_for_listing()  # warm-up: the caller's token and the audit chain's head exist now
    few_total, few = statements_for_listing()
    for n in range(1, 5):
        world.start(display_name=f"Bewoner {n}")
    many_total, many = statements_for_listing()
    assert (few_total, many_total) == (3, 15)
    # Token look-up, user + memberships, count, page, the shown cases in one query, and the
    # audit lines appended to the chain in one batch: never a query per row or per resident.
    assert many == few, (few, many)
    assert many <= 14, many
