"""The same step sent ten times at once, on PostgreSQL and on SQLite (the embedded default of `./run`): one
wins, the others get 409, and only the winner records an event, a timeline entry and, when issuing, a number."""

from __future__ import annotations

from typing import Any

import pytest
from advice_fixtures import AGENCY, COURT, Api, advice_body
from courtlink_shared.auth.principal import Role
from courtlink_shared.runtime import ServiceRuntime
from courtlink_shared.testing.concurrency import all_at_once, events_of_type, numbers_allocated, statuses
from judicial_advice.rules import number_scope

N = 10
MANAGER, COMMITTEE, PRESIDENT, AGENCY_ROLE = (
    Role.ADVICE_MANAGER,
    Role.JUDICIAL_COMMITTEE,
    Role.PRESIDENT,
    Role.AGENCY_OFFICER,
)
REPLY = {"adoption": "adopted", "measures": "已开展专项整治", "final": True}
# (action, role, organisation or None for the court, body, the event's and the timeline entry's kind)
STEPS: dict[str, tuple[str, Role, str | None, dict[str, Any], str]] = {
    "submission": ("submission", MANAGER, None, {}, "submitted"),
    "return": ("return", COMMITTEE, None, {"comments": "建议补充案例数据"}, "returned"),
    "approval": ("approval", COMMITTEE, None, {}, "approved"),
    "issue": ("issue", PRESIDENT, None, {}, "issued"),
    "delivery": ("delivery", MANAGER, None, {"method": "electronic", "proof": "电子送达回执 0001"}, "delivered"),
    "acknowledgement": ("acknowledgement", AGENCY_ROLE, AGENCY, {}, "acknowledged"),
    "replies": ("replies", AGENCY_ROLE, AGENCY, REPLY, "replied"),
    "evaluation": ("evaluation", MANAGER, None, {"effectiveness": "effective", "return_visit": "回访"}, "evaluated"),
    "archive": ("archive", MANAGER, None, {}, "archived"),
}
LIFE = ["submission", "approval", "issue", "delivery", "acknowledgement", "replies", "evaluation", "archive"]
BEFORE = {name: LIFE[: LIFE.index(name)] for name in LIFE} | {"return": ["submission"]}


@pytest.fixture
def database_url(either_database_url: str) -> str:
    return either_database_url


async def _step(api: Api, advice_id: str, name: str) -> Any:
    action, role, org, body, _kind = STEPS[name]
    return await api.step(advice_id, action, role, org or COURT, **body)


async def _drafted(api: Api) -> str:
    response = await api.client.post("/advices", json=advice_body(), headers=api.as_(Role.TRIAL_JUDGE))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.mark.parametrize("name", list(STEPS))
async def test_the_same_step_sent_ten_times_at_once_happens_once(api: Api, name: str) -> None:
    advice_id = await _drafted(api)
    for earlier in BEFORE[name]:
        assert (await _step(api, advice_id, earlier)).status_code == 200
    kind = STEPS[name][4]

    answers = await all_at_once(N, lambda: _step(api, advice_id, name))

    assert statuses(answers) == [200] + [409] * (N - 1), [r.text for r in answers if r.status_code != 409]
    runtime: ServiceRuntime = api.app.state.runtime
    assert await events_of_type(runtime.session_factory, f"advice.item.{kind}") == 1
    detail = (await api.client.get(f"/advices/{advice_id}", headers=api.as_(MANAGER))).json()
    assert [e["kind"] for e in detail["timeline"]].count(kind) == 1
    if name == "issue":
        assert await numbers_allocated(runtime.session_factory, number_scope(COURT)) == 1, "losers took no number"
        assert detail["number"].endswith("〔2026〕1号")


async def test_the_next_advice_issued_after_a_race_takes_the_next_number(api: Api) -> None:
    first, second = await _drafted(api), await _drafted(api)
    for advice_id in (first, second):
        for earlier in BEFORE["issue"]:
            assert (await _step(api, advice_id, earlier)).status_code == 200
    await all_at_once(N, lambda: _step(api, first, "issue"))
    issued = await _step(api, second, "issue")
    assert issued.json()["number"] == "长铁法建〔2026〕2号", "no gap after ten presses of the same button"
