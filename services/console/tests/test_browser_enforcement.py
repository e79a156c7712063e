"""The enforcement inquiry in headless Chromium, each person signed in through Keycloak: the trial judge sends a
执行咨询函, the enforcement officer accepts it (asking the respondent's bank), the bank answers line by line in its
form, the officer writes the advice with the recoverable estimate, and the judge reads it. Screenshots are kept
under test-artifacts/console/ and axe-core must find no serious or critical violation on each main page."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from console.pages.enforcement import answer_body, case_number_hint, inquiry_body
from console_browser import chromium, wait_for, wait_text
from console_journeys import check_page, click_and_wait, fill, select_by_value, sign_in, submit
from console_system import System
from courtlink_shared.testing.factories import resident_id
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from starlette.datastructures import FormData

DEPOSIT_BANK = ("91220101X200000083", "丁银行")  # bank-d's organisation in the demo realm (IDENTITY.md)
ACCOUNT = "6222021234567890123"


def test_a_case_number_hint_names_the_format_and_the_court() -> None:
    assert case_number_hint("（2026）吉7101民初15号", "吉7101")[0]
    assert case_number_hint("(2026)吉7101民初15号", "吉7101")[0]  # ASCII brackets read as full-width ones
    ok, hint = case_number_hint("2026吉7101民初15", "吉7101")
    assert not ok
    assert "格式不正确" in hint
    ok, hint = case_number_hint("（2026）吉7102民初15号", "吉7101")
    assert not ok
    assert "不是本院" in hint


def test_blank_rows_of_the_letter_and_of_the_answer_are_left_out() -> None:
    form = FormData(
        [
            ("case_number", "（2026）吉7101民初15号"),
            ("respondents.0.kind", "person"),
            ("respondents.0.name", "张三"),
            ("respondents.0.id_number", "110105198001010011"),
            ("respondents.1.kind", "person"),
            ("terms.amount", "50000"),
            ("questions.0", "能否执行？"),
            ("questions.1", " "),
            ("property_leads.0.kind", "bank_account"),
            ("property_leads.0.description", "工资卡"),
            ("property_leads.0.bank.code", DEPOSIT_BANK[0]),
            ("property_leads.0.bank.name", DEPOSIT_BANK[1]),
        ]
    )
    body = inquiry_body(form)
    assert [r["name"] for r in body["respondents"]] == ["张三"]
    assert body["questions"] == ["能否执行？"]
    assert body["property_leads"][0]["bank"] == {"code": DEPOSIT_BANK[0], "name": DEPOSIT_BANK[1]}
    assert body["urgent"] is False
    query = {"subjects": [{"line_id": "L1"}, {"line_id": "L2"}]}
    answer = FormData(
        [
            ("lines.0.id_number", "X"),
            ("lines.0.accounts.0.account_number", "6222 0212 3456"),
            ("lines.0.accounts.0.balance", "10"),
            ("lines.1.id_number", "Y"),
        ]
    )
    lines = answer_body(answer, query)["lines"]
    assert lines[0]["accounts"][0]["account_number"] == "622202123456"
    assert lines[0]["accounts"][0]["freezes"] == []
    assert lines[1] == {"line_id": "L2", "id_number": "Y", "accounts": []}  # no account row: none found


def refresh_until(driver: WebDriver, text: str, timeout: float = 90) -> None:
    """Reload until `text` shows (the services work in the background: queries go out, answers come back)."""
    deadline = time.monotonic() + timeout
    while text not in driver.find_element(By.TAG_NAME, "main").text and time.monotonic() < deadline:
        time.sleep(1)
        driver.refresh()
    assert text in driver.find_element(By.TAG_NAME, "main").text, f"{text!r} never appeared"


@contextmanager
def person(folder: Path, console: str, username: str, path: str) -> Iterator[WebDriver]:
    """A fresh Chromium signed in as `username` at `path` (each person on their own machine: no shared sign-in)."""
    with chromium(folder) as driver:
        sign_in(driver, console, username, path)
        yield driver


@pytest.mark.infra
@pytest.mark.timeout(1200)
def test_a_judge_asks_the_officer_queries_the_bank_answers_and_the_judge_reads_the_advice(
    system: System, tmp_path: Path
) -> None:
    console = system.console
    case_number = f"（2026）吉7101民初{random.randint(10000, 99999)}号"
    debtor_id = resident_id(random.randint(0, 999))

    # The trial judge writes the letter; the case number is checked as it is typed; the service's errors sit
    # beside their fields.
    with person(tmp_path, console, "judge-li", "/inquiries/new") as browser:
        fill(browser, "inquiry-case_number", "2026吉7101民初")
        wait_text(browser, "#case-number-check", "格式不正确")
        fill(browser, "inquiry-case_number", case_number)
        wait_text(browser, "#case-number-check", "格式正确")
        fill(browser, "inquiry-respondents-0-name", "赵执行")
        fill(browser, "inquiry-respondents-0-id_number", debtor_id)
        fill(browser, "inquiry-terms-amount", "-5")
        fill(browser, "inquiry-questions-0", "被告名下存款能否足额执行？")
        select_by_value(browser, "inquiry-property_leads-0-kind", "bank_account")
        fill(browser, "inquiry-property_leads-0-description", "被告在丁银行开立的工资账户")
        fill(browser, "inquiry-property_leads-0-bank-code", DEPOSIT_BANK[0])
        fill(browser, "inquiry-property_leads-0-bank-name", DEPOSIT_BANK[1])
        check_page(browser, "judge-inquiry-new")
        submit(browser, "inquiry-form")
        assert wait_for(browser, "#inquiry-terms-amount-error").text  # beside the amount
        assert wait_for(browser, ".error-summary").text
        assert browser.find_element(By.ID, "inquiry-case_number").get_attribute("value") == case_number  # kept
        check_page(browser, "judge-inquiry-errors")
        fill(browser, "inquiry-terms-amount", "50000")
        submit(browser, "inquiry-form")
        assert "执行咨询函已发送" in wait_for(browser, ".banner--success").text
        inquiry_url = browser.current_url.split("?")[0]
        main = browser.find_element(By.TAG_NAME, "main").text
        assert "待执行局受理" in main
        assert "赵执行" in main
        assert "24:00" in main
        check_page(browser, "judge-inquiry-sent")

    # The officer finds it in the queue by its deadline, accepts it; the lead's bank is asked.
    with person(tmp_path, console, "officer-zhang", "/inquiries") as browser:
        row = browser.find_element(By.XPATH, f"//tr[td[1]/a[normalize-space()='{case_number}']]")
        assert "待执行局受理" in row.text
        assert "24:00" in row.text
        check_page(browser, "officer-inquiry-queue")
        click_and_wait(browser, row.find_element(By.TAG_NAME, "a"))
        wait_for(browser, "#form-acceptance")
        check_page(browser, "officer-inquiry-new")
        submit(browser, "form-acceptance")
        assert "已受理" in wait_for(browser, ".banner--success").text
        assert DEPOSIT_BANK[1] in browser.find_element(By.ID, "banks-title").find_element(By.XPATH, "..").text
        submit(browser, "form-asset-queries")  # asking more banks without naming one: refused beside the field
        assert wait_for(browser, "#asset-queries-banks-error").text
        check_page(browser, "officer-inquiry-accepted")
        browser.get(inquiry_url + "/documents/letter")
        assert "执行咨询函" in wait_for(browser, "body").text
        assert case_number in browser.page_source

    # The bank sees the consolidated query once its window closes, and answers line by line.
    with person(tmp_path, console, "bank-d", "/asset-queries") as browser:
        refresh_until(browser, "赵执行")
        check_page(browser, "bank-asset-queries")
        row = browser.find_element(By.XPATH, "//tr[td[contains(., '赵执行')]]")
        click_and_wait(browser, row.find_element(By.TAG_NAME, "a"))
        wait_for(browser, "#answer-form")
        fill(browser, "answer-lines-0-id_number", resident_id(1000))  # someone else's ID: refused
        fill(browser, "answer-lines-0-accounts-0-account_number", ACCOUNT)
        fill(browser, "answer-lines-0-accounts-0-balance", "30000")
        fill(browser, "answer-lines-0-accounts-0-freezes-0-authority", "某区人民法院")
        fill(browser, "answer-lines-0-accounts-0-freezes-0-amount", "5000")
        check_page(browser, "bank-asset-query")
        submit(browser, "answer-form")
        assert wait_for(browser, ".error-summary").text
        check_page(browser, "bank-asset-query-errors")
        fill(browser, "answer-lines-0-id_number", debtor_id)
        submit(browser, "answer-form")
        shown = wait_for(browser, "#answered-accounts").text
        assert "6222***********0123" in shown
        assert ACCOUNT not in browser.page_source
        assert "¥30,000.00" in shown
        assert "已冻结 ¥5,000.00" in shown
        check_page(browser, "bank-asset-query-answered")

    # The officer reads the answer and the estimate, and writes the advice.
    with person(tmp_path, console, "officer-zhang", inquiry_url.removeprefix(console)) as browser:
        refresh_until(browser, "已答复")
        assert "¥25,000.00" in wait_for(browser, "#recoverable-estimate").text  # 30,000 less the 5,000 frozen
        select_by_value(browser, "advice-conclusion", "enforceable_with_changes")
        fill(browser, "advice-reasons", "被告存款不足以清偿全部债务。")
        submit(browser, "form-advice")
        assert wait_for(browser, "#form-advice .error-summary").text  # "with changes" needs the changes
        check_page(browser, "officer-advice-errors")
        fill(browser, "advice-proposed_changes", "建议分期履行，首期不少于 25000 元\n增加连带保证人")
        submit(browser, "form-advice")
        assert "执行建议已出具" in wait_for(browser, ".banner--success").text
        check_page(browser, "officer-inquiry-advised")

    # The judge follows the letter to the advice, reads it and acknowledges it.
    with person(tmp_path, console, "judge-li", "/inquiries") as browser:
        row = browser.find_element(By.XPATH, f"//tr[td[1]/a[normalize-space()='{case_number}']]")
        assert "已出具执行建议" in row.text
        click_and_wait(browser, row.find_element(By.TAG_NAME, "a"))
        advice = wait_for(browser, "#advice").text
        assert "修改后可以执行" in advice
        assert "¥25,000.00" in advice
        assert "建议分期履行" in advice
        check_page(browser, "judge-inquiry-advice")
        submit(browser, "form-acknowledgement")
        assert "已确认阅读" in wait_for(browser, ".banner--success").text
        assert "审判法官已阅" in browser.find_element(By.TAG_NAME, "h1").text
