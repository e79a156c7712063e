"""Test data and authenticated clients for enforcement-inquiry's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aiokafka import AIOKafkaProducer
from courtlink_shared.auth.principal import Role
from courtlink_shared.events.common import Claim, Organisation, Party
from courtlink_shared.events.envelope import make_envelope
from courtlink_shared.events.intake import DisputeFiled
from courtlink_shared.testing.apps import ServiceApi
from courtlink_shared.testing.factories import credit_code, resident_id

COURT = "吉7101"
OTHER_COURT = "吉7102"
BANK_A = credit_code(401)
BANK_B = credit_code(402)
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in Beijing
WINDOW = timedelta(seconds=60)
EXPIRY = timedelta(hours=48)
CLAIM, ZERO = Decimal("100000.00"), Decimal("0.00")


def person(n: int) -> dict[str, str]:
    return {"kind": "person", "name": f"被执行人{n}", "id_number": resident_id(700 + n)}


def bank(code: str) -> dict[str, str]:
    return {"code": code, "name": {BANK_A: "甲银行", BANK_B: "乙银行"}.get(code, "丙银行")}


def inquiry_body(case_number: str, respondents: list[dict[str, str]] | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "case_number": case_number,
        "respondents": respondents if respondents is not None else [person(1)],
        "terms": {
            "amount": "100000.00",
            "instalments": [
                {"due_date": "2026-06-30", "amount": "40000.00"},
                {"due_date": "2026-12-31", "amount": "60000.00"},
            ],
            "guarantor_liability": "none",
            "interest_formula": "以未还本金为基数按一年期LPR的1.5倍计算",
        },
        "questions": ["分期履行条款是否具有可执行性？", "被执行人名下是否有可供执行的存款？"],
        "property_leads": [{"kind": "bank_account", "description": "被执行人工资账户", "bank": bank(BANK_A)}],
        "urgent": False,
    }
    body.update(overrides)
    return body


def account(number: str, balance: str, frozen: str | None = None) -> dict[str, Any]:
    freezes = [{"authority": "某区人民法院", "amount": frozen}] if frozen else []
    return {"account_number": number, "account_type": "current", "balance": balance, "freezes": freezes}


def filed_case(n: int, respondents: list[dict[str, str]], *, court: str = COURT) -> DisputeFiled:
    """A DisputeFiled event as intake publishes it when a failed mediation becomes a case."""
    return DisputeFiled(
        dispute_id=f"d-{n}",
        case_number=f"（2026）{court}民初{n}号",
        court_code=court,
        mediation_number=f"（2026）{court}民诉前调{n}号",
        claimant=Organisation(name="甲银行", code=BANK_A),
        respondents=[Party(**p) for p in respondents],
        claim=Claim(principal=CLAIM, interest=ZERO, penalty=ZERO, fees=ZERO, total=CLAIM),
        filed_at=START,
    )


async def publish_filed(kafka_bootstrap: str, topic_prefix: str, event: DisputeFiled) -> None:
    """Publish on intake's real topic, keyed by dispute, as intake's relay does."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        envelope = make_envelope(event, source="intake", subject=event.dispute_id, time=datetime.now(UTC))
        await producer.send_and_wait(
            event.topic.physical(topic_prefix), envelope.model_dump_json().encode(), key=event.dispute_id.encode()
        )
    finally:
        await producer.stop()


class Api(ServiceApi):
    def as_(self, role: Role, org: str = COURT, subject: str | None = None) -> dict[str, str]:
        return self.auth(role, org, subject)

    officer_role = Role.ENFORCEMENT_OFFICER
    analyst_role = Role.ANALYST

    @property
    def judge(self) -> dict[str, str]:
        return self.as_(Role.TRIAL_JUDGE, COURT, "judge-li")

    @property
    def officer(self) -> dict[str, str]:
        return self.as_(Role.ENFORCEMENT_OFFICER, COURT, "officer-zhao")

    def bank(self, code: str) -> dict[str, str]:
        return self.as_(Role.BANK_OPERATOR, code, f"operator@{code}")

    async def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post("/inquiries", json=body, headers=self.judge)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def accept(self, inquiry_id: str, banks: list[str] | None = None) -> dict[str, Any]:
        body = {} if banks is None else {"banks": [bank(code) for code in banks]}
        response = await self.client.post(f"/inquiries/{inquiry_id}/acceptance", json=body, headers=self.officer)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def inquiry(self, inquiry_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/inquiries/{inquiry_id}", headers=self.judge)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def open_queries(self, bank_code: str) -> list[dict[str, Any]]:
        response = await self.client.get("/asset-queries", headers=self.bank(bank_code))
        assert response.status_code == 200, response.text
        return list(response.json())

    async def after(self, delta: timedelta) -> int:
        """Let time pass and run the deadline sweep once, as the service's sweep loop would."""
        self.clock.advance(delta)
        return await self.sweep()
