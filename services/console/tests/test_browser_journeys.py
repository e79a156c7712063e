"""The console in headless Chromium, signed in through Keycloak's login page: one journey per role, screenshots
kept under test-artifacts/console/, and axe-core finding no serious or critical violation on the main pages."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from console_browser import wait_for, wait_text
from console_data import batch_csv, json_dispute
from console_journeys import (
    check_page,
    click_and_wait,
    download_report,
    fill,
    mediate_to_agreement,
    mediate_to_failure,
    select_by_value,
    sign_in,
    submit,
    upload_batch,
)
from console_system import System, console_env
from courtlink_shared.infra import keycloak_local
from courtlink_shared.infra.processes import listen_ports
from courtlink_shared.infra.service_processes import start_service, wait_ready
from courtlink_shared.testing.factories import credit_code
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

# Starting Keycloak, two services and the console takes minutes on a busy machine: more than the default 300 s.
pytestmark = [pytest.mark.infra, pytest.mark.timeout(1200)]
ORG_NAME = "长春金融纠纷调解室"


def bank_of(system: System, username: str) -> tuple[str, str]:
    user = system.users[username]
    names = {"bank-a": "示例银行股份有限公司", "bank-b": "某农村商业银行"}
    return user.organisation, names[username]


@pytest.fixture(scope="module")
def roster(system: System) -> None:
    """The mediation organisation with one mediator for loan disputes only (credit-card disputes find nobody)."""
    system.call(
        "finance-mediation",
        "PUT",
        "/organisations/me",
        "med-admin",
        json={"name": ORG_NAME, "kind": "financial_dispute_mediation_room"},
    )
    mediator = {"id": "m-wang", "name": "王调解", "specialties": ["金融借款合同纠纷"], "capacity": 50}
    system.call("finance-mediation", "POST", "/mediators", "med-admin", json=mediator)
    # The court's clerk puts the organisation on the court's roster: only then does it see the court's pool.
    registration = {"organisation_code": system.users["med-admin"].organisation}
    system.call("finance-mediation", "POST", "/courts/me/organisations", "clerk", json=registration)


@pytest.fixture(scope="module")
def uploaded(system: System, roster: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Bank A's batch as the bank journey uploads it (shared by the later journeys, which need its disputes)."""
    return {}


class TestBankOperator:
    def test_uploads_a_csv_watches_the_progress_and_downloads_the_report(
        self,
        system: System,
        roster: None,
        uploaded: dict[str, str],
        browser: WebDriver,
        downloads: Path,
        tmp_path: Path,
    ) -> None:
        code, name = bank_of(system, "bank-a")
        csv_file = tmp_path / "batch.csv"
        csv_file.write_bytes(batch_csv(code, name, system.run, good=40, bad_total=2, bad_id=1, duplicate=1))
        sign_in(browser, system.console, "bank-a", "/batches/new")
        batch_url = upload_batch(browser, system.console, csv_file, downloads)
        body = browser.find_element(By.ID, "report-title").find_element(By.XPATH, "..").text
        assert "需要处理的行（共 4 行）" in body
        assert "合计" in body
        assert "被申请人1证件号码" in body
        assert "疑似重复" in body
        report = download_report(browser, downloads, batch_url.rsplit("/", 1)[1])
        assert report.count("已受理") == 40
        assert report.count("未受理") == 3
        uploaded["batch"] = batch_url

    def test_finds_a_dispute_and_reads_its_timeline_and_notice(
        self, system: System, uploaded: dict[str, str], browser: WebDriver
    ) -> None:
        reference = f"UI-{system.run}-002"
        sign_in(browser, system.console, "bank-a", "/disputes")
        first_page = browser.find_element(By.ID, "results").text
        click_and_wait(browser, browser.find_element(By.LINK_TEXT, "下一页"))  # 20 a page, 41 disputes
        assert browser.find_element(By.ID, "results").text != first_page
        browser.get(system.console + "/disputes")
        fill(browser, "search-bank_reference", reference)  # active search: the results follow the typing
        WebDriverWait(browser, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results tbody tr")) == 1)
        assert f"bank_reference={reference}" in browser.current_url  # the search is in the address, to share
        check_page(browser, "bank-disputes")
        click_and_wait(browser, browser.find_element(By.LINK_TEXT, reference))
        wait_for(browser, "#timeline-title")
        deadline = time.monotonic() + 60
        while "诉前调解告知书" not in browser.page_source and time.monotonic() < deadline:
            time.sleep(1)
            browser.refresh()
        frame = wait_for(browser, "iframe.notice-frame")
        browser.switch_to.frame(frame)
        assert "诉前调解告知书" in browser.find_element(By.TAG_NAME, "body").text
        browser.switch_to.default_content()
        assert browser.find_element(By.PARTIAL_LINK_TEXT, "下载 PDF")
        check_page(browser, "bank-dispute")
        uploaded["dispute_url"] = browser.current_url

    def test_drops_a_json_batch_on_the_page(self, system: System, uploaded: dict[str, str], browser: WebDriver) -> None:
        code, name = bank_of(system, "bank-a")
        dispute = json_dispute(code, name, f"DROP-{system.run}")
        sign_in(browser, system.console, "bank-a", "/batches/new")
        browser.execute_script(DROP_FILE, json.dumps({"disputes": [dispute]}))
        assert "已选择：drop.json" in wait_for(browser, "[data-chosen]").text
        submit(browser, "upload-form")
        wait_text(browser, "#batch-progress", "处理完成", timeout=60)
        assert "全部 1 行均已受理" in browser.find_element(By.ID, "batch-progress").text


# What a person does when dragging a file onto the drop zone (WebDriver cannot drag from the desktop).
DROP_FILE = """
const zone = document.querySelector("[data-dropzone]");
const data = new DataTransfer();
data.items.add(new File([arguments[0]], "drop.json", {type: "application/json"}));
zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: data, bubbles: true, cancelable: true}));
zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
"""


class TestMediator:
    def test_accepts_records_a_session_and_settles_with_an_agreement(
        self, system: System, uploaded: dict[str, str], browser: WebDriver
    ) -> None:
        sign_in(browser, system.console, "m-wang", "/cases")
        deadline = time.monotonic() + 60
        while "待调解员接受" not in browser.page_source and time.monotonic() < deadline:
            time.sleep(1)
            browser.refresh()
        case_url = mediate_to_agreement(browser, system.console)
        uploaded["case_id"] = case_url.rsplit("/", 1)[1]

    def test_suspends_resumes_extends_with_consent_and_closes_a_case_as_failed(
        self, system: System, uploaded: dict[str, str], browser: WebDriver
    ) -> None:
        sign_in(browser, system.console, "m-wang", "/cases")
        mediate_to_failure(browser, system.console)


class TestBankSeesTheMediation:
    def test_reads_the_settled_case_applies_for_confirmation_and_reads_statistics(
        self, system: System, uploaded: dict[str, str], browser: WebDriver
    ) -> None:
        sign_in(browser, system.console, "bank-a", "/mediation")
        check_page(browser, "bank-mediation-cases")
        browser.get(f"{system.console}/mediation/{uploaded['case_id']}")
        assert "调解成功" in wait_for(browser, "h1").text
        assert "¥20,000.00" in browser.find_element(By.TAG_NAME, "main").text  # the agreement as the bank sees it
        assert not browser.find_elements(By.ID, "form-accept")  # none of the mediator's actions
        check_page(browser, "bank-mediation-case")
        submit(browser, "form-confirmation")
        assert "司法确认申请已提交" in wait_for(browser, ".banner--success").text
        browser.get(system.console + "/statistics")
        assert "新受理纠纷" in wait_for(browser, "main").text
        check_page(browser, "bank-statistics")


class TestIntakeClerk:
    def test_routes_a_probable_duplicate(self, system: System, uploaded: dict[str, str], browser: WebDriver) -> None:
        reference = f"UI-{system.run}-044"
        sign_in(browser, system.console, "clerk", "/review")
        check_page(browser, "clerk-review")
        row = browser.find_element(By.XPATH, f"//tr[td[1][normalize-space()='{reference}']]")
        click_and_wait(browser, row.find_element(By.PARTIAL_LINK_TEXT, "审查"))
        wait_for(browser, "#review-title")
        check_page(browser, "clerk-dispute-review")
        select_by_value(browser, "review-decision", "route")
        fill(browser, "review-reason", "合同编号相同但为另一笔借款，不属于重复")
        click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action$='/review'] button[type=submit]"))
        assert "审查结论已记录" in wait_for(browser, ".banner--success").text
        assert reference not in browser.find_element(By.TAG_NAME, "main").text
        browser.get(system.console + "/statistics")
        check_page(browser, "clerk-statistics")

    def test_keeps_the_courts_roster_of_mediation_organisations(
        self, system: System, roster: None, browser: WebDriver
    ) -> None:
        sign_in(browser, system.console, "clerk", "/organisations")
        assert ORG_NAME in browser.find_element(By.TAG_NAME, "main").text, "on the roster, shown by its name"
        fill(browser, "register-organisation_code", "123")
        click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#register-form button[type=submit]"))
        error = wait_for(browser, "#register-organisation_code-error").text  # the service's field error
        assert "统一社会信用代码应为 18 位" in error, error
        assert "characters" not in error, "the Chinese says it all; the English is not repeated after it"
        check_page(browser, "clerk-organisations-field-error")
        another = credit_code(777, prefix="52220101")
        fill(browser, "register-organisation_code", another)
        click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#register-form button[type=submit]"))
        assert "调解组织已列入本院名册" in wait_for(browser, ".banner--success").text
        row = browser.find_element(By.XPATH, f"//tbody/tr[td[2][normalize-space()='{another}']]")
        assert "尚未填写名称" in row.text, "an organisation that has not entered its name yet"
        check_page(browser, "clerk-organisations")
        click_and_wait(browser, row.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        assert "调解组织已移出本院名册" in wait_for(browser, ".banner--success").text
        main = browser.find_element(By.TAG_NAME, "main").text
        assert another not in main
        assert ORG_NAME in main
        click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/signout'] button"))
        sign_in(browser, system.console, "med-admin", "/organisations")  # the court's roster is the court's to keep
        assert "未找到" in browser.find_element(By.TAG_NAME, "main").text
        assert "列入名册" not in browser.page_source


class TestMediationOrganisationAdmin:
    def test_adds_a_mediator_and_assigns_a_pooled_case(
        self, system: System, roster: None, browser: WebDriver, tmp_path: Path
    ) -> None:
        code, name = bank_of(system, "bank-b")
        card = batch_csv(code, name, system.run + "B", good=1, bad_total=0, bad_id=0).decode("utf-8-sig")
        card = card.replace("金融借款合同纠纷", "信用卡纠纷")
        _submit_csv(system, "bank-b", card)
        sign_in(browser, system.console, "med-admin", "/roster")
        fill(browser, "add-id", "m-zhao")
        fill(browser, "add-name", "赵调解")
        browser.find_element(By.CSS_SELECTOR, "#add-form input[name=specialties][value='信用卡纠纷']").click()
        fill(browser, "add-capacity", "0")
        click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#add-form button[type=submit]"))
        assert wait_for(browser, "#add-capacity-error").text  # the service's field error, beside the field
        check_page(browser, "admin-roster-field-error")
        fill(browser, "add-capacity", "20")
        click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#add-form button[type=submit]"))
        assert "调解员已加入名册" in wait_for(browser, ".banner--success").text
        check_page(browser, "admin-roster")
        browser.get(system.console + "/pool")
        deadline = time.monotonic() + 60
        while "信用卡纠纷" not in browser.find_element(By.TAG_NAME, "main").text and time.monotonic() < deadline:
            time.sleep(1)
            browser.refresh()
        check_page(browser, "admin-pool")
        form = browser.find_element(By.XPATH, "//tr[td[2][normalize-space()='信用卡纠纷']]//form")
        form.find_element(By.CSS_SELECTOR, "select option[value='m-zhao']").click()
        click_and_wait(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        assert "案件已分配" in wait_for(browser, ".banner--success").text
        browser.get(system.console + "/overview")
        assert "赵调解" in browser.find_element(By.TAG_NAME, "main").text
        check_page(browser, "admin-overview")
        browser.get(system.console + "/roster")  # 赵调解 goes on leave: no new cases for now
        browser.find_element(By.ID, "edit-m-zhao-available").click()
        submit(browser, "edit-m-zhao")
        assert "名册已更新" in wait_for(browser, ".banner--success").text
        row = browser.find_element(By.XPATH, "//tbody/tr[td[1][normalize-space()='m-zhao']]")
        assert "暂停接案" in row.text


def _submit_csv(system: System, username: str, content: str) -> None:
    response = httpx.post(
        system.services["intake"].url + "/batches",
        content=content.encode("utf-8"),
        headers={**system.token(username), "Content-Type": "text/csv"},
        timeout=30,
    )
    assert response.status_code == 202, response.text


class TestScoping:
    def test_another_banks_dispute_id_in_the_url_shows_nothing_of_it(
        self, system: System, uploaded: dict[str, str], browser: WebDriver
    ) -> None:
        dispute_url = uploaded["dispute_url"]
        path = dispute_url.split(system.console, 1)[1]
        sign_in(browser, system.console, "bank-b", path)
        main = browser.find_element(By.TAG_NAME, "main").text
        assert "未找到" in main
        assert f"UI-{system.run}" not in browser.page_source
        assert "借款人" not in browser.page_source
        browser.get(system.console + path + "/notice")
        assert "诉前调解告知书" not in browser.page_source


class TestSession:
    def test_an_expired_session_signs_in_again_and_returns_to_the_page(
        self, system: System, uploaded: dict[str, str], browser: WebDriver
    ) -> None:
        path = uploaded["dispute_url"].split(system.console, 1)[1]
        sign_in(browser, system.console, "bank-a", path)
        browser.delete_cookie("courtlink_session")  # the console forgot the session (idle, or restarted)
        browser.get(system.console + path)  # Keycloak's own session still stands: straight back to the page
        wait_for(browser, "#timeline-title")
        assert browser.current_url == system.console + path

    def test_sign_out_ends_the_keycloak_session_too(self, system: System, browser: WebDriver) -> None:
        sign_in(browser, system.console, "bank-a", "/disputes")
        click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/signout'] button"))
        assert "您已退出登录" in wait_for(browser, "h1").text
        check_page(browser, "signed-out")
        browser.get(system.console + "/disputes")
        wait_for(browser, "#username")  # Keycloak asks for the password again


def test_forms_refuse_a_post_without_the_csrf_token(
    system: System, uploaded: dict[str, str], browser: WebDriver
) -> None:
    sign_in(browser, system.console, "bank-a", "/batches/new")
    status = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/disputes/x/withdraw', {method: 'POST', body: new URLSearchParams({reason: 'r'})})"
        ".then(r => done(r.status));"
    )
    assert status == 403


class TestServiceDown:
    def test_a_service_that_is_down_gives_a_message_where_its_part_would_be(
        self, system: System, uploaded: dict[str, str], browser: WebDriver, tmp_path: Path
    ) -> None:
        [console_port, closed_port] = listen_ports(2)  # nothing listens on closed_port: finance-mediation is "down"
        urls = {name: service.url for name, service in system.services.items()}
        env = console_env(
            system.keycloak, console_port, urls | {"finance-mediation": f"http://127.0.0.1:{closed_port}"}
        )
        console = start_service("console", console_port, env=env, log_dir=tmp_path)
        try:
            wait_ready([console], 60)
            path = uploaded["dispute_url"].split(system.console, 1)[1]
            sign_in(browser, console.url, "bank-a", path)
            main = browser.find_element(By.TAG_NAME, "main").text
            assert "金融纠纷调解服务暂时无法访问" in main  # the mediation part of the page says so
            assert "办理进程" in main  # and intake's part is there
            check_page(browser, "bank-dispute-mediation-down")
            browser.get(console.url + "/mediation")
            assert "金融纠纷调解服务暂时无法访问" in wait_for(browser, "main").text
        finally:
            console.stop()


class TestTokenRefresh:
    def test_an_expired_access_token_is_renewed_without_signing_in_again(
        self, system: System, uploaded: dict[str, str], browser: WebDriver
    ) -> None:
        with console_token_lifespan(system, seconds=12):  # the console renews 10 s early: after 2 s here
            sign_in(browser, system.console, "bank-a", "/disputes")
            # Forget Keycloak's own session cookies (same host as the console here: cookies ignore the port), so that
            # only the refresh token can keep the user signed in; a failed renewal would end on the login form.
            for cookie in browser.get_cookies():
                if cookie["name"] != "courtlink_session":
                    browser.delete_cookie(cookie["name"])
            time.sleep(3)
            before = last_token_activity(system, "bank-a")
            browser.get(system.console + "/statistics")
            assert "新受理纠纷" in wait_for(browser, "main").text
            assert browser.current_url == system.console + "/statistics"
            assert last_token_activity(system, "bank-a") > before  # the console went to the token endpoint


def last_token_activity(system: System, username: str) -> int:
    """When Keycloak last issued or renewed a token in any of this user's sessions (epoch milliseconds)."""
    with keycloak_local.admin_api(system.keycloak) as api:
        [user] = api.get("/users", params={"username": username, "exact": "true"}).json()
        sessions = api.get(f"/users/{user['id']}/sessions").json()
    return max((int(s["lastAccess"]) for s in sessions), default=0)


@contextmanager
def console_token_lifespan(system: System, seconds: int) -> Iterator[None]:
    """Access tokens of the console's client live `seconds` while inside (a client attribute in Keycloak)."""
    with keycloak_local.admin_api(system.keycloak) as api:
        [client] = api.get("/clients", params={"clientId": keycloak_local.CONSOLE_CLIENT}).json()
        before = dict(client.get("attributes") or {})
        changed = {**before, "access.token.lifespan": str(seconds)}
        assert api.put(f"/clients/{client['id']}", json={**client, "attributes": changed}).status_code == 204
        try:
            yield
        finally:
            restored = {**before, "access.token.lifespan": before.get("access.token.lifespan", "")}
            api.put(f"/clients/{client['id']}", json={**client, "attributes": restored})
