"""The same step sent many times at once, on PostgreSQL and on SQLite (the embedded default of `./run`): a
withdrawal or a clerk's review happens once (the repeats get 409) and only the winner records a timeline entry,
an event and, when routing, a mediation number; identical batches sent at once are one batch."""

from __future__ import annotations

from typing import Any

import pytest
from courtlink_shared.identifiers.case_number import PRE_LITIGATION_MEDIATION, case_number_scope
from courtlink_shared.testing.concurrency import all_at_once, events_of_type, numbers_allocated, statuses
from courtlink_shared.testing.waiting import eventually
from intake_fixtures import COURT, Api, dispute

N = 10


@pytest.fixture
def database_url(either_database_url: str) -> str:
    return either_database_url


async def _submitted(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.client.post("/disputes", json=body, headers=api.bank())
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _timeline(api: Api, dispute_id: str) -> list[str]:
    detail = (await api.client.get(f"/disputes/{dispute_id}", headers=api.bank())).json()
    return [e["kind"] for e in detail["timeline"]]


async def _events(api: Api, event_type: str) -> int:
    return await events_of_type(api.app.state.runtime.session_factory, event_type)


async def test_a_dispute_withdrawn_ten_times_at_once_is_withdrawn_once(api: Api) -> None:
    created = await _submitted(api, dispute())
    url = f"/disputes/{created['id']}/withdraw"

    answers = await all_at_once(N, lambda: api.client.post(url, json={"reason": "已与客户和解"}, headers=api.bank()))

    assert statuses(answers) == [200] + [409] * (N - 1), [r.text for r in answers]
    assert (await _timeline(api, created["id"])).count("withdrawn") == 1
    assert await _events(api, "intake.dispute.withdrawn") == 1


@pytest.mark.parametrize(
    ("decision", "entry", "event_type"),
    [("reject", "rejected", "intake.dispute.withdrawn"), ("route", "review_cleared", "intake.dispute.routed")],
)
async def test_a_review_sent_ten_times_at_once_decides_once(
    api: Api, decision: str, entry: str, event_type: str
) -> None:
    original = dispute()
    await _submitted(api, original)
    flagged = await _submitted(api, {**original, "bank_reference": "CC-SECOND-REF"})
    assert flagged["status"] == "pending_review"
    url = f"/disputes/{flagged['id']}/duplicate-review"
    body = {"decision": decision, "reason": "经核对"}

    answers = await all_at_once(N, lambda: api.client.post(url, json=body, headers=api.clerk()))

    assert statuses(answers) == [200] + [409] * (N - 1), [r.text for r in answers]
    assert (await _timeline(api, flagged["id"])).count(entry) == 1
    routed_before = 1  # the original dispute was routed when it was submitted
    assert await _events(api, event_type) == (1 if decision == "reject" else routed_before + 1)
    numbers = await numbers_allocated(
        api.app.state.runtime.session_factory, case_number_scope(COURT, PRE_LITIGATION_MEDIATION)
    )
    assert numbers == (1 if decision == "reject" else 2), "only the winner takes a mediation number"


async def test_sixteen_identical_batches_sent_at_once_are_one_batch(api: Api) -> None:
    rows = [dispute() for _ in range(20)]

    answers = await all_at_once(16, lambda: api.client.post("/batches", json={"disputes": rows}, headers=api.bank()))

    assert statuses(answers) == [202] * 16, [r.text for r in answers if r.status_code != 202]
    [batch_id] = {r.json()["id"] for r in answers}
    state: dict[str, Any] = {}

    async def completed() -> bool:
        state.update((await api.client.get(f"/batches/{batch_id}", headers=api.bank())).json())
        return bool(state["status"] == "completed")

    await eventually(completed, timeout=120, what="the batch to complete")
    assert state["accepted"] == 20
    assert len((await api.client.get("/disputes", params={"limit": 200}, headers=api.bank())).json()["items"]) == 20
