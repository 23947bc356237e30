"""The OpenAPI document and the interactive documentation page."""

import pytest


@pytest.fixture
def spec(world):
    response = world.client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def test_every_operation_is_documented_with_problem_responses(spec):
    expected = {
        ("/api/v1/tasks", "get"),
        ("/api/v1/tasks/{task_id}", "get"),
        ("/api/v1/tasks/{task_id}/claim", "post"),
        ("/api/v1/tasks/{task_id}/unclaim", "post"),
        ("/api/v1/tasks/{task_id}/assign", "post"),
        ("/api/v1/tasks/{task_id}/complete", "post"),
        ("/api/v1/tasks/{task_id}/draft", "put"),
        ("/api/v1/tasks/{task_id}/comments", "get"),
        ("/api/v1/tasks/{task_id}/comments", "post"),
        ("/api/v1/process-instances", "get"),
        ("/api/v1/process-instances", "post"),
        ("/api/v1/process-instances/{instance_id}", "get"),
        ("/api/v1/process-instances/{instance_id}/cancel", "post"),
        ("/api/v1/messages", "post"),
    }
    found = {
        (path, method) for path, item in spec["paths"].items() for method in item if method != "parameters"
    }
    assert expected <= found
    for path, method in found:
        operation = spec["paths"][path][method]
        assert operation["security"] == [{"bearerAuth": []}], (path, method)
        assert {"401", "500", "default"} <= set(operation["responses"]), (path, method)
        if method in ("post", "put") and not path.endswith(("claim", "unclaim", "retry")):
            assert {"413", "415", "422"} <= set(operation["responses"]), (path, method)
    assert "404" in spec["paths"]["/api/v1/tasks/{task_id}"]["get"]["responses"]
    assert "409" in spec["paths"]["/api/v1/tasks/{task_id}/claim"]["post"]["responses"]


def test_error_responses_are_problem_json(spec):
    responses = spec["components"]["responses"]
    for name in ("NOT_FOUND", "UNPROCESSABLE_ENTITY", "UNAUTHORIZED", "DEFAULT_ERROR"):
        content = responses[name]["content"]
        assert list(content) == ["application/problem+json"]
        assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status"} <= set(problem["required"]) and "errors" in problem["properties"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_docs_page_serves_swagger_ui_from_node_modules(world):
    client = world.client()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in html and "/api/v1/openapi.json" in html
    assert "cdn" not in html.lower()
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
    asset.close()
    assert client.get("/api/v1/docs/assets/package.json").status_code == 404
