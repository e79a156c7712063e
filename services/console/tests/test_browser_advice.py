"""Judicial advice in headless Chromium, each person signed in through Keycloak's login page: the research office
drafts (problems beside recommendations), the judicial committee returns it, the office revises it beside the saved
version, the committee approves, the president signs (法建 number), the office delivers it; the agency signs for it
and replies in stages; the office evaluates with the return visit and archives. Another agency's advice is 未找到."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from console.pages.advice import advice_body, days_left, pair_change
from console_browser import chromium, downloaded, wait_for
from console_journeys import banner, check_page, click_and_wait, fill, select_by_value, sign_in, submit
from console_system import System
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from starlette.datastructures import FormData

pytestmark = [pytest.mark.infra, pytest.mark.timeout(1200)]
AGENCY_NAME = "某市市场监督管理局"


@contextmanager
def person(system: System, downloads: Path, username: str, path: str) -> Iterator[WebDriver]:
    """A fresh browser (no Keycloak session) signed in as `username` on `path`."""
    with chromium(downloads) as driver:
        sign_in(driver, system.console, username, path)
        yield driver


def main_text(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "main").text)


def open_advice(driver: WebDriver, title: str) -> None:
    """From a queue, open the advice called `title`."""
    link = driver.find_element(By.XPATH, f"//tr[td[normalize-space()='{title}']]//a")
    click_and_wait(driver, link)


def draft_body(system: System, recipient_code: str, title: str) -> dict[str, object]:
    return {
        "title": title,
        "recipient_name": "另一被建议单位",
        "recipient_code": recipient_code,
        "background": "审理中发现的问题。",
        "problems": ["问题一"],
        "recommendations": [{"problem": 0, "text": "建议一"}],
        "contact_person": "研究室",
        "contact_phone": "0431-88886666",
    }


def test_advice_from_draft_to_archive_and_another_agency_sees_nothing(system: System, downloads: Path) -> None:
    agency_code = system.users["agency"].organisation
    title = f"关于规范金融借款合同格式条款的司法建议 {system.run}"

    # The research office drafts: a field error beside its field first, pairs added and removed together.
    with person(system, downloads, "research-office", "/advice/new") as d:
        check_page(d, "advice-editor")
        fill(d, "advice-title", title)
        fill(d, "advice-recipient_name", AGENCY_NAME)
        fill(d, "advice-recipient_code", agency_code)
        fill(d, "advice-superior_authority", "某省市场监督管理局")
        fill(d, "advice-background", "本院审理的金融借款合同纠纷中，格式条款未尽提示说明义务的情形较多。")
        fill(d, "advice-problems-0", "格式条款未以显著方式提示")
        fill(d, "advice-recommendations-0-text", "对格式条款采用加粗等显著方式提示并留存记录")
        fill(d, "advice-problems-1", "这一组将被删除")
        fill(d, "advice-recommendations-1-text", "删除的建议")
        click_and_wait(d, d.find_element(By.ID, "add-pair"))
        fill(d, "advice-problems-2", "逾期催收方式不规范")
        fill(d, "advice-recommendations-2-text", "规范催收话术与频次")
        remove = d.find_element(By.CSS_SELECTOR, "#pair-1 button[name=pair]")
        assert remove.text == "删除第 2 组问题与建议"
        click_and_wait(d, remove)
        assert d.find_element(By.ID, "advice-problems-1").get_attribute("value") == "逾期催收方式不规范"
        assert d.find_element(By.ID, "advice-recommendations-1-text").get_attribute("value") == "规范催收话术与频次"
        assert not d.find_elements(By.ID, "advice-problems-2"), "the pair was not removed with its recommendation"
        fill(d, "advice-contact_person", "研究室 王某")
        fill(d, "advice-contact_phone", "12345")
        click_and_wait(d, d.find_element(By.ID, "advice-save"))
        summary = wait_for(d, ".error-summary")
        link = summary.find_element(By.CSS_SELECTOR, "a[href='#advice-contact_phone']")
        assert link.text.startswith("联系电话：格式不正确"), link.text
        assert d.find_element(By.ID, "advice-contact_phone-error").is_displayed()
        check_page(d, "advice-editor-errors")
        fill(d, "advice-contact_phone", "0431-88886666")
        click_and_wait(d, d.find_element(By.ID, "advice-save"))
        assert banner(d) == "已保存。"
        text = main_text(d)
        assert "草稿" in text
        assert "格式条款未以显著方式提示" in text
        assert "规范催收话术与频次" in text
        assert "这一组将被删除" not in text
        advice_id = d.current_url.split("?", 1)[0].rsplit("/", 1)[-1]
        advice_url = f"{system.console}/advice/{advice_id}"
        submit(d, "form-submission")
        assert banner(d) == "已提交审判委员会审议。"

    # The committee returns it with comments (an empty comment is refused beside the field).
    with person(system, downloads, "committee", "/advice") as d:
        assert title in d.find_element(By.ID, "review-title").find_element(By.XPATH, "..").text
        check_page(d, "advice-committee-queue")
        open_advice(d, title)
        submit(d, "form-return")
        assert d.find_element(By.ID, "return-comments-error").is_displayed()
        fill(d, "return-comments", "第二条建议应写明催收频次的上限。")
        submit(d, "form-return")
        assert banner(d) == "已退回起草部门修改。"

    # The office revises beside the saved version and submits again.
    with person(system, downloads, "research-office", f"/advice/{advice_id}") as d:
        assert "第二条建议应写明催收频次的上限。" in main_text(d)
        click_and_wait(d, d.find_element(By.LINK_TEXT, "修改（保存为新版本）"))
        saved = d.find_element(By.ID, "saved-title").find_element(By.XPATH, "..")
        assert "第 1 版（已保存）" in saved.text
        assert "规范催收话术与频次" in saved.text
        assert "保存为第 2 版" in d.find_element(By.ID, "draft-title").text
        check_page(d, "advice-revision-side-by-side")
        fill(d, "advice-recommendations-1-text", "规范催收话术，每日催收不超过三次")
        click_and_wait(d, d.find_element(By.ID, "advice-save"))
        assert "第 2 版" in main_text(d)
        assert "每日催收不超过三次" in main_text(d)
        submit(d, "form-submission")

    with person(system, downloads, "committee", f"/advice/{advice_id}") as d:
        submit(d, "form-approval")
        assert banner(d) == "已审议通过，待院长签发。"

    # The president signs from the signing queue; the 法建 number is shown.
    with person(system, downloads, "president", "/advice") as d:
        assert title in d.find_element(By.ID, "signing-title").find_element(By.XPATH, "..").text
        check_page(d, "advice-president-queue")
        open_advice(d, title)
        submit(d, "form-issue")
        assert banner(d) == "已签发。"
        number = d.find_element(By.ID, "advice-number").text
        assert "法建" in number, number

    # The office records delivery with its proof; the document is previewed as the agency will receive it.
    with person(system, downloads, "research-office", f"/advice/{advice_id}") as d:
        select_by_value(d, "delivery-method", "electronic")
        submit(d, "form-delivery")
        assert d.find_element(By.ID, "delivery-proof-error").is_displayed()
        select_by_value(d, "delivery-method", "electronic")
        fill(d, "delivery-proof", "电子送达回执 DZ-2026-001")
        submit(d, "form-delivery")
        assert banner(d) == "送达已记录，回复期限开始计算。"
        assert "剩余" in main_text(d)
        frame = d.find_element(By.CSS_SELECTOR, "iframe[title='司法建议书预览']")
        assert frame.get_attribute("sandbox") == ""
        d.switch_to.frame(frame)
        assert number in d.find_element(By.TAG_NAME, "body").text
        d.switch_to.default_content()
        d.find_element(By.LINK_TEXT, "下载 PDF").click()
        pdf = downloaded(downloads, f"advice-{advice_id}.pdf")
        assert pdf.read_bytes().startswith(b"%PDF")
        check_page(d, "advice-delivered")

    # Another agency's advice, set up through the API: not in this agency's inbox, and 未找到 by URL.
    other = system.call(
        "judicial-advice",
        "POST",
        "/advices",
        "research-office",
        json=draft_body(system, system.users["bank-b"].organisation, f"另一单位的建议 {system.run}"),
    )

    # The agency signs for it and replies in two stages.
    with person(system, downloads, "agency", "/advice") as d:
        row = d.find_element(By.XPATH, f"//tr[td[normalize-space()='{number}']]")
        assert "剩余" in row.text
        assert "主送" in row.text
        assert "另一单位的建议" not in main_text(d)
        check_page(d, "advice-agency-inbox")
        click_and_wait(d, row.find_element(By.TAG_NAME, "a"))
        submit(d, "form-acknowledgement")
        assert banner(d) == "已签收。"
        select_by_value(d, "replies-adoption", "partly_adopted")
        fill(d, "replies-measures", "已修订格式条款提示方式。")
        fill(d, "replies-reasons", "催收规范需报上级审批，另行回复。")
        fill(d, "replies-attachments", "格式条款修订稿.pdf")
        d.find_element(By.ID, "replies-final").click()  # an interim reply
        submit(d, "form-replies")
        assert banner(d) == "书面回复已提交。"
        assert "已签收，待回复" in main_text(d)
        check_page(d, "advice-agency-reply")
        select_by_value(d, "replies-adoption", "adopted")
        fill(d, "replies-measures", "催收规范已修订并下发。")
        submit(d, "form-replies")
        assert "已书面回复" in main_text(d)
        assert "采纳" in main_text(d)
        d.get(f"{system.console}/advice/{other['id']}")
        assert d.find_element(By.TAG_NAME, "h1").text == "未找到"
        d.get(f"{system.console}/advice/{other['id']}/document.pdf")
        assert d.find_element(By.TAG_NAME, "h1").text == "未找到"

    # The office evaluates with the return visit and archives; the overdue list has nothing of this advice.
    with person(system, downloads, "research-office", "/advice/overdue") as d:
        assert number not in main_text(d)
        check_page(d, "advice-overdue")
        d.get(advice_url)
        select_by_value(d, "evaluation-effectiveness", "effective")
        fill(d, "evaluation-return_visit", "回访：格式条款已整改，投诉下降。")
        submit(d, "form-evaluation")
        assert banner(d) == "评估与回访已记录。"
        submit(d, "form-archive")
        assert banner(d) == "已归档。"
        assert "已归档" in main_text(d)
        check_page(d, "advice-archived")


def test_the_editor_keeps_each_problem_with_its_recommendation() -> None:
    form = FormData(
        [
            ("pair_count", "3"),
            ("problems.0", "问题一"),
            ("recommendations.0.text", "建议一"),
            ("problems.1", ""),
            ("recommendations.1.text", ""),
            ("problems.2", "问题三"),
            ("recommendations.2.text", "建议三"),
            ("reply_months", "2"),
            ("cc", "某区人民政府 11220000M90000000J\n"),
        ]
    )
    body = advice_body(form)
    assert body["problems"] == ["问题一", "问题三"]
    assert body["recommendations"] == [{"problem": 0, "text": "建议一"}, {"problem": 1, "text": "建议三"}]
    assert body["cc"] == [{"name": "某区人民政府", "code": "11220000M90000000J"}]
    removed = pair_change(FormData([*form.multi_items(), ("pair", "remove.0")]))
    assert removed is not None
    assert (removed["pair_count"], removed["problems.0"], removed["recommendations.0.text"]) == (2, "", "")
    assert (removed["problems.1"], removed["recommendations.1.text"]) == ("问题三", "建议三")
    added = pair_change(FormData([*form.multi_items(), ("pair", "add")]))
    assert added is not None
    assert added["pair_count"] == 4
    assert pair_change(form) is None


def test_days_left_count_to_the_last_day_of_the_reply_period() -> None:
    advice = {"ends_on": {"reply_deadline": "2026-12-01"}, "final_reply_at": None}
    assert days_left(advice, date(2026, 11, 21)) == 10
    assert days_left(advice, date(2026, 12, 1)) == 0
    assert days_left(advice, date(2026, 12, 3)) == -2
    assert days_left({**advice, "final_reply_at": "2026-11-30T08:00:00Z"}, date(2026, 11, 21)) is None


def test_the_office_compares_two_versions_side_by_side_with_the_changes_marked(system: System, downloads: Path) -> None:
    title = f"关于规范催收行为的司法建议 {system.run}"
    first = {
        **draft_body(system, system.users["agency"].organisation, title),
        "problems": ["催收频次过高", "利息计算不透明"],
        "recommendations": [{"problem": 0, "text": "规范催收频次"}, {"problem": 1, "text": "公开利息计算方法"}],
    }
    advice = system.call("judicial-advice", "POST", "/advices", "research-office", json=first)
    second = {
        **first,
        "problems": ["催收频次过高", "格式条款<b>未提示</b>", "利息计算不透明"],
        "recommendations": [
            {"problem": 0, "text": "规范催收频次"},
            {"problem": 1, "text": "以显著方式提示格式条款"},
            {"problem": 2, "text": "公开利息的计算方法"},
        ],
    }
    system.call("judicial-advice", "PUT", f"/advices/{advice['id']}", "research-office", json=second)

    with person(system, downloads, "research-office", f"/advice/{advice['id']}/edit") as d:
        click_and_wait(d, d.find_element(By.ID, "compare-versions"))
        assert d.find_element(By.TAG_NAME, "h1").text == "版本比较"
        assert "第 1 版与第 2 版相比，共有 2 处不同" in d.find_element(By.ID, "versions-summary").text
        rows = [d.find_element(By.ID, f"pair-row-{i}") for i in range(3)]
        assert "未修改" in rows[0].text
        assert "现第 2 组" in rows[1].text  # the inserted pair, on the later side only
        assert "新增" in rows[1].text
        added = rows[1].find_elements(By.CSS_SELECTOR, "td")
        assert added[0].text == "（本版无此组）"
        assert "格式条款<b>未提示</b>" in added[1].text  # shown as the text typed, escaped
        assert not rows[1].find_elements(By.TAG_NAME, "b")
        assert "原第 2 组" in rows[2].text
        assert "现第 3 组" in rows[2].text
        assert "已修改" in rows[2].text
        assert [e.text for e in rows[2].find_elements(By.CSS_SELECTOR, "ins.diff-ins")] == ["的"]
        check_page(d, "advice-versions")
        # The same version on both sides is refused beside the field.
        select_by_value(d, "versions-a", "2")
        select_by_value(d, "versions-b", "2")
        click_and_wait(d, d.find_element(By.ID, "versions-compare"))
        assert "请选择另一个版本" in d.find_element(By.ID, "versions-b-error").text
        assert not d.find_elements(By.ID, "versions-pairs")
        check_page(d, "advice-versions-error")
