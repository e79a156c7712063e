"""The trial judge's judicial confirmation queue and drafting of judicial advice, and the bank's judicial advice, in
headless Chromium, each person signed in through Keycloak's login page: the judge accepts two applications, meets a
field error, confirms one (the 民特 case number shown) and dismisses the other with reasons; the judge drafts an advice
that the research office takes on; the bank signs for and replies to the advice addressed to it and reads the one
copied to it; another bank opening that advice by its URL finds nothing, and cannot sign for it."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from console.pages import blanks_named
from console.pages.confirmation import decision_body, queue_rows
from console_browser import chromium, wait_for
from console_data import json_dispute
from console_journeys import banner, check_page, click_and_wait, fill, select_by_value, sign_in, submit
from console_system import System
from courtlink_shared.testing.factories import resident_id
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from starlette.datastructures import FormData

pytestmark = [pytest.mark.infra, pytest.mark.timeout(1200)]
BANK_NAME = "示例银行股份有限公司"  # bank-a's organisation in the demo realm


@contextmanager
def person(system: System, downloads: Path, username: str, path: str) -> Iterator[WebDriver]:
    """A fresh browser (no Keycloak session) signed in as `username` on `path`."""
    with chromium(downloads) as driver:
        sign_in(driver, system.console, username, path)
        yield driver


def main_text(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "main").text)


def until(check: Any, what: str, timeout: float = 90) -> Any:
    """`check()`'s first truthy answer (the services work in the background, over Kafka)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = check()
        if answer:
            return answer
        time.sleep(0.5)
    raise AssertionError(f"{what} never happened")


def applied_for_confirmation(system: System, count: int) -> list[dict[str, Any]]:
    """`count` disputes of bank-a mediated by m-wang to an agreement every party signed, each applied for judicial
    confirmation by the bank (all through the services' APIs, as the mediation journeys do in the browser)."""
    system.call(
        "finance-mediation",
        "PUT",
        "/organisations/me",
        "med-admin",
        json={"name": "长春金融纠纷调解室", "kind": "financial_dispute_mediation_room"},
    )
    mediator = {"id": "m-wang", "name": "王调解", "specialties": ["金融借款合同纠纷"], "capacity": 50}
    system.call("finance-mediation", "POST", "/mediators", "med-admin", json=mediator)
    registration = {"organisation_code": system.users["med-admin"].organisation}  # on the court's roster
    system.call("finance-mediation", "POST", "/courts/me/organisations", "clerk", json=registration)
    bank_code = system.users["bank-a"].organisation
    disputes = []
    for n in range(count):
        body = json_dispute(bank_code, BANK_NAME, f"SQ-{system.run}-{n}")
        body["respondents"] = [{"kind": "person", "name": f"借款人{n + 1}", "id_number": resident_id(4100 + n)}]
        disputes.append(system.call("intake", "POST", "/disputes", "bank-a", json=body)["id"])

    def assigned() -> list[dict[str, Any]]:
        cases = system.call("finance-mediation", "GET", "/cases", "m-wang", params={"limit": 500})
        mine = {c["dispute_id"]: c for c in cases if c["status"] == "assigned"}
        return [mine[d] for d in disputes] if all(d in mine for d in disputes) else []

    applied = []
    for case in until(assigned, "the disputes' cases assigned to m-wang"):
        url = f"/cases/{case['id']}"
        system.call("finance-mediation", "POST", f"{url}/accept", "m-wang")
        plan = {
            "settled_amount": "20000.00",
            "instalments": [
                {"due_date": "2026-12-31", "amount": "10000.00"},
                {"due_date": "2027-01-31", "amount": "10000.00"},
            ],
        }
        system.call("finance-mediation", "POST", f"{url}/agreement", "m-wang", json=plan)
        for party in case["parties"]:
            system.call("finance-mediation", "POST", f"{url}/signatures", "m-wang", json={"party": party})
        body = {"applicants": case["parties"]}
        applied.append(system.call("finance-mediation", "POST", f"{url}/confirmation", "bank-a", json=body))
    return applied


def test_a_judge_accepts_then_confirms_one_application_and_dismisses_another_with_reasons(
    system: System, downloads: Path
) -> None:
    to_confirm, to_dismiss = applied_for_confirmation(system, 2)

    with person(system, downloads, "judge-li", "/confirmations") as d:
        waiting = d.find_element(By.ID, "waiting-title").find_element(By.XPATH, "..")
        assert to_confirm["mediation_number"] in waiting.text
        assert to_dismiss["mediation_number"] in waiting.text
        stages = [t.text for t in waiting.find_elements(By.CSS_SELECTOR, "tbody .tag")]
        assert stages == ["待受理", "待受理"]
        check_page(d, "judge-confirmation-queue")

        click_and_wait(d, d.find_element(By.LINK_TEXT, to_confirm["mediation_number"]))
        assert "示例银行股份有限公司" in main_text(d)
        assert "¥20,000.00" in main_text(d)
        submit(d, "form-acceptance")
        assert banner(d).startswith("已受理司法确认申请")
        assert d.find_element(By.ID, "confirmation-stage").text == "已受理，待裁定"
        submit(d, "form-confirm")  # no reasons: refused beside the field
        summary = wait_for(d, "#form-confirm .error-summary")
        assert summary.find_element(By.CSS_SELECTOR, "a[href='#confirm-reasons']").text == "请填写裁定理由"
        assert d.find_element(By.ID, "confirm-reasons-error").is_displayed()
        check_page(d, "judge-confirmation-field-error")
        fill(d, "confirm-reasons", "协议系双方自愿达成，内容不违反法律、行政法规的强制性规定。")
        submit(d, "form-confirm")
        assert banner(d) == "已裁定确认。"
        number = d.find_element(By.ID, "confirmation-case-number").text
        assert re.fullmatch(r"（\d{4}）吉7101民特\d+号", number), number
        result = d.find_element(By.ID, "decision-result").text
        assert "裁定确认调解协议有效" in result
        assert "协议系双方自愿达成" in result
        assert not d.find_elements(By.ID, "form-confirm"), "a decided application takes no second decision"
        check_page(d, "judge-confirmation-confirmed")

        d.get(f"{system.console}/confirmations/{to_dismiss['id']}")
        submit(d, "form-acceptance")
        fill(d, "dismiss-reasons", "协议约定的违约金明显超过法定上限，违反法律强制性规定。")
        submit(d, "form-dismiss")
        assert banner(d) == "已裁定驳回。"
        result = d.find_element(By.ID, "decision-result").text
        assert "裁定驳回司法确认申请" in result
        assert "违约金明显超过法定上限" in result
        assert not d.find_elements(By.ID, "confirmation-case-number")
        check_page(d, "judge-confirmation-dismissed")

        click_and_wait(d, d.find_element(By.LINK_TEXT, "← 返回司法确认"))
        assert "没有待办理的司法确认申请。" in main_text(d)
        decided = d.find_element(By.ID, "decided-title").find_element(By.XPATH, "..")
        rows = {
            r.find_element(By.TAG_NAME, "a").text: r.text for r in decided.find_elements(By.CSS_SELECTOR, "tbody tr")
        }
        assert number in rows[to_confirm["mediation_number"]]
        assert "已裁定确认" in rows[to_confirm["mediation_number"]]
        assert "已裁定驳回" in rows[to_dismiss["mediation_number"]]
        check_page(d, "judge-confirmation-decided")


def test_a_judge_drafts_judicial_advice_and_the_research_office_submits_it(system: System, downloads: Path) -> None:
    title = f"关于规范金融借款合同违约金条款的司法建议 {system.run}"
    with person(system, downloads, "judge-li", "/advice") as d:
        click_and_wait(d, d.find_element(By.LINK_TEXT, "起草司法建议"))
        fill(d, "advice-title", title)
        fill(d, "advice-recipient_name", "某市市场监督管理局")
        fill(d, "advice-recipient_code", system.users["agency"].organisation)
        fill(d, "advice-background", "本庭审理的金融借款合同纠纷中，违约金条款约定过高的情形较多。")
        fill(d, "advice-problems-0", "违约金约定明显过高")
        fill(d, "advice-recommendations-0-text", "督促辖区金融机构规范违约金条款")
        fill(d, "advice-contact_person", "李法官")
        fill(d, "advice-contact_phone", "0431-88886666")
        check_page(d, "judge-advice-editor")
        click_and_wait(d, d.find_element(By.ID, "advice-save"))
        assert banner(d) == "已保存。"
        assert "草稿" in main_text(d)
        advice_url = d.current_url.split("?", 1)[0]

    with person(system, downloads, "research-office", "/advice") as d:
        row = d.find_element(By.XPATH, f"//tr[td[normalize-space()='{title}']]")
        assert "草稿" in row.text
        click_and_wait(d, row.find_element(By.TAG_NAME, "a"))
        assert d.current_url.split("?", 1)[0] == advice_url
        assert "违约金约定明显过高" in main_text(d)
        submit(d, "form-submission")
        assert banner(d) == "已提交审判委员会审议。"
        entries = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".timeline li")]
        assert "起草" in entries[0]
        assert "judge-li" in entries[0], "the research office sees who drafted"
        assert "research-office" in entries[-1]
        check_page(d, "research-office-judge-draft-submitted")


def delivered_advice(system: System, title: str, recipient: tuple[str, str], cc: list[dict[str, str]]) -> str:
    """An advice drafted, approved, signed and delivered through the API by the court's people."""
    body = {
        "title": title,
        "recipient_name": recipient[0],
        "recipient_code": recipient[1],
        "cc": cc,
        "background": "本院审理的信用卡纠纷中，分期手续费披露不充分的情形较多。",
        "problems": ["分期手续费未折算年化利率", "催收通知未载明救济途径"],
        "recommendations": [
            {"problem": 0, "text": "在分期页面以年化利率公示手续费"},
            {"problem": 1, "text": "在催收通知中载明异议渠道"},
        ],
        "contact_person": "研究室 王某",
        "contact_phone": "0431-88886666",
    }
    advice_id = str(system.call("judicial-advice", "POST", "/advices", "research-office", json=body)["id"])
    for action, username in (("submission", "research-office"), ("approval", "committee"), ("issue", "president")):
        system.call("judicial-advice", "POST", f"/advices/{advice_id}/{action}", username)
    delivery = {"method": "electronic", "proof": "电子送达回执"}
    system.call("judicial-advice", "POST", f"/advices/{advice_id}/delivery", "research-office", json=delivery)
    return advice_id


@pytest.fixture(scope="module")
def bank_advice(system: System) -> dict[str, str]:
    """Advice addressed to bank-a, advice to an agency copied to bank-a, and advice addressed to bank-b."""
    bank_a, bank_b = system.users["bank-a"].organisation, system.users["bank-b"].organisation
    agency = system.users["agency"].organisation
    return {
        "addressed": delivered_advice(system, f"致示例银行的司法建议 {system.run}", (BANK_NAME, bank_a), []),
        "copied": delivered_advice(
            system,
            f"抄送示例银行的司法建议 {system.run}",
            ("某市市场监督管理局", agency),
            [{"name": BANK_NAME, "code": bank_a}],
        ),
        "other": delivered_advice(system, f"致某农村商业银行的司法建议 {system.run}", ("某农村商业银行", bank_b), []),
    }


def test_a_bank_signs_for_and_replies_to_advice_addressed_to_it_and_reads_advice_copied_to_it(
    system: System, downloads: Path, bank_advice: dict[str, str]
) -> None:
    with person(system, downloads, "bank-a", "/advice") as d:
        assert d.find_element(By.CSS_SELECTOR, "nav a[aria-current=page]").text == "司法建议收件箱"
        text = main_text(d)
        assert f"致示例银行的司法建议 {system.run}" in text
        assert "致某农村商业银行的司法建议" not in text, "another bank's advice is in this bank's inbox"
        addressed = d.find_element(By.XPATH, f"//tr[td[normalize-space()='致示例银行的司法建议 {system.run}']]")
        copied = d.find_element(By.XPATH, f"//tr[td[normalize-space()='抄送示例银行的司法建议 {system.run}']]")
        assert "主送" in addressed.text
        assert "剩余" in addressed.text
        assert "抄送，无需回复" in copied.text
        check_page(d, "bank-advice-inbox")

        click_and_wait(d, addressed.find_element(By.TAG_NAME, "a"))
        assert "分期手续费未折算年化利率" in main_text(d)
        submit(d, "form-acknowledgement")
        assert banner(d) == "已签收。"
        select_by_value(d, "replies-adoption", "partly_adopted")
        submit(d, "form-replies")  # no measures: refused beside the field
        assert "请填写采取的措施" in d.find_element(By.ID, "replies-measures-error").text
        check_page(d, "bank-advice-reply-error")
        select_by_value(d, "replies-adoption", "partly_adopted")
        fill(d, "replies-measures", "已在分期页面以年化利率公示手续费。")
        fill(d, "replies-reasons", "催收通知模板需总行统一修订，另行回复。")
        submit(d, "form-replies")
        assert banner(d) == "书面回复已提交。"
        assert "已书面回复" in main_text(d)
        assert "部分采纳" in main_text(d)
        assert d.find_element(By.ID, "replied-note").text == "本单位已书面回复，无需再办理。"
        reply = d.find_elements(By.CSS_SELECTOR, ".timeline li")[-1].text
        assert "采取的措施：已在分期页面以年化利率公示手续费。" in reply
        assert "催收通知模板需总行统一修订" in reply
        check_page(d, "bank-advice-replied")

        d.get(f"{system.console}/advice/{bank_advice['copied']}")
        assert "本单位为抄送单位" in d.find_element(By.ID, "copied-note").text
        assert "剩余" not in main_text(d), "a copied bank has no reply to make"
        assert not d.find_elements(By.ID, "form-acknowledgement")
        assert not d.find_elements(By.ID, "form-replies")
        check_page(d, "bank-advice-copied")


def test_another_bank_cannot_open_or_sign_for_advice_addressed_to_a_bank(
    system: System, downloads: Path, bank_advice: dict[str, str]
) -> None:
    target = bank_advice["addressed"]
    before = system.call("judicial-advice", "GET", f"/advices/{target}", "research-office")
    with person(system, downloads, "bank-b", "/advice") as d:
        text = main_text(d)
        assert f"致某农村商业银行的司法建议 {system.run}" in text
        assert "致示例银行的司法建议" not in text
        assert "抄送示例银行的司法建议" not in text
        for path in (f"/advice/{target}", f"/advice/{target}/document", f"/advice/{target}/document.pdf"):
            d.get(system.console + path)
            assert d.find_element(By.TAG_NAME, "h1").text == "未找到", path
        # A forged sign-for with this session's own CSRF token: the service does not know the advice for bank-b.
        csrf = json.loads(d.find_element(By.TAG_NAME, "body").get_attribute("hx-headers") or "{}")["X-CSRF-Token"]
        status = d.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0], {method: 'POST', headers: {'X-CSRF-Token': arguments[1]}})"
            ".then((r) => done(r.status));",
            f"/advice/{target}/acknowledgement",
            csrf,
        )
        assert status == 404
    after = system.call("judicial-advice", "GET", f"/advices/{target}", "research-office")
    assert (after["status"], after["timeline"]) == (before["status"], before["timeline"])


def test_the_queue_puts_the_nearest_last_day_first_and_a_decision_carries_its_reasons() -> None:
    def waiting(case_id: str, requested: str, accepted: bool, ends_on: dict[str, str]) -> dict[str, Any]:
        flags = {"acceptance_overdue": False, "decision_overdue": accepted and case_id == "late"}
        confirmation = {"requested_at": requested, "accepted_at": "x" if accepted else None, "decision": None, **flags}
        return {"id": case_id, "confirmation": confirmation, "ends_on": ends_on}

    rows = queue_rows(
        [
            waiting("new", "2026-10-02T01:00:00Z", False, {"confirmation_accept_by": "2026-10-08"}),
            waiting("late", "2026-09-01T01:00:00Z", True, {"confirmation_decide_by": "2026-09-20"}),
            waiting("twin", "2026-10-01T01:00:00Z", False, {"confirmation_accept_by": "2026-10-08"}),
        ]
    )
    assert [(r["id"], r["stage"], r["last_day"], r["late"]) for r in rows] == [
        ("late", "awaiting_decision", "2026-09-20", True),
        ("twin", "awaiting_acceptance", "2026-10-08", False),
        ("new", "awaiting_acceptance", "2026-10-08", False),
    ]
    body = decision_body(FormData([("reasons", "  违反强制性规定 "), ("president_extension", "yes")]), "dismissed")
    assert body == {"decision": "dismissed", "reasons": "违反强制性规定", "president_extension": True}
    assert decision_body(FormData([]), "confirmed")["president_extension"] is False
    errors = {"reasons": "内容过短（至少 1 个字符）", "decision": "取值无效"}
    assert blanks_named(errors, FormData([("reasons", " ")]), {"reasons": "驳回理由"}) == {
        "reasons": "请填写驳回理由",
        "decision": "取值无效",
    }
    typed = {"reasons": "内容过长"}
    assert blanks_named(typed, FormData([("reasons", "很长")]), {"reasons": "驳回理由"}) == typed
