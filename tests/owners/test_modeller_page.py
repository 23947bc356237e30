"""The in-browser modeller page and the bpmn-js files it loads."""


def test_page_and_bpmn_js_are_served(app, db):
    client = app.test_client()
    page = client.get("/modeller/")
    assert page.status_code == 200 and b"new BpmnJS" in page.data and b"sessionStorage" in page.data
    js = client.get("/modeller/vendor/bpmn-js/bpmn-modeler.production.min.js")
    assert js.status_code == 200 and len(js.data) > 100_000
    assert client.get("/modeller/vendor/bpmn-js/assets/bpmn-js.css").status_code == 200
    assert client.get("/modeller/vendor/bpmn-js/../../package.json").status_code == 404
    assert client.get("/modeller/vendor/bpmn-js/bpmn-viewer.development.js").status_code == 404
