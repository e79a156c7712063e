"""The same step of a mediation case sent ten times at once, on PostgreSQL and on SQLite (the embedded default
of `./run`): one wins and the others are refused (or, for a repeated manual assignment or extension, answered
with the case as it is), and only the winner records an activity, an event and, on confirmation, a 民特 case
number."""

from __future__ import annotations

from typing import Any

import pytest
from courtlink_shared.auth.principal import Role
from courtlink_shared.identifiers.case_number import JUDICIAL_CONFIRMATION, case_number_scope
from courtlink_shared.testing.concurrency import all_at_once, events_of_type, numbers_allocated, statuses
from courtlink_shared.testing.waiting import eventually
from mediation_fixtures import BANK_A, COURT, Api, mediator, publish, routed

N = 10
PLAN = {"settled_amount": "9000.00", "instalments": [{"due_date": "2026-12-01", "amount": "9000.00"}]}
FAILURE = {"ground": "party_refused_to_sign", "reason": "被申请人拒绝签字", "claimant_maintains_claim": True}
DECISION = {"decision": "confirmed", "reasons": "协议内容合法"}
# step: (path, who, body, the steps before it, what the losers get, the event type or None, the activity kind)
STEPS: dict[str, tuple[str, str, Any, list[str], int, str | None, str]] = {
    "accept": ("accept", "m1", None, [], 409, "mediation.case.accepted", "accepted"),
    # Once declined the case is no longer the mediator's: a repeat does not find it.
    "decline": ("decline", "m1", {"reason": "回避"}, [], 404, None, "reassignment"),
    "suspension": ("suspension", "m1", {"reason": "抵押物评估"}, ["accept"], 409, None, "suspended"),
    "resumption": ("resumption", "m1", None, ["accept", "suspension"], 409, None, "resumed"),
    "agreement": ("agreement", "m1", PLAN, ["accept"], 409, None, "agreement_drafted"),
    "signature": ("signatures", "m1", "bank", ["accept", "agreement"], 409, None, "signed"),
    "failure": ("failure", "m1", FAILURE, ["accept"], 409, "mediation.case.failed", "failed"),
    "confirmation": (
        "confirmation",
        "bank",
        "parties",
        ["accept", "agreement", "signature", "signature2"],
        409,
        "mediation.case.confirmation_requested",
        "confirmation_requested",
    ),
    "confirmation_acceptance": (
        "confirmation/acceptance",
        "judge",
        None,
        ["accept", "agreement", "signature", "signature2", "confirmation"],
        409,
        None,
        "confirmation_accepted",
    ),
    "confirmation_decision": (
        "confirmation/decision",
        "judge",
        DECISION,
        ["accept", "agreement", "signature", "signature2", "confirmation", "confirmation_acceptance"],
        409,
        "mediation.case.confirmation_decided",
        "confirmation_decided",
    ),
}
SETUP_ONLY = {"signature2": ("signatures", "m1", "respondent")}


@pytest.fixture
def database_url(either_database_url: str) -> str:
    return either_database_url


def _headers(api: Api, who: str) -> dict[str, str]:
    if who == "bank":
        return api.auth(Role.BANK_OPERATOR, BANK_A)
    if who == "judge":
        return api.auth(Role.TRIAL_JUDGE, COURT)
    return api.mediator(who)


async def _post(api: Api, case: dict[str, Any], path: str, who: str, body: Any) -> Any:
    """POST a step; a body named "bank", "respondent" or "parties" is made from the case's parties."""
    if isinstance(body, str):
        bank, respondent = case["parties"]
        body = {
            "bank": {"party": bank},
            "respondent": {"party": respondent},
            "parties": {"applicants": [bank, respondent]},
        }[body]
    return await api.client.post(f"/cases/{case['id']}/{path}", json=body, headers=_headers(api, who))


async def _open_case(api: Api, kafka_bootstrap: str, topic_prefix: str) -> dict[str, Any]:
    event = routed()
    await publish(kafka_bootstrap, topic_prefix, event)
    found: list[dict[str, Any]] = []

    async def opened() -> bool:
        cases = (await api.client.get("/cases", headers=api.auth(Role.TRIAL_JUDGE, COURT))).json()
        found[:] = [c for c in cases if c["dispute_id"] == event.dispute_id]
        return bool(found)

    await eventually(opened, what="the case to open")
    return found[0]


async def _activities(api: Api, case_id: str) -> list[str]:
    detail = (await api.client.get(f"/cases/{case_id}", headers=api.auth(Role.TRIAL_JUDGE, COURT))).json()
    return [a["kind"] for a in detail["activities"]]


@pytest.mark.parametrize("name", list(STEPS))
async def test_the_same_step_sent_ten_times_at_once_happens_once(
    api: Api, kafka_bootstrap: str, topic_prefix: str, name: str
) -> None:
    await api.roster(mediator("m1"))
    case = await _open_case(api, kafka_bootstrap, topic_prefix)
    path, who, body, before, losers, event_type, activity = STEPS[name]
    for earlier in before:
        earlier_path, earlier_who, earlier_body = STEPS[earlier][:3] if earlier in STEPS else SETUP_ONLY[earlier]
        response = await _post(api, case, earlier_path, earlier_who, earlier_body)
        assert response.status_code == 200, response.text

    answers = await all_at_once(N, lambda: _post(api, case, path, who, body))

    assert statuses(answers) == sorted([200] + [losers] * (N - 1)), [r.text for r in answers]
    assert (await _activities(api, case["id"])).count(activity) == 1
    factory = api.runtime.session_factory
    if event_type is not None:
        assert await events_of_type(factory, event_type) == 1
    if name == "confirmation_decision":
        assert await numbers_allocated(factory, case_number_scope(COURT, JUDICIAL_CONFIRMATION)) == 1
        assert [r.json()["confirmation"]["case_number"] for r in answers if r.status_code == 200] == [
            "（2026）吉7101民特1号"
        ]


async def test_an_extension_sent_ten_times_at_once_extends_once_and_answers_each_with_the_case(
    api: Api, kafka_bootstrap: str, topic_prefix: str
) -> None:
    await api.roster(mediator("m1"))
    case = await _open_case(api, kafka_bootstrap, topic_prefix)
    assert (await _post(api, case, "accept", "m1", None)).status_code == 200
    now = api.clock.now().isoformat()
    body = {"days": 10, "consents": [{"party": p, "consented_at": now} for p in case["parties"]]}

    answers = await all_at_once(N, lambda: _post(api, case, "extensions", "m1", body))

    assert statuses(answers) == [200] * N, [r.text for r in answers]
    assert {r.json()["extension_days"] for r in answers} == {10}
    assert (await _activities(api, case["id"])).count("extended") == 1
    assert await events_of_type(api.runtime.session_factory, "mediation.case.extended") == 1


async def test_a_manual_assignment_sent_ten_times_at_once_assigns_once_and_answers_each_with_the_case(
    api: Api, kafka_bootstrap: str, topic_prefix: str
) -> None:
    case = await _open_case(api, kafka_bootstrap, topic_prefix)  # no mediator yet: it waits in the pool
    assert case["status"] == "opened"
    await api.roster(mediator("m1"))
    await api.register_with_court()  # the organisation serves the case's court, so the pool is its to assign from
    body = {"mediator_id": "m1"}

    answers = await all_at_once(
        N, lambda: api.client.post(f"/cases/{case['id']}/assignment", json=body, headers=api.admin())
    )

    assert statuses(answers) == [200] * N, [r.text for r in answers]
    assert {(r.json()["status"], r.json()["mediator_id"]) for r in answers} == {("assigned", "m1")}
    assert await events_of_type(api.runtime.session_factory, "mediation.case.mediator_assigned") == 1
