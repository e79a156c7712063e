"""A realistic demo over the running services' HTTP APIs, with a token for each user:

two banks submit batches of disputes; mediators accept, settle, fail and extend; a failure the bank maintains
is filed by intake; a trial judge sends an enforcement inquiry on that case and the respondent's bank answers;
a judicial advice is drafted, approved, issued, delivered and replied to by the agency. Returns the figures the
court's leaders would read. Each step checks its answer, so a broken flow stops the demo with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
from courtlink_shared.auth.dev_tokens import mint_token
from courtlink_shared.auth.principal import Role
from courtlink_shared.clock import SHANGHAI
from courtlink_shared.infra import keycloak_local
from courtlink_shared.infra.keycloak_local import KeycloakInstance
from courtlink_shared.testing.factories import credit_code, resident_id

COURT = "吉7101"
BANKS = {
    "91110000600037341L": ("示例银行股份有限公司", "金融借款合同纠纷"),
    credit_code(90): ("某农村商业银行", "信用卡纠纷"),
}
MEDIATION_ORG = credit_code(5, prefix="52220101")
AGENCY = credit_code(300, prefix="11220000")
DEPOSIT_BANK = credit_code(91)
DISPUTES_PER_BANK = 12


class DemoError(RuntimeError):
    """A step of the demo did not get the answer it expects."""


@dataclass
class DemoResult:
    disputes: int = 0
    settled: int = 0
    failed: int = 0
    extended: int = 0
    filed_case: str = ""
    filed_dispute_id: str = ""
    filed_by_bank: str = ""
    timeline_url: str = ""
    inquiry_id: str = ""
    inquiry_url: str = ""
    advice_id: str = ""
    advice_number: str = ""
    statistics: dict[str, dict[str, Any]] = field(default_factory=dict)


TokenSource = Callable[[Role, str, str | None], str]
"""A token for a user with this role in this organisation (and this subject, when the demo names one)."""


class KeycloakTokens:
    """The demo's users signed in to Keycloak: the realm's demo person with the role and organisation asked for
    (the one whose id is the subject, when the demo names one, e.g. mediator m-wang), by password grant through
    the scripts client; each token is reused until shortly before it expires."""

    def __init__(self, instance: KeycloakInstance) -> None:
        self.instance = instance
        keycloak_local.ensure_scripts_client(instance)
        self.users = keycloak_local.demo_users()
        self.cache: dict[str, tuple[str, float]] = {}

    def __call__(self, role: Role, org: str, subject: str | None) -> str:
        candidates = [u for u in self.users if u.role == role.value and u.organisation == org]
        if not candidates:
            raise DemoError(f"the realm has no demo user with role {role.value} in {org}")
        user = next((u for u in candidates if u.username == subject), candidates[0])
        token, expires = self.cache.get(user.username, ("", 0.0))
        if expires - time.time() < 30:
            token = keycloak_local.password_token(self.instance, user.username)
            expires = float(jwt.decode(token, options={"verify_signature": False})["exp"])
            self.cache[user.username] = (token, expires)
        return token


class Demo:
    def __init__(
        self, urls: dict[str, str], keys_dir: Path, timeout: float = 90, *, tokens: TokenSource | None = None
    ) -> None:
        self.urls = urls
        self.keys_dir = keys_dir
        self.timeout = timeout
        self.tokens = tokens
        self.http = httpx.Client(timeout=30)
        self.result = DemoResult()

    def auth(self, role: Role, org: str, subject: str | None = None) -> dict[str, str]:
        if self.tokens is not None:
            return {"Authorization": f"Bearer {self.tokens(role, org, subject)}"}
        token = mint_token(self.keys_dir, subject=subject or f"{role.value}-demo", roles=[role], organisation=org)
        return {"Authorization": f"Bearer {token}"}

    def call(self, method: str, service: str, path: str, who: dict[str, str], **kwargs: Any) -> Any:
        response = self.http.request(method, self.urls[service] + path, headers=who, **kwargs)
        if response.status_code >= 400:
            raise DemoError(f"{method} {service}{path} answered {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else None

    def wait(self, what: str, check: Callable[[], bool]) -> None:
        deadline = time.monotonic() + self.timeout
        while not check():
            if time.monotonic() > deadline:
                raise DemoError(f"timed out waiting for {what}")
            time.sleep(0.3)

    def run(self) -> DemoResult:
        self.roster()
        cases = self.submit_batches()
        self.mediate(cases)
        self.enforcement_inquiry()
        self.judicial_advice()
        self.read_statistics()
        return self.result

    def roster(self) -> None:
        admin = self.auth(Role.MEDIATION_ORG_ADMIN, MEDIATION_ORG)
        body = {"name": "长春金融纠纷调解室", "kind": "financial_dispute_mediation_room"}
        self.call("PUT", "finance-mediation", "/organisations/me", admin, json=body)
        existing = {m["id"] for m in self.call("GET", "finance-mediation", "/mediators", admin)}
        for mediator_id, name in (("m-wang", "王调解"), ("m-zhao", "赵调解")):
            if mediator_id not in existing:
                mediator = {
                    "id": mediator_id,
                    "name": name,
                    "specialties": ["金融借款合同纠纷", "信用卡纠纷"],
                    "capacity": 50,
                    "affiliations": [],
                }
                self.call("POST", "finance-mediation", "/mediators", admin, json=mediator)
        # The court's clerk puts the organisation on the court's roster: it is then given the court's cases, and its
        # admin sees the court's pool.
        clerk = self.auth(Role.INTAKE_CLERK, COURT)
        registration = {"organisation_code": MEDIATION_ORG}
        self.call("POST", "finance-mediation", "/courts/me/organisations", clerk, json=registration)

    def submit_batches(self) -> list[dict[str, Any]]:
        """Each bank sends one JSON batch; the court routes them and mediation assigns them."""
        run = datetime.now(UTC).strftime("%H%M%S")
        for b, (bank, (name, dispute_type)) in enumerate(BANKS.items()):
            disputes = [_dispute(bank, name, dispute_type, b * 100 + n, run) for n in range(DISPUTES_PER_BANK)]
            batch = self.call(
                "POST", "intake", "/batches", self.auth(Role.BANK_OPERATOR, bank), json={"disputes": disputes}
            )

            def completed(bank: str = bank, batch_id: str = batch["id"]) -> bool:
                seen = self.call("GET", "intake", f"/batches/{batch_id}", self.auth(Role.BANK_OPERATOR, bank))
                return bool(seen["status"] == "completed")

            self.wait(f"the batch of {name}", completed)
        self.result.disputes = len(BANKS) * DISPUTES_PER_BANK
        cases: list[dict[str, Any]] = []

        def assigned() -> bool:
            cases[:] = [
                c
                for m in ("m-wang", "m-zhao")
                for c in self.call("GET", "finance-mediation", "/cases", self.auth(Role.MEDIATOR, MEDIATION_ORG, m))
                if c["status"] == "assigned"
            ]
            return len(cases) == self.result.disputes

        self.wait("every dispute assigned to a mediator", assigned)
        return cases

    def mediate(self, cases: list[dict[str, Any]]) -> None:
        """Accept every case; settle three, fail two (the bank maintains one), extend one."""
        for case in cases:
            self.call("POST", "finance-mediation", f"/cases/{case['id']}/accept", self._mediator(case))
        to_settle, to_fail, to_extend = cases[:3], cases[3:5], cases[5:6]
        for case in to_settle:
            who = self._mediator(case)
            self.call("POST", "finance-mediation", f"/cases/{case['id']}/agreement", who, json=_agreement(case))
            for party in case["parties"]:
                self.call("POST", "finance-mediation", f"/cases/{case['id']}/signatures", who, json={"party": party})
        for n, case in enumerate(to_fail):
            failure = {
                "ground": "positions_too_far_apart",
                "reason": "双方对违约金计算分歧较大",
                "claimant_maintains_claim": n == 0,
            }
            self.call("POST", "finance-mediation", f"/cases/{case['id']}/failure", self._mediator(case), json=failure)
        for case in to_extend:
            consents = [{"party": p, "consented_at": datetime.now(UTC).isoformat()} for p in case["parties"]]
            body = {"days": 15, "consents": consents}
            self.call("POST", "finance-mediation", f"/cases/{case['id']}/extensions", self._mediator(case), json=body)
        self.result.settled, self.result.failed, self.result.extended = len(to_settle), len(to_fail), len(to_extend)
        maintained = to_fail[0]
        bank = self.auth(Role.BANK_OPERATOR, maintained["claimant_code"])
        dispute: dict[str, Any] = {}

        def filed() -> bool:
            dispute.update(self.call("GET", "intake", f"/disputes/{maintained['dispute_id']}", bank))
            return bool(dispute["status"] == "filed")

        self.wait("intake to file the failed dispute the bank maintains", filed)
        self.result.filed_case = dispute["case_number"]
        self.result.filed_dispute_id = dispute["id"]
        self.result.filed_by_bank = maintained["claimant_code"]
        self.result.timeline_url = f"{self.urls['intake']}/disputes/{dispute['id']}"

    def _mediator(self, case: dict[str, Any]) -> dict[str, str]:
        return self.auth(Role.MEDIATOR, MEDIATION_ORG, case["mediator_id"])

    def enforcement_inquiry(self) -> None:
        """The judge asks whether a judgment on the filed case could be enforced; the respondent's bank answers."""
        judge = self.auth(Role.TRIAL_JUDGE, COURT, "judge-li")
        officer = self.auth(Role.ENFORCEMENT_OFFICER, COURT, "officer-zhang")
        letter = {
            "case_number": self.result.filed_case,
            "terms": {"amount": "51500.00", "instalments": [], "guarantor_liability": "none"},
            "questions": ["拟判决被告分三期还款，被告名下有无可供执行的存款？"],
            "property_leads": [
                {
                    "kind": "bank_account",
                    "description": "被告工资账户",
                    "bank": {"code": DEPOSIT_BANK, "name": "丁银行"},
                }
            ],
        }
        inquiry: dict[str, Any] = {}

        def sent() -> bool:  # refused until the filed case has reached the enforcement bureau
            response = self.http.post(self.urls["enforcement-inquiry"] + "/inquiries", json=letter, headers=judge)
            inquiry.update(response.json())
            return response.status_code == 201

        self.wait("the enforcement bureau to know the filed case", sent)
        self.call("POST", "enforcement-inquiry", f"/inquiries/{inquiry['id']}/acceptance", officer, json={})
        bank = self.auth(Role.BANK_OPERATOR, DEPOSIT_BANK)
        queries: list[dict[str, Any]] = []

        respondents = {p["id_number"] for p in inquiry["respondents"]}

        def query_arrived() -> bool:
            queries[:] = self.call("GET", "enforcement-inquiry", "/asset-queries", bank)
            return any(s["party"]["id_number"] in respondents for q in queries for s in q["subjects"])

        self.wait("the consolidated query to reach the bank", query_arrived)
        for query in queries:
            lines = [
                {
                    "line_id": s["line_id"],
                    "id_number": s["party"]["id_number"],
                    "accounts": [
                        {"account_number": "6217000011112222333", "account_type": "current", "balance": "18600.00"}
                    ],
                }
                for s in query["subjects"]
            ]
            self.call(
                "POST", "enforcement-inquiry", f"/asset-queries/{query['id']}/answer", bank, json={"lines": lines}
            )
        advice = {
            "conclusion": "enforceable_with_changes",
            "proposed_changes": ["首期还款额不超过被告现有存款，余款分期"],
            "reasons": "被告名下存款约一万八千元，不足以一次清偿，建议调整分期条款。",
        }
        self.call("POST", "enforcement-inquiry", f"/inquiries/{inquiry['id']}/advice", officer, json=advice)
        self.call("POST", "enforcement-inquiry", f"/inquiries/{inquiry['id']}/acknowledgement", judge)
        self.result.inquiry_id = inquiry["id"]
        self.result.inquiry_url = f"{self.urls['enforcement-inquiry']}/inquiries/{inquiry['id']}"

    def judicial_advice(self) -> None:
        """One class of cases, one advice: drafted, approved, signed and numbered, delivered, replied."""
        manager = self.auth(Role.ADVICE_MANAGER, COURT, "research-office")
        draft = {
            "title": "关于规范信用卡催收行为的司法建议",
            "recipient_name": "某市金融监督管理局",
            "recipient_code": AGENCY,
            "superior_authority": "某省金融监督管理局",
            "related_cases": [self.result.filed_case],
            "background": "本院审理的信用卡纠纷案件中，反映出部分银行催收行为不规范。",
            "problems": ["催收频次过高"],
            "recommendations": [{"problem": 0, "text": "规范催收频次与方式"}],
            "contact_person": "李法官",
            "contact_phone": "0431-88888888",
        }
        advice = self.call("POST", "judicial-advice", "/advices", manager, json=draft)
        path = f"/advices/{advice['id']}"
        self.call("POST", "judicial-advice", f"{path}/submission", manager)
        self.call("POST", "judicial-advice", f"{path}/approval", self.auth(Role.JUDICIAL_COMMITTEE, COURT))
        issued = self.call("POST", "judicial-advice", f"{path}/issue", self.auth(Role.PRESIDENT, COURT))
        delivery = {"method": "electronic", "proof": "电子送达回执 2026-001"}
        self.call("POST", "judicial-advice", f"{path}/delivery", manager, json=delivery)
        agency = self.auth(Role.AGENCY_OFFICER, AGENCY)
        self.call("POST", "judicial-advice", f"{path}/acknowledgement", agency)
        reply = {"adoption": "adopted", "measures": "已印发通知，规范辖区银行催收行为。"}
        self.call("POST", "judicial-advice", f"{path}/replies", agency, json=reply)
        self.result.advice_id = advice["id"]
        self.result.advice_number = issued["number"]

    def read_statistics(self) -> None:
        today = datetime.now(SHANGHAI).date()
        period = {"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()}
        analyst = self.auth(Role.ANALYST, COURT)
        stats = self.result.statistics
        stats["intake"] = self.call("GET", "intake", "/statistics", analyst, params=period)
        stats["finance-mediation"] = self.call("GET", "finance-mediation", "/statistics", analyst, params=period)
        stats["enforcement-inquiry"] = self.call("GET", "enforcement-inquiry", "/statistics", analyst, params=period)
        stats["judicial-advice"] = self.call("GET", "judicial-advice", "/statistics", analyst)


def _dispute(bank: str, name: str, dispute_type: str, n: int, run: str) -> dict[str, Any]:
    principal = 20000 + 1000 * (n % 10)
    return {
        "bank_reference": f"DEMO-{n:03d}-{run}",
        "dispute_type": dispute_type,
        "claimant": {"name": name, "code": bank},
        "respondents": [{"kind": "person", "name": f"借款人{n:03d}", "id_number": resident_id(800 + n)}],
        "claim": {
            "principal": f"{principal}.00",
            "interest": "1200.00",
            "penalty": "300.00",
            "fees": "0.00",
            "total": f"{principal + 1500}.00",
        },
        "contract_number": f"HT-{n:03d}-{run}",
        "default_date": "2026-03-01",
        "court_code": COURT,
    }


def _agreement(case: dict[str, Any]) -> dict[str, Any]:
    return {"settled_amount": "20000.00", "instalments": []}


def print_result(result: DemoResult, urls: dict[str, str], keys_dir: Path, *, signed_in: bool = False) -> None:
    """What the demo did and where to look."""
    intake = result.statistics.get("intake", {})
    mediation = result.statistics.get("finance-mediation", {})
    enforcement = result.statistics.get("enforcement-inquiry", {})
    advice = result.statistics.get("judicial-advice", {})
    print("Demo loaded:")
    print(
        f"  {result.disputes} disputes from {len(BANKS)} banks; mediation settled {result.settled}, "
        f"failed {result.failed}, extended {result.extended}; filed {result.filed_case}"
    )
    print(f"  judicial advice {result.advice_number} delivered and replied")
    print("Statistics for the court (last 30 days):")
    print(
        f"  intake: accepted {intake.get('accepted')}, diversion rate {intake.get('diversion_rate')}, "
        f"filed after failure {intake.get('filed_after_failure')}"
    )
    print(
        f"  mediation: closed {mediation.get('closed')}, settled {mediation.get('settled')}, "
        f"success rate {mediation.get('success_rate')}"
    )
    print(
        f"  enforcement: inquiries {enforcement.get('inquiries')}, advised {enforcement.get('advised')}, "
        f"median turnaround {enforcement.get('median_turnaround_hours')} h"
    )
    print(
        f"  judicial advice: issued {advice.get('issued')}, reply rate {advice.get('reply_rate')}, "
        f"adoption rate {advice.get('adoption_rate')}"
    )
    print("Where to look:")
    for name, url in urls.items():
        print(f"  {name:<22} {url}/docs")
    print(f"  a dispute's timeline: GET {result.timeline_url}")
    if signed_in:
        bank = [u.username for u in keycloak_local.demo_users() if u.organisation == result.filed_by_bank]
        print(f"    as the bank that filed it: {', '.join(bank)} (or its system's client, as in the curl above)")
    else:
        print(f"    with a bank token: .venv/bin/courtlink-token --dir {keys_dir} mint --role bank_operator \\")
        print(f"        --org {next(iter(BANKS))} --sub demo")
    print(f"  the enforcement inquiry: GET {result.inquiry_url} (role trial_judge, org {COURT})")
