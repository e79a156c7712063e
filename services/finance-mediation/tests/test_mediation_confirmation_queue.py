"""The court's queue of applications for judicial confirmation (`GET /cases?confirmation=`): what waits for the
judge's court, earliest application first; what was decided, latest first, with the reasons on the case's log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from courtlink_shared.auth.principal import Role
from courtlink_shared.testing.waiting import eventually
from mediation_fixtures import BANK_A, COURT, Api, mediator, publish, routed


async def applied_cases(api: Api, kafka_bootstrap: str, topic_prefix: str, count: int) -> list[dict[str, Any]]:
    """`count` cases settled by an agreement every party signed, each applied for confirmation an hour apart."""
    await api.roster(mediator("m1"))
    events = [routed() for _ in range(count)]
    await publish(kafka_bootstrap, topic_prefix, *events)
    judge = api.auth(Role.TRIAL_JUDGE, COURT)
    found: dict[str, dict[str, Any]] = {}

    async def all_assigned() -> bool:
        for c in (await api.client.get("/cases", params={"limit": 500}, headers=judge)).json():
            if c["status"] == "assigned":
                found[c["dispute_id"]] = c
        return len(found) == count

    await eventually(all_assigned, what="the cases assigned")
    applied = []
    for event in events:
        url = f"/cases/{found[event.dispute_id]['id']}"
        m1 = api.mediator("m1")
        assert (await api.client.post(f"{url}/accept", headers=m1)).status_code == 200
        plan = {"settled_amount": "9000.00", "instalments": []}
        case = (await api.client.post(f"{url}/agreement", json=plan, headers=m1)).json()
        for party in case["parties"]:
            case = (await api.client.post(f"{url}/signatures", json={"party": party}, headers=m1)).json()
        assert case["status"] == "settled", case
        bank = api.auth(Role.BANK_OPERATOR, BANK_A)
        response = await api.client.post(f"{url}/confirmation", json={"applicants": case["parties"]}, headers=bank)
        assert response.status_code == 200, response.text
        applied.append(response.json())
        api.clock.advance(timedelta(hours=1))
    return applied


async def queue(api: Api, state: str, role: Role = Role.TRIAL_JUDGE, org: str = COURT) -> list[str]:
    response = await api.client.get("/cases", params={"confirmation": state}, headers=api.auth(role, org))
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()]


async def test_the_queue_holds_what_waits_for_the_court_and_the_decided_show_their_result(
    api: Api, kafka_bootstrap: str, topic_prefix: str
) -> None:
    first, second, third = await applied_cases(api, kafka_bootstrap, topic_prefix, 3)
    # A settled case nobody applied for is in no confirmation list.
    assert await queue(api, "waiting") == [first["id"], second["id"], third["id"]]
    assert await queue(api, "decided") == []

    judge = api.auth(Role.TRIAL_JUDGE, COURT)
    for c in (second, first):
        assert (await api.client.post(f"/cases/{c['id']}/confirmation/acceptance", headers=judge)).status_code == 200
    await api.client.post(
        f"/cases/{second['id']}/confirmation/decision",
        json={"decision": "dismissed", "reasons": "协议内容违反法律强制性规定"},
        headers=judge,
    )
    api.clock.advance(timedelta(minutes=5))
    await api.client.post(
        f"/cases/{first['id']}/confirmation/decision",
        json={"decision": "confirmed", "reasons": "协议系双方自愿达成，内容合法"},
        headers=judge,
    )
    assert await queue(api, "waiting") == [third["id"]]
    assert await queue(api, "decided") == [first["id"], second["id"]]  # the latest decision first

    dismissed = (await api.client.get(f"/cases/{second['id']}", headers=judge)).json()
    assert dismissed["confirmation"]["decision"] == "dismissed"
    assert dismissed["confirmation"]["case_number"] is None
    decided = [a for a in dismissed["activities"] if a["kind"] == "confirmation_decided"]
    assert decided[0]["detail"]["reasons"] == "协议内容违反法律强制性规定"

    # The claimant bank follows its applications; another court's judge sees none of them.
    assert await queue(api, "decided", Role.BANK_OPERATOR, BANK_A) == [first["id"], second["id"]]
    assert await queue(api, "waiting", Role.TRIAL_JUDGE, "吉7102") == []
    refused = await api.client.get("/cases", params={"confirmation": "pending"}, headers=judge)
    assert refused.status_code == 422
    assert any(e["field"] == "query.confirmation" for e in refused.json()["errors"]), refused.text
