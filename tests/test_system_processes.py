"""End to end with the four services as real processes (uvicorn, each with its background work in a worker process)
on real Kafka and PostgreSQL: the demo scenario drives every flow over HTTP with a token per user; then each user
is asked what they see."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from courtlink_shared.auth.principal import Role
from courtlink_shared.infra.service_processes import SERVICES
from demo import AGENCY, BANKS, COURT, DEPOSIT_BANK, DISPUTES_PER_BANK, MEDIATION_ORG, Demo, DemoResult
from system_fixtures import StartServices, bearer


class Users:
    def __init__(self, urls: dict[str, str], keys_dir: Path) -> None:
        self.urls = urls
        self.keys_dir = keys_dir

    async def get(
        self, service: str, path: str, role: Role, org: str, subject: str | None = None, **params: Any
    ) -> Any:
        async with httpx.AsyncClient(base_url=self.urls[service], timeout=30) as http:
            response = await http.get(path, params=params, headers=bearer(self.keys_dir, role, org, subject))
        return response.status_code, response.json()


async def test_the_demo_across_four_service_processes_shows_each_user_their_part(
    service_processes: StartServices, keys_dir: Path
) -> None:
    # each service's relay, consumers, sweeps and batches in a worker process beside its HTTP process, as a court
    # runs it under load (the in-process tests cover BACKGROUND_WORK=here)
    processes = await service_processes(*SERVICES, BACKGROUND_WORK="worker")
    urls = {name: p.url for name, p in processes.items()}
    for url in urls.values():  # the HTTP processes consume nothing: whatever flows below, the workers carried
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            checks = (await http.get("/readyz")).json()["checks"]
        assert checks["database"]
        assert [name for name in checks if name.startswith("consumer:")] == []
    result: DemoResult = await asyncio.to_thread(Demo(urls, keys_dir).run)
    users = Users(urls, keys_dir)
    bank_a, bank_b = BANKS

    # Each bank sees its own disputes, all of them, and nobody else's.
    for bank in (bank_a, bank_b):
        _, page = await users.get("intake", "/disputes", Role.BANK_OPERATOR, bank, limit=200)
        assert len(page["items"]) == DISPUTES_PER_BANK
        assert {d["claimant"]["code"] for d in page["items"]} == {bank}
    other_bank = bank_b if result.filed_by_bank == bank_a else bank_a
    status, _ = await users.get("intake", f"/disputes/{result.filed_dispute_id}", Role.BANK_OPERATOR, other_bank)
    assert status == 404
    status, filed = await users.get(
        "intake", f"/disputes/{result.filed_dispute_id}", Role.BANK_OPERATOR, result.filed_by_bank
    )
    assert (status, filed["status"], filed["case_number"]) == (200, "filed", result.filed_case)
    assert [e["kind"] for e in filed["timeline"]][-2:] == ["mediation.case.failed", "filed"]

    # The intake clerk sees the court's 24; the outcomes add up.
    _, court_page = await users.get("intake", "/disputes", Role.INTAKE_CLERK, COURT, limit=200)
    outcomes = Counter(d["status"] for d in court_page["items"])
    assert len(court_page["items"]) == 2 * DISPUTES_PER_BANK
    assert (outcomes["settled"], outcomes["filed"]) == (3, 1)

    # Each mediator sees only their own cases; the organisation sees every one of them.
    seen_by_mediators = 0
    for mediator in ("m-wang", "m-zhao"):
        _, cases = await users.get("finance-mediation", "/cases", Role.MEDIATOR, MEDIATION_ORG, mediator)
        assert {c["mediator_id"] for c in cases} <= {mediator}
        seen_by_mediators += len(cases)
    assert seen_by_mediators == 2 * DISPUTES_PER_BANK

    # The judge reads the acknowledged advice with the bank's answer; the bank sees its answered query.
    _, inquiry = await users.get("enforcement-inquiry", f"/inquiries/{result.inquiry_id}", Role.TRIAL_JUDGE, COURT)
    assert inquiry["status"] == "acknowledged"
    assert inquiry["respondents"] == [{k: p[k] for k in ("kind", "name", "id_number")} for p in filed["respondents"]]
    assert inquiry["advice"]["recoverable_amount"] == "18600.00"
    assert [line["status"] for line in inquiry["lines"]] == ["answered"]
    _, answered = await users.get(
        "enforcement-inquiry", "/asset-queries", Role.BANK_OPERATOR, DEPOSIT_BANK, status="answered"
    )
    assert len(answered) == 1
    _, none = await users.get("enforcement-inquiry", "/asset-queries", Role.BANK_OPERATOR, bank_a, status="answered")
    assert none == []
    status, _ = await users.get("enforcement-inquiry", f"/inquiries/{result.inquiry_id}", Role.TRIAL_JUDGE, "吉7102")
    assert status == 404

    # The agency sees the advice addressed to it, replied; another agency sees nothing.
    _, advices = await users.get("judicial-advice", "/advices", Role.AGENCY_OFFICER, AGENCY)
    assert [(a["number"], a["status"]) for a in advices] == [(result.advice_number, "replied")]
    other_agency = "11220000MA0000000X"
    _, none = await users.get("judicial-advice", "/advices", Role.AGENCY_OFFICER, other_agency)
    assert none == []

    # The court's leaders read the same figures the demo printed.
    assert result.statistics["intake"]["accepted"] == 2 * DISPUTES_PER_BANK
    assert result.statistics["finance-mediation"]["settled"] == 3
    assert result.statistics["enforcement-inquiry"]["advised"] == 1
    assert result.statistics["judicial-advice"]["reply_rate"] == "1.0000"
