"""The inbox in headless Chromium: what a professional does, end to end, over real HTTP."""

from __future__ import annotations

import re

import pytest

from tests.web.browser import chromium, log_in, make_demo_app, open_task_of, serving, start_report

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    return make_demo_app(tmp_path_factory.mktemp("browser") / "zorgpad.db")


@pytest.fixture(scope="module")
def base_url(demo_app):
    with serving(demo_app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A page answering 404 or 422 is expected; a failing script, style or diagram fetch is not.
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    yield page
    context.close()
    # A CSP violation or a script error shows up here: the pages must run clean.
    assert not errors, errors


def test_log_in_filter_claim_and_complete_a_triage_task(demo_app, base_url, page):
    instance_id, _ = start_report(demo_app, "Mw. Browser")
    log_in(page, base_url, "anna")
    page.click("text=Mijn teams")
    page.click("summary:has-text('Filteren en sorteren')")
    page.fill("#q", "melding")
    page.click("button:has-text('Toepassen')")
    assert "q=melding" in page.url
    row = page.locator(".task-row", has_text="Mw. Browser")
    assert re.match(r"over \d uur", row.locator("time").inner_text())
    assert row.locator("time").get_attribute("title")
    row.locator("a.task-link").click()
    page.click("button:has-text('Oppakken')")
    page.get_by_text("De taak is nu van jou.").wait_for()
    page.fill("#f-bewoner-naam", "Mw. Browser")
    page.fill("#f-vraag_eigen_woorden", "Ik red het niet meer thuis")
    page.select_option("#f-melder_rol", "huisarts")
    page.check("#f-toestemming_bewoner >> text=Ja")
    page.click("button:has-text('Afronden')")
    page.wait_for_url(re.compile(r"/inbox$"))
    assert "is afgerond" in page.inner_text(".flash")
    task_id = open_task_of(demo_app, instance_id)  # the next step: first contact
    assert task_id


def test_a_validation_error_shows_at_its_field_and_keeps_the_data(demo_app, base_url, page):
    instance_id, _ = start_report(demo_app, "Dhr. Validatie")
    task_id = open_task_of(demo_app, instance_id)
    log_in(page, base_url, "anna")
    page.goto(f"{base_url}/tasks/{task_id}")
    page.click("button:has-text('Oppakken')")
    page.fill("#f-bewoner-adres", "Kerkstraat 12")
    page.fill("#f-vraag_eigen_woorden", "Mijn huis is te vol")
    page.select_option("#f-melder_rol", "naaste")
    page.check("#f-toestemming_bewoner >> text=Nee")
    page.check("#f-acute_signalen >> text=Agressie")  # acute signals demand an urgency
    page.click("button:has-text('Afronden')")
    naam_error = page.locator("#f-bewoner-naam-error")
    assert naam_error.inner_text() == "Verplicht."
    assert page.locator("#f-bewoner-naam").get_attribute("aria-describedby") == "f-bewoner-naam-error"
    assert page.locator("#f-urgentie-error").is_visible()
    assert page.input_value("#f-bewoner-adres") == "Kerkstraat 12"
    assert page.input_value("#f-vraag_eigen_woorden") == "Mijn huis is te vol"
    assert page.locator("#f-acute_signalen input[value=agressie]").is_checked()
    assert page.evaluate("document.activeElement.id") == "form-errors"


def test_a_colleague_of_another_organisation_cannot_open_the_task(demo_app, base_url, page):
    instance_id, _ = start_report(demo_app, "Mw. Geheim")
    task_id = open_task_of(demo_app, instance_id)
    log_in(page, base_url, "fatima")
    response = page.goto(f"{base_url}/tasks/{task_id}")
    assert response.status == 404
    assert "Mw. Geheim" not in page.content()
    assert "niet zien" in page.inner_text("h1")


def test_the_case_diagram_marks_the_current_step(demo_app, base_url, page):
    _, case_id = start_report(demo_app, "Mw. Diagram")
    log_in(page, base_url, "anna")
    page.goto(f"{base_url}/cases/{case_id}")
    page.wait_for_selector(".diagram[data-rendered=true]")
    current = page.locator('.djs-element.step-active[data-element-id="ut_melding"]')
    assert current.count() == 1
    assert page.locator('.djs-element.step-done[data-element-id="start_melding"]').count() == 1
    current.click()
    assert "Melding vastleggen" in page.inner_text(".step-history")


def test_dutch_and_english_pages_render(demo_app, base_url, page):
    page.goto(f"{base_url}/login")
    assert page.get_attribute("html", "lang") == "nl"
    assert page.inner_text("h1") == "Inloggen"
    page.click("nav.lang >> text=EN")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("h1") == "Log in"
    log_in(page, base_url, "ruben")
    assert "My tasks" in page.inner_text(".tabs")  # the choice is remembered
    page.click("nav.lang >> text=NL")
    assert "Mijn taken" in page.inner_text(".tabs")


def test_pages_fit_a_phone_screen(demo_app, base_url, browser):
    instance_id, _ = start_report(demo_app, "Mw. Telefoon")
    task_id = open_task_of(demo_app, instance_id)
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    log_in(page, base_url, "anna")
    for path in ("/inbox?list=all", f"/tasks/{task_id}", "/start"):
        page.goto(base_url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    context.close()


def test_an_auditor_opens_a_pathway_history_with_the_path_marked(demo_app, base_url, page):
    _, case_id = start_report(demo_app, "Mw. Audit")
    log_in(page, base_url, "audrey")
    page.click("header >> text=Audit")
    page.fill("#case", str(case_id))
    page.click("button:has-text('Inzage tonen')")
    assert "Wie zag of wijzigde de gegevens" in page.inner_text("h1")
    page.click("text=Triage")
    page.wait_for_selector(".diagram[data-rendered=true]")
    assert "/audit/instances/" in page.url
    start = page.locator('.djs-element.step-done[data-element-id="start_melding"]')
    assert start.count() == 1
    start.click()
    assert page.locator(".step-history li").count() >= 1


def test_a_process_owner_opens_the_modeller_without_a_token(demo_app, base_url, page):
    log_in(page, base_url, "olaf")
    page.click("header >> text=Modeller")
    # (no wait_for_function: its string evaluation is blocked by our CSP, as it should be)
    page.locator("#definitions option").nth(1).wait_for(state="attached")
    page.select_option("#definitions", index=1)
    page.click("#open")
    page.wait_for_selector("#status.ok")
    page.select_option("#definitions", index=0)  # a new diagram: valid on its own
    page.click("#open")
    page.click("#validate")
    page.locator("#status.ok", has_text="geldig").wait_for()
