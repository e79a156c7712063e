"""What each role does in the console, step by step, asserting on what the user sees."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from console_browser import axe_violations, describe, downloaded, screenshot, wait_for, wait_text
from courtlink_shared.clock import SHANGHAI
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait


def check_page(driver: WebDriver, name: str) -> Path:
    """Keep a screenshot of the page, and fail on axe-core's serious or critical violations."""
    path = screenshot(driver, name)
    violations = axe_violations(driver)
    assert not violations, f"{name}: accessibility violations\n{describe(violations)}"
    return path


def upload_batch(driver: WebDriver, console: str, csv_file: Path, downloads: Path) -> str:
    """The bank uploads a CSV, watches the bar move to the end, reads the bad rows and downloads the report.
    Returns the batch page's URL."""
    driver.get(f"{console}/batches/new")
    check_page(driver, "bank-upload")
    driver.find_element(By.ID, "upload-file").send_keys(str(csv_file))
    wait_text(driver, "[data-chosen]", csv_file.name)
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]"))
    bar = wait_for(driver, "#batch-bar")
    total = int(bar.get_attribute("max") or 0)
    seen = [int(bar.get_attribute("value") or 0)]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the bar is replaced by htmx as intake works through the rows
        try:
            value = int(driver.find_element(By.ID, "batch-bar").get_attribute("value") or 0)
        except (StaleElementReferenceException, NoSuchElementException):  # swapped out between find and read
            time.sleep(0.05)
            continue
        if value != seen[-1]:
            seen.append(value)
        if driver.find_elements(By.ID, "report-title"):
            break
        time.sleep(0.1)
    assert driver.find_elements(By.ID, "report-title"), "the report never appeared"
    seen.append(int(driver.find_element(By.ID, "batch-bar").get_attribute("value") or 0))
    assert seen[-1] == total, f"the bar ended at {seen[-1]} of {total}"
    check_page(driver, "bank-batch-report")
    return driver.current_url


def download_report(driver: WebDriver, downloads: Path, batch_id: str) -> str:
    driver.find_element(By.LINK_TEXT, "下载结果（CSV）").click()
    return downloaded(downloads, f"batch-{batch_id}-report.csv").read_text(encoding="utf-8-sig")


def select_by_value(driver: WebDriver, element_id: str, value: str) -> None:
    Select(driver.find_element(By.ID, element_id)).select_by_value(value)


def submit(driver: WebDriver, form_id: str) -> None:
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, f"#{form_id} button[type=submit]"))


def click_and_wait(driver: WebDriver, element: WebElement) -> None:
    """Click something that loads a new page, and wait until the old page is gone (so that nothing is read from it)."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 60).until(lambda _: gone(page))


def gone(element: WebElement) -> bool:
    """Whether the element's page was replaced (chromedriver reports it either way while navigating)."""
    try:
        element.is_enabled()
    except WebDriverException:  # stale, or "node does not belong to the document"
        return True
    return False


def fill(driver: WebDriver, element_id: str, value: str) -> None:
    element = driver.find_element(By.ID, element_id)
    element.clear()
    element.send_keys(value)


def set_datetime(driver: WebDriver, element_id: str, value: str) -> None:
    """A datetime-local input set as the browser would (typing into it depends on the locale)."""
    driver.execute_script("document.getElementById(arguments[0]).value = arguments[1];", element_id, value)


def banner(driver: WebDriver) -> str:
    return str(wait_for(driver, ".banner--success").text)


def mediate_to_agreement(driver: WebDriver, console: str) -> str:
    """The mediator opens the nearest case, accepts it, records a session, sees a field error, settles with an
    agreement in two instalments that every party signs. Returns the case's URL."""
    driver.get(f"{console}/cases")
    check_page(driver, "mediator-queue")
    waiting = driver.find_element(By.XPATH, "//tbody/tr[.//strong[contains(., '待调解员接受')]]")
    # the queue says who the case is between and what is claimed, without opening it
    for shown in ("银行", "借款人", "¥51,500.00"):
        assert shown in waiting.text, waiting.text
    row = waiting.find_element(By.TAG_NAME, "a")
    click_and_wait(driver, row)
    wait_for(driver, "#form-accept")
    check_page(driver, "mediator-case-assigned")
    submit(driver, "form-accept")
    assert "已接受调解" in banner(driver)
    case_url = driver.current_url.split("?")[0]
    set_datetime(driver, "sessions-started_at", datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M"))
    select_by_value(driver, "sessions-channel", "online")
    fill(driver, "sessions-minutes", "45")
    fill(driver, "sessions-summary", "双方就还款期限达成初步一致")
    submit(driver, "form-sessions")
    assert "调解记录已保存" in banner(driver)
    # a field error comes back beside the field, with the summary linking to it
    fill(driver, "agreement-settled_amount", "-5")
    submit(driver, "form-agreement")
    summary = wait_for(driver, "#form-agreement .error-summary")
    assert "settled_amount" in (summary.find_element(By.TAG_NAME, "a").get_attribute("href") or "")
    assert driver.find_elements(By.ID, "agreement-settled_amount-error")
    check_page(driver, "mediator-case-field-error")
    fill(driver, "agreement-settled_amount", "20000.00")
    fill(driver, "agreement-instalments-0-due_date", "")
    driver.execute_script(
        "document.getElementById('agreement-instalments-0-due_date').value = '2026-12-31';"
        "document.getElementById('agreement-instalments-1-due_date').value = '2027-01-31';"
    )
    fill(driver, "agreement-instalments-0-amount", "10000.00")
    fill(driver, "agreement-instalments-1-amount", "10000.00")
    submit(driver, "form-agreement")
    assert "调解协议已记录" in banner(driver)
    while driver.find_elements(By.ID, "form-signatures"):
        submit(driver, "form-signatures")
        assert "签署已记录" in banner(driver)
    wait_text(driver, "h1", "调解成功")
    check_page(driver, "mediator-case-settled")
    return case_url


DEMO_PASSWORD = "courtlink-demo"  # the demo realm's, printed by ./run


def sign_in(driver: WebDriver, console: str, username: str, path: str = "/") -> None:
    """Open `path`; the console sends the browser to Keycloak's login page; sign in there and come back to `path`."""
    driver.get(console + path)
    wait_for(driver, "#username", timeout=60)
    assert not driver.current_url.startswith(console), "the console did not send the browser to sign in"
    screenshot(driver, "keycloak-login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(DEMO_PASSWORD)
    driver.find_element(By.ID, "kc-login").click()
    WebDriverWait(driver, 60).until(lambda d: d.current_url.startswith(console))
    wait_for(driver, "main")


def mediate_to_failure(driver: WebDriver, console: str) -> None:
    """On another case: accept, record a contact, suspend for an appraisal and resume, extend with both parties'
    consent, then close it as failed on a ground, the bank maintaining its claim."""
    driver.get(f"{console}/cases")
    click_and_wait(driver, driver.find_element(By.XPATH, "//tbody/tr[.//strong[contains(., '待调解员接受')]]//a"))
    submit(driver, "form-accept")
    assert "已接受调解" in banner(driver)
    now = datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M")  # what a datetime-local field holds, Beijing time
    set_datetime(driver, "contacts-at", now)
    select_by_value(driver, "contacts-channel", "phone")
    select_by_value(driver, "contacts-result", "reached")
    submit(driver, "form-contacts")
    assert "联系记录已保存" in banner(driver)
    fill(driver, "suspension-reason", "抵押房产价值评估")
    submit(driver, "form-suspension")
    assert "中止计算" in banner(driver)
    assert "中止（鉴定评估）" in driver.find_element(By.TAG_NAME, "h1").text
    submit(driver, "form-resumption")
    assert "恢复计算" in banner(driver)
    fill(driver, "extensions-days", "15")
    for index in range(2):
        driver.find_element(By.ID, f"extensions-consent-{index}").click()
        set_datetime(driver, f"extensions-consented_at-{index}", now)
    submit(driver, "form-extensions")
    assert "调解期限已延长" in banner(driver)
    assert "已延长 15 日" in driver.find_element(By.TAG_NAME, "main").text
    select_by_value(driver, "failure-ground", "positions_too_far_apart")
    fill(driver, "failure-reason", "双方对违约金计算分歧较大")
    driver.find_element(By.ID, "failure-claimant_maintains_claim").click()
    submit(driver, "form-failure")
    assert "调解已终结" in banner(driver)
    wait_text(driver, "h1", "调解不成")
    check_page(driver, "mediator-case-failed")
