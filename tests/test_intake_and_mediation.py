"""End to end on real Kafka and PostgreSQL: disputes routed by intake open mediation cases, get assigned and
accepted, close settled, failed and withdrawn, and intake's status and timeline follow each; a failure that the
bank maintains is filed by intake."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from courtlink_shared.auth.principal import Role
from courtlink_shared.testing.factories import today_in_beijing
from courtlink_shared.testing.waiting import eventually
from system_fixtures import BANK, COURT, ORG, StartInProcess, bearer, dispute


@dataclass
class System:
    intake: httpx.AsyncClient
    mediation: httpx.AsyncClient
    keys_dir: Path

    def auth(self, role: Role, org: str, subject: str | None = None) -> dict[str, str]:
        return bearer(self.keys_dir, role, org, subject)


@pytest.fixture(params=["postgresql", "sqlite"])
async def system(
    request: pytest.FixtureRequest,
    in_process: StartInProcess,
    new_database: Callable[[], Awaitable[str]],
    keys_dir: Path,
    tmp_path: Path,
) -> System:
    """Both services on PostgreSQL (production) or on SQLite files (the embedded default of `./run`)."""

    async def database(name: str) -> str:
        if request.param == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path}/{name}.db"
        return await new_database()

    started = await in_process({"intake": {}, "finance-mediation": {}}, database=database)
    return System(started["intake"].client, started["finance-mediation"].client, keys_dir)


async def test_intake_and_mediation_follow_each_other_to_settlement_filing_and_withdrawal(system: System) -> None:
    admin = system.auth(Role.MEDIATION_ORG_ADMIN, ORG)
    await system.mediation.put(
        "/organisations/me", json={"name": "金融纠纷调解室", "kind": "financial_dispute_mediation_room"}, headers=admin
    )
    await system.mediation.post(
        "/mediators",
        json={"id": "m1", "name": "王调解", "specialties": ["金融借款合同纠纷"], "capacity": 10, "affiliations": []},
        headers=admin,
    )
    # the court's clerk puts the organisation on the court's roster: only then is it given the court's cases
    registration = {"organisation_code": ORG}
    await system.mediation.post(
        "/courts/me/organisations", json=registration, headers=system.auth(Role.INTAKE_CLERK, COURT)
    )
    bank = system.auth(Role.BANK_OPERATOR, BANK)
    mediator = system.auth(Role.MEDIATOR, ORG, "m1")
    disputes = [(await system.intake.post("/disputes", json=dispute(n), headers=bank)).json() for n in range(3)]

    async def intake_status(dispute_id: str) -> str:
        return str((await system.intake.get(f"/disputes/{dispute_id}", headers=bank)).json()["status"])

    cases: dict[str, dict[str, Any]] = {}

    async def all_assigned() -> bool:
        for c in (await system.mediation.get("/cases", headers=mediator)).json():
            cases[c["dispute_id"]] = c
        return len(cases) == 3 and all(c["status"] == "assigned" for c in cases.values())

    await eventually(all_assigned, what="three cases assigned to m1")
    settle, fail, withdraw = (cases[d["id"]] for d in disputes)
    for c in (settle, fail):
        assert (await system.mediation.post(f"/cases/{c['id']}/accept", headers=mediator)).status_code == 200
    await eventually(lambda: _is(intake_status(disputes[0]["id"]), "in_mediation"), what="intake sees acceptance")

    await system.mediation.post(
        f"/cases/{settle['id']}/agreement", json={"settled_amount": "50000.00"}, headers=mediator
    )
    for party in settle["parties"]:
        await system.mediation.post(f"/cases/{settle['id']}/signatures", json={"party": party}, headers=mediator)
    await system.mediation.post(
        f"/cases/{fail['id']}/failure",
        json={"ground": "positions_too_far_apart", "reason": "借款人否认借款事实", "claimant_maintains_claim": True},
        headers=mediator,
    )
    await system.intake.post(f"/disputes/{disputes[2]['id']}/withdraw", json={"reason": "客户已还款"}, headers=bank)

    await eventually(lambda: _is(intake_status(disputes[0]["id"]), "settled"), what="intake sees the settlement")
    await eventually(lambda: _is(intake_status(disputes[1]["id"]), "filed"), what="intake files the failed one")

    async def mediation_withdrawn() -> bool:
        seen = (await system.mediation.get(f"/cases/{withdraw['id']}", headers=mediator)).json()
        return bool(seen["status"] == "withdrawn")

    await eventually(mediation_withdrawn, what="mediation closes the withdrawn dispute")

    filed = (await system.intake.get(f"/disputes/{disputes[1]['id']}", headers=bank)).json()
    assert filed["case_number"].startswith(f"（{today_in_beijing().year}）吉7101民初")
    kinds = [e["kind"] for e in filed["timeline"]]
    assert kinds == [
        "submitted",
        "routed",
        "mediation.case.opened",
        "mediation.case.mediator_assigned",
        "mediation.case.accepted",
        "mediation.case.failed",
        "filed",
    ]
    settled = (await system.intake.get(f"/disputes/{disputes[0]['id']}", headers=bank)).json()
    assert "调解成功" in settled["timeline"][-1]["summary"]

    async def withdrawal_in_intake_timeline() -> bool:
        seen = (await system.intake.get(f"/disputes/{disputes[2]['id']}", headers=bank)).json()
        return "mediation.case.withdrawn" in [e["kind"] for e in seen["timeline"]]

    await eventually(withdrawal_in_intake_timeline, what="the closing of the withdrawn case in intake's timeline")
    assert await intake_status(disputes[2]["id"]) == "withdrawn"

    today = today_in_beijing().isoformat()
    stats = (
        await system.mediation.get(
            "/statistics", params={"from": today, "to": today}, headers=system.auth(Role.ANALYST, COURT)
        )
    ).json()
    assert (stats["closed"], stats["settled"], stats["success_rate"]) == (3, 1, "0.3333")
    assert stats["cases_per_mediator"] == {"m1": 3}
    assert stats["cases_per_bank"] == {BANK: 3}


async def _is(status: Awaitable[str], expected: str) -> bool:
    return await status == expected
