"""The in-browser modeller page and the bpmn-js files it loads (process owners, web session)."""


def test_page_and_bpmn_js_are_served(app, db):
    from app.services.access import demo

    demo.seed()
    client = app.test_client()
    assert client.get("/modeller/").status_code == 302  # to the login page
    login = client.get("/login").text
    token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"username": "olaf", "password": "zorgpad-demo", "csrf_token": token})
    page = client.get("/modeller/")
    assert page.status_code == 200 and b"modeller.js" in page.data and b"sessionStorage" not in page.data
    js = client.get("/vendor/bpmn-js/bpmn-modeler.production.min.js")
    assert js.status_code == 200 and len(js.data) > 100_000
    assert client.get("/vendor/bpmn-js/assets/bpmn-js.css").status_code == 200
    assert client.get("/vendor/bpmn-js/../../package.json").status_code == 404
    assert client.get("/vendor/bpmn-js/bpmn-viewer.development.js").status_code == 404
