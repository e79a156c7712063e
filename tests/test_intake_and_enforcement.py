"""End to end on real Kafka and PostgreSQL: a dispute that fails mediation is filed by intake; the trial judge's
enforcement inquiry on that case takes its respondent from intake; two banks are queried, one answers and one
lets its query expire; the officer's advice shows the recoverable estimate from the answer received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from courtlink_shared.auth.principal import Role
from courtlink_shared.clock import ControllableClock
from courtlink_shared.runtime import ServiceRuntime
from courtlink_shared.testing.factories import credit_code, resident_id
from courtlink_shared.testing.waiting import eventually
from fastapi import FastAPI
from system_fixtures import BANK, COURT, ORG, StartInProcess, bearer, dispute

DEPOSIT_BANK = credit_code(610)
SILENT_BANK = credit_code(611)


@dataclass
class Court:
    intake: httpx.AsyncClient
    mediation: httpx.AsyncClient
    enforcement: httpx.AsyncClient
    enforcement_app: FastAPI
    clock: ControllableClock
    keys_dir: Path

    def auth(self, role: Role, org: str = COURT, subject: str | None = None) -> dict[str, str]:
        return bearer(self.keys_dir, role, org, subject)

    async def later(self, delta: timedelta) -> None:
        """Time passes for the enforcement bureau, and its sweep runs."""
        self.clock.advance(delta)
        runtime: ServiceRuntime = self.enforcement_app.state.runtime
        assert runtime.sweeper is not None
        await runtime.sweeper.sweep_once()


@pytest.fixture
async def court(in_process: StartInProcess, keys_dir: Path) -> Court:
    clock = ControllableClock(datetime.now(UTC))
    services = {"intake": {}, "finance-mediation": {}, "enforcement-inquiry": {"sweep_interval_seconds": 3600}}
    started = await in_process(services, clocks={"enforcement-inquiry": clock})
    enforcement = started["enforcement-inquiry"]
    return Court(
        intake=started["intake"].client,
        mediation=started["finance-mediation"].client,
        enforcement=enforcement.client,
        enforcement_app=enforcement.app,
        clock=clock,
        keys_dir=keys_dir,
    )


async def _filed_case(court: Court) -> str:
    """One dispute through intake and a failed mediation that the bank maintains: intake files it."""
    admin = court.auth(Role.MEDIATION_ORG_ADMIN, ORG)
    await court.mediation.put(
        "/organisations/me", json={"name": "金融纠纷调解室", "kind": "financial_dispute_mediation_room"}, headers=admin
    )
    mediator = {"id": "m1", "name": "王调解", "specialties": ["金融借款合同纠纷"], "capacity": 10, "affiliations": []}
    await court.mediation.post("/mediators", json=mediator, headers=admin)
    clerk = court.auth(Role.INTAKE_CLERK, COURT)  # the organisation goes on the court's roster
    await court.mediation.post("/courts/me/organisations", json={"organisation_code": ORG}, headers=clerk)
    bank = court.auth(Role.BANK_OPERATOR, BANK)
    dispute_id = (await court.intake.post("/disputes", json=dispute(7), headers=bank)).json()["id"]
    as_mediator = court.auth(Role.MEDIATOR, ORG, "m1")
    cases: list[dict[str, Any]] = []

    async def assigned() -> bool:
        cases[:] = (await court.mediation.get("/cases", headers=as_mediator)).json()
        return len(cases) == 1 and cases[0]["status"] == "assigned"

    await eventually(assigned, what="the mediation case assigned")
    case_id = cases[0]["id"]
    await court.mediation.post(f"/cases/{case_id}/accept", headers=as_mediator)
    failure = {"ground": "party_withdrew_or_refused", "reason": "借款人拒不到场", "claimant_maintains_claim": True}
    assert (await court.mediation.post(f"/cases/{case_id}/failure", json=failure, headers=as_mediator)).is_success
    filed: dict[str, Any] = {}

    async def is_filed() -> bool:
        filed.update((await court.intake.get(f"/disputes/{dispute_id}", headers=bank)).json())
        return bool(filed["status"] == "filed")

    await eventually(is_filed, what="intake files the failed dispute")
    return str(filed["case_number"])


async def test_an_inquiry_on_a_case_filed_by_intake_is_advised_from_one_answer_and_one_expiry(court: Court) -> None:
    case_number = await _filed_case(court)
    judge, officer = court.auth(Role.TRIAL_JUDGE, subject="judge-li"), court.auth(Role.ENFORCEMENT_OFFICER)
    letter = {
        "case_number": case_number,
        "terms": {"amount": "51500.00", "guarantor_liability": "none"},
        "questions": ["被执行人有无可供执行的存款？"],
        "property_leads": [
            {"kind": "bank_account", "description": "工资卡", "bank": {"code": DEPOSIT_BANK, "name": "丁银行"}},
            {"kind": "bank_account", "description": "储蓄卡", "bank": {"code": SILENT_BANK, "name": "戊银行"}},
        ],
    }
    inquiry: dict[str, Any] = {}

    async def sent() -> bool:  # refused (422, nothing stored) until the filed case has reached the bureau
        response = await court.enforcement.post("/inquiries", json=letter, headers=judge)
        inquiry.update(response.json())
        return response.status_code == 201

    await eventually(sent, what="the inquiry accepted with the respondents from intake")
    assert inquiry["parties_from_intake"] is True
    assert [(p["name"], p["id_number"]) for p in inquiry["respondents"]] == [("借款人7", resident_id(507))]

    accepted = await court.enforcement.post(f"/inquiries/{inquiry['id']}/acceptance", json={}, headers=officer)
    assert {line["bank_code"] for line in accepted.json()["lines"]} == {DEPOSIT_BANK, SILENT_BANK}
    await court.later(timedelta(minutes=1))

    deposit_bank = court.auth(Role.BANK_OPERATOR, DEPOSIT_BANK)
    [query] = (await court.enforcement.get("/asset-queries", headers=deposit_bank)).json()
    [subject] = query["subjects"]
    answer = {
        "lines": [
            {
                "line_id": subject["line_id"],
                "id_number": subject["party"]["id_number"],
                "accounts": [
                    {"account_number": "6217000011112222333", "account_type": "current", "balance": "12800.50"},
                    {
                        "account_number": "6217000044445555666",
                        "account_type": "time_deposit",
                        "balance": "20000.00",
                        "freezes": [{"authority": "某区人民法院", "amount": "20000.00"}],
                    },
                ],
            }
        ]
    }
    response = await court.enforcement.post(f"/asset-queries/{query['id']}/answer", json=answer, headers=deposit_bank)
    assert response.status_code == 200, response.text
    await court.later(timedelta(hours=48))  # the other bank stays silent

    advice = {"conclusion": "enforcement_difficult", "reasons": "可供执行存款仅一万二千余元，另一账户已被他案冻结。"}
    advised = await court.enforcement.post(f"/inquiries/{inquiry['id']}/advice", json=advice, headers=officer)
    assert advised.status_code == 200, advised.text
    seen = (await court.enforcement.get(f"/inquiries/{inquiry['id']}", headers=judge)).json()
    assert seen["advice"]["recoverable_amount"] == "12800.50"  # the frozen deposit does not count
    assert seen["advice"]["conclusion"] == "enforcement_difficult"
    assert {line["bank_code"]: line["status"] for line in seen["lines"]} == {
        DEPOSIT_BANK: "answered",
        SILENT_BANK: "expired",
    }
    acknowledged = await court.enforcement.post(f"/inquiries/{inquiry['id']}/acknowledgement", headers=judge)
    assert acknowledged.json()["status"] == "acknowledged"
