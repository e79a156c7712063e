"""The analyst's and court leaders' dashboard in headless Chromium: every figure it shows equals what the services'
statistics endpoints answer the same user; the annual report downloads through the console; a screenshot is kept and
axe-core finds no serious or critical violation."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from console.formatting import percent
from console.pages.dashboard import bars, months
from console_browser import downloaded, wait_for
from console_data import batch_csv
from console_journeys import check_page, click_and_wait, sign_in
from console_system import System
from courtlink_shared.clock import SHANGHAI
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

SERVICES = {"intake": "intake", "mediation": "finance-mediation", "inquiry": "enforcement-inquiry"}
BANK_NAMES = {"bank-a": "示例银行股份有限公司"}


def test_a_period_is_cut_into_the_calendar_months_it_touches() -> None:
    assert months(date(2026, 1, 15), date(2026, 3, 2)) == [
        (date(2026, 1, 15), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 2)),
    ]
    assert months(date(2025, 12, 31), date(2026, 1, 1)) == [
        (date(2025, 12, 31), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 1)),
    ]


def test_the_longest_bar_fills_the_chart_and_no_figures_draw_no_bars() -> None:
    assert [(b.label, b.value, b.length) for b in bars({"a": 4, "b": 1, "c": 0})] == [
        ("a", 4, 100.0),
        ("b", 1, 25.0),
        ("c", 0, 0.0),
    ]
    assert [b.length for b in bars({"a": 0})] == [0.0]


def shown(value: Any, key: str) -> str:
    """A figure as the dashboard writes it: rates as percentages, nothing as a dash."""
    if key.endswith("_rate") or key.startswith("share_"):
        return percent(value)
    if key == "overdue" and isinstance(value, list):
        return str(len(value))
    return "—" if value is None else str(value)


def expected_figures(system: System, username: str, period: dict[str, str]) -> dict[str, str]:
    """What the services' statistics endpoints answer this user for the period, keyed as the dashboard marks them."""
    headers = system.token(username)
    answers: dict[str, Any] = {}
    for part, service in SERVICES.items():
        answers[part] = _get(system, service, "/statistics", headers, period)
    year = date.fromisoformat(period["to"]).year
    answers["advice"] = _get(system, "judicial-advice", "/statistics", headers, {"year": year})
    return {
        f"{part}.{key}": shown(value, key)
        for part, figures in answers.items()
        for key, value in figures.items()
        if not isinstance(value, dict) and not (isinstance(value, list) and key != "overdue")
    }


def _get(system: System, service: str, path: str, headers: dict[str, str], params: dict[str, Any]) -> Any:
    response = httpx.get(system.services[service].url + path, headers=headers, params=params, timeout=30)
    assert response.status_code == 200, f"{service} {path}: {response.status_code} {response.text[:300]}"
    return response.json()


def figures_on(browser: WebDriver) -> dict[str, str]:
    return {
        str(e.get_attribute("data-figure")): e.text.strip()
        for e in browser.find_elements(By.CSS_SELECTOR, "[data-figure]")
    }


def agree(browser: WebDriver, system: System, username: str, period: dict[str, str]) -> dict[str, str]:
    """The dashboard's figures once they equal the endpoints' (events are still reaching the services, so the page
    is reloaded until both read the same); fails with the difference when they never do."""
    deadline = time.monotonic() + 60
    while True:
        page = figures_on(browser)
        expected = expected_figures(system, username, period)
        if {k: expected.get(k) for k in page} == page or time.monotonic() > deadline:
            break
        time.sleep(2)
        browser.refresh()
        wait_for(browser, "main")
    assert page, "the dashboard shows no figures"
    assert {k: expected.get(k) for k in page} == page
    return page


@pytest.fixture(scope="module")
def disputes(system: System) -> dict[str, Any]:
    """Three of bank A's disputes submitted through intake's API, accepted and routed before the dashboard is read."""
    code = system.users["bank-a"].organisation
    content = batch_csv(code, BANK_NAMES["bank-a"], system.run + "D", good=3, bad_total=0, bad_id=0)
    response = httpx.post(
        system.services["intake"].url + "/batches",
        content=content,
        headers={**system.token("bank-a"), "Content-Type": "text/csv"},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    today = datetime.now(SHANGHAI).date()
    period = {"from": today.replace(month=1, day=1).isoformat(), "to": today.isoformat()}
    deadline = time.monotonic() + 90
    figures: dict[str, Any] = {}
    while time.monotonic() < deadline:
        figures = _get(system, "intake", "/statistics", system.token("analyst"), period)
        if figures["accepted"] >= 3 and figures["routed"] >= 3:
            break
        time.sleep(1)
    assert figures["accepted"] >= 3, figures
    return {"period": period, "bank": code}


@pytest.mark.infra
@pytest.mark.timeout(1200)
class TestAnalystDashboard:
    def test_every_figure_equals_the_services_statistics(
        self, system: System, disputes: dict[str, Any], browser: WebDriver
    ) -> None:
        sign_in(browser, system.console, "analyst", "/dashboard")
        assert "诉源治理看板" in wait_for(browser, "h1").text
        period = disputes["period"]
        assert browser.find_element(By.ID, "period-from").get_attribute("value") == period["from"]  # this year
        assert browser.find_element(By.ID, "period-to").get_attribute("value") == period["to"]
        page = agree(browser, system, "analyst", period)
        for key in (
            "intake.accepted",
            "intake.diversion_rate",
            "mediation.average_duration_days",
            "inquiry.share_within_service_level",
            "advice.adoption_rate",
        ):
            assert key in page, f"{key} is not on the dashboard: {sorted(page)}"
        assert int(page["intake.accepted"]) >= 3
        # Per month: this month's row equals intake's figures for this month (first day to today).
        today = date.fromisoformat(period["to"])
        month = {"from": today.replace(day=1).isoformat(), "to": today.isoformat()}
        this_month = _get(system, "intake", "/statistics", system.token("analyst"), month)
        row = browser.find_element(By.XPATH, f"//table[@id='table-monthly']//tr[th='{today:%Y-%m}']")
        cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
        assert cells[:2] == [str(this_month["accepted"]), str(this_month["routed"])]
        # Per bank: the chart's table lists bank A with mediation's count.
        mediation = _get(system, "finance-mediation", "/statistics", system.token("analyst"), period)
        for bank, count in mediation["cases_per_bank"].items():
            assert browser.find_element(By.CSS_SELECTOR, f"#table-banks td[data-bank='{bank}']").text == str(count)
        assert browser.find_elements(By.CSS_SELECTOR, "svg#chart-monthly[role=img] title")  # the chart, named
        check_page(browser, "analyst-dashboard")

    def test_a_chosen_period_shows_that_periods_figures_and_a_reversed_one_is_refused(
        self, system: System, disputes: dict[str, Any], browser: WebDriver
    ) -> None:
        today = datetime.now(SHANGHAI).date()
        sign_in(browser, system.console, "analyst", "/dashboard")
        period = {"from": today.replace(day=1).isoformat(), "to": today.isoformat()}
        set_period(browser, period)
        assert browser.find_element(By.ID, "period-from").get_attribute("value") == period["from"]
        agree(browser, system, "analyst", period)
        set_period(browser, {"from": today.isoformat(), "to": today.replace(day=1, month=1).isoformat()})
        if today.replace(day=1, month=1) != today:
            summary = wait_for(browser, ".error-summary").text
            assert "结束日期不得早于开始日期" in summary
            assert not browser.find_elements(By.CSS_SELECTOR, "[data-figure]")
            check_page(browser, "analyst-dashboard-error")

    def test_downloads_the_annual_report_as_csv_and_pdf(
        self, system: System, disputes: dict[str, Any], browser: WebDriver, downloads: Path
    ) -> None:
        year = datetime.now(SHANGHAI).year
        sign_in(browser, system.console, "analyst", "/dashboard")
        headers = system.token("analyst")
        for fmt in ("csv", "pdf"):
            browser.find_element(By.PARTIAL_LINK_TEXT, f"年度报告（{fmt.upper()}）").click()
            target = downloaded(downloads, f"judicial-advice-{year}.{fmt}")
            direct = httpx.get(
                system.services["judicial-advice"].url + f"/reports/annual.{fmt}",
                headers=headers,
                params={"year": year},
                timeout=30,
            )
            assert direct.status_code == 200
            if fmt == "csv":
                assert target.read_bytes() == direct.content
            else:
                assert target.read_bytes().startswith(b"%PDF")

    def test_the_president_sees_the_parts_the_services_allow(
        self, system: System, disputes: dict[str, Any], browser: WebDriver
    ) -> None:
        sign_in(browser, system.console, "president", "/dashboard")
        main = wait_for(browser, "main").text
        assert "诉源治理看板" in main
        for part, service in {"intake": "intake", "mediation": "finance-mediation"}.items():
            allowed = (
                httpx.get(
                    system.services[service].url + "/statistics",
                    headers=system.token("president"),
                    params=disputes["period"],
                    timeout=30,
                ).status_code
                == 200
            )
            section = browser.find_element(By.CSS_SELECTOR, f"section[aria-labelledby='{part}-title']").text
            assert ("无权查看" in section) is not allowed, section
        check_page(browser, "president-dashboard")

    def test_people_without_a_leaders_role_cannot_open_it(self, system: System, browser: WebDriver) -> None:
        sign_in(browser, system.console, "bank-a", "/dashboard")
        assert "诉源治理看板" not in browser.find_element(By.TAG_NAME, "main").text
        assert not browser.find_elements(By.CSS_SELECTOR, "[data-figure]")


def set_period(browser: WebDriver, period: dict[str, str]) -> None:
    """Type the period into the form's date fields (set as values: typing dates depends on the browser's locale)."""
    for name, value in period.items():
        field = browser.find_element(By.ID, f"period-{name}")
        browser.execute_script("arguments[0].value = arguments[1]", field, value)
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/dashboard'] button[type=submit]"))
