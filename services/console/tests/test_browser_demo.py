"""The console over the demo that `./run` loads (deploy/local/demo.py, every step under its person's Keycloak token):
the leader's dashboard shows the demo's figures, equal to the services' statistics endpoints, per month too; the
judge's letter on the case the demo filed fills in its parties as the case number is typed, and an unknown number
leaves the respondents to type. Screenshots are kept; axe-core finds no serious or critical violation."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from console_browser import wait_text
from console_journeys import check_page, fill, sign_in
from console_system import System
from courtlink_shared.clock import SHANGHAI
from demo import Demo, DemoResult, KeycloakTokens
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from test_browser_dashboard import _get, agree

pytestmark = [pytest.mark.infra, pytest.mark.timeout(1200)]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def demo(system: System) -> DemoResult:
    """The demo loaded once into this module's fresh system, as `./run` loads it."""
    urls = {name: process.url for name, process in system.services.items()}
    loader = Demo(urls, Path("."), timeout=180, tokens=KeycloakTokens(system.keycloak))
    return await asyncio.to_thread(loader.run)


def demo_period() -> dict[str, str]:
    """The period the demo reads its statistics for (and `./run` prints): the last 30 days, Beijing dates."""
    today = datetime.now(SHANGHAI).date()
    return {"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()}


def month_row(browser: WebDriver, table: str, month: str) -> dict[str, str]:
    """One month of a per-month table, by column (the cells' data-month)."""
    row = browser.find_element(By.XPATH, f"//table[@id='{table}']//tr[th='{month}']")
    return {str(c.get_attribute("data-month")): c.text for c in row.find_elements(By.CSS_SELECTOR, "td[data-month]")}


def test_the_leaders_dashboard_shows_the_demos_figures(system: System, demo: DemoResult, browser: WebDriver) -> None:
    period = demo_period()
    sign_in(browser, system.console, "analyst", f"/dashboard?from={period['from']}&to={period['to']}")
    page = agree(browser, system, "analyst", period)  # every figure equals the statistics endpoints'
    # ... and they are the demo's: 24 disputes of two banks, 3 settled, the maintained failure filed, one
    # inquiry advised, one advice issued and replied to.
    assert page["intake.accepted"] == str(demo.disputes)
    assert page["intake.settled"] == page["mediation.settled"] == str(demo.settled)
    assert page["intake.filed_after_failure"] == "1"
    assert (page["inquiry.inquiries"], page["inquiry.advised"], page["inquiry.open"]) == ("1", "1", "0")
    assert (page["advice.issued"], page["advice.replied"], page["advice.adoption_rate"]) == ("1", "1", "100.0%")
    for key, printed in (
        ("intake.accepted", demo.statistics["intake"]["accepted"]),
        ("mediation.settled", demo.statistics["finance-mediation"]["settled"]),
        ("inquiry.advised", demo.statistics["enforcement-inquiry"]["advised"]),
        ("advice.issued", demo.statistics["judicial-advice"]["issued"]),
    ):
        assert page[key] == str(printed), f"{key}: the dashboard shows {page[key]}, the demo printed {printed}"

    # Per month: this month's rows equal the services' figures for the month (intake's by a call for the month,
    # enforcement's and advice's from their per-month figures), and hold the demo's inquiry and advice.
    headers = system.token("analyst")
    today = date.fromisoformat(period["to"])
    month = f"{today:%Y-%m}"
    this_month = _get(system, "intake", "/statistics", headers, {"from": f"{month}-01", "to": period["to"]})
    row = browser.find_element(By.XPATH, f"//table[@id='table-monthly']//tr[th='{month}']")
    assert [c.text for c in row.find_elements(By.TAG_NAME, "td")][:2] == [
        str(this_month["accepted"]),
        str(this_month["routed"]),
    ]
    inquiries = _get(system, "enforcement-inquiry", "/statistics", headers, period)["per_month"]
    assert month_row(browser, "table-inquiry-monthly", month) == {k: str(v) for k, v in inquiries[month].items()}
    assert inquiries[month]["inquiries"] == 1
    advice = _get(system, "judicial-advice", "/statistics", headers, {"year": today.year})["per_month"]
    assert (
        month_row(browser, "table-advice-monthly", month)
        == {"issued": "1", "replied": "1"}
        == {k: str(v) for k, v in advice[month].items()}
    )
    assert browser.find_elements(By.CSS_SELECTOR, "svg#chart-inquiry-monthly[role=img] title")
    assert browser.find_elements(By.CSS_SELECTOR, "svg#chart-advice-monthly[role=img] title")
    check_page(browser, "analyst-dashboard-demo")


def respondent_rows(browser: WebDriver) -> list[tuple[str, str]]:
    """The respondent rows as the form holds them (name, ID number), blank rows left out."""
    rows = []
    for name in browser.find_elements(By.CSS_SELECTOR, "#inquiry-respondents input[name$='.name']"):
        index = str(name.get_attribute("name")).split(".")[1]
        id_number = browser.find_element(By.ID, f"inquiry-respondents-{index}-id_number")
        if name.get_attribute("value") or id_number.get_attribute("value"):
            rows.append((str(name.get_attribute("value")), str(id_number.get_attribute("value"))))
    return rows


def test_the_letter_on_the_demos_filed_case_fills_in_its_parties_as_the_number_is_typed(
    system: System, demo: DemoResult, browser: WebDriver
) -> None:
    filed: dict[str, Any] = system.call("intake", "GET", f"/disputes/{demo.filed_dispute_id}", "clerk")
    parties = [(p["name"], p["id_number"]) for p in filed["respondents"]]
    sign_in(browser, system.console, "judge-li", "/inquiries/new")

    # A number that is not one: said beside the field, the respondents untouched.
    fill(browser, "inquiry-case_number", "2026吉7101民初")
    wait_text(browser, "#case-number-check", "格式不正确")
    assert browser.find_element(By.CSS_SELECTOR, "#case-number-check .field-error").is_displayed()
    assert respondent_rows(browser) == []

    # The demo's filed case: its respondents come in from intake's filing.
    fill(browser, "inquiry-case_number", demo.filed_case)
    wait_text(browser, "#case-number-check", "立案系统已登记本案")
    assert respondent_rows(browser) == parties
    assert demo.filed_case in browser.find_element(By.ID, "inquiry-respondents-hint").text
    check_page(browser, "judge-inquiry-filed-case")

    # A number the bureau does not know: the rows that came from the other case are emptied, left to type.
    unknown = demo.filed_case.replace("民初", "民初9")
    fill(browser, "inquiry-case_number", unknown)
    wait_text(browser, "#case-number-check", "没有本院该案的登记")
    assert respondent_rows(browser) == []
    name = browser.find_element(By.ID, "inquiry-respondents-0-name")
    assert name.is_enabled()
    assert name.get_attribute("readonly") is None
    fill(browser, "inquiry-respondents-0-name", "手工填写的被执行人")
    other = demo.filed_case.replace("民初", "民初8")
    fill(browser, "inquiry-case_number", other)
    wait_text(browser, "#case-number-check", other)
    assert browser.find_element(By.ID, "inquiry-respondents-0-name").get_attribute("value") == "手工填写的被执行人"
    check_page(browser, "judge-inquiry-unknown-case")
