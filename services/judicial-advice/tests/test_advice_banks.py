"""Banks as recipients of judicial advice (DOMAIN.md: a bank operator "receives and answers judicial advice addressed
to the bank"): the bank named by its credit code reads, signs for and replies to advice addressed to it, reads advice
copied to it, and never sees another organisation's; and a trial judge who drafts is recorded as the judge."""

from __future__ import annotations

from typing import Any

from advice_fixtures import COURT, Api, advice_body
from courtlink_shared.auth.principal import Role
from courtlink_shared.events import Envelope
from courtlink_shared.events.topics import ADVICE_ITEMS
from courtlink_shared.testing.factories import credit_code
from courtlink_shared.testing.kafka_reader import read_topic

BANK = Role.BANK_OPERATOR
ADDRESSED_BANK = "91110000600037341L"
COPIED_BANK = credit_code(310)
OTHER_BANK = credit_code(311)


async def delivered_to_bank(api: Api) -> dict[str, Any]:
    """Advice addressed to ADDRESSED_BANK and copied to COPIED_BANK, drafted by a judge, delivered."""
    body = advice_body(
        title="关于规范信用卡分期业务的司法建议",
        recipient_name="示例银行股份有限公司",
        recipient_code=ADDRESSED_BANK,
        cc=[{"name": "某农村商业银行", "code": COPIED_BANK}],
    )
    drafted = await api.client.post("/advices", json=body, headers=api.as_(Role.TRIAL_JUDGE))
    assert drafted.status_code == 201, drafted.text
    advice_id = drafted.json()["id"]
    for action, role in (
        ("submission", Role.ADVICE_MANAGER),
        ("approval", Role.JUDICIAL_COMMITTEE),
        ("issue", Role.PRESIDENT),
    ):
        assert (await api.step(advice_id, action, role)).status_code == 200
    response = await api.step(advice_id, "delivery", Role.ADVICE_MANAGER, method="electronic", proof="回执 0001")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def listed(api: Api, org: str) -> list[str]:
    response = await api.client.get("/advices", headers=api.as_(BANK, org))
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()]


async def test_the_addressed_bank_signs_and_replies_the_copied_bank_reads_another_bank_sees_nothing(
    api: Api,
) -> None:
    draft = await api.client.post(
        "/advices", json=advice_body(recipient_code=ADDRESSED_BANK), headers=api.as_(Role.ADVICE_MANAGER)
    )
    assert draft.json()["id"] not in await listed(api, ADDRESSED_BANK), "a draft is the court's alone"
    advice = await delivered_to_bank(api)
    aid = advice["id"]
    assert aid in await listed(api, ADDRESSED_BANK)
    assert aid in await listed(api, COPIED_BANK)
    assert aid not in await listed(api, OTHER_BANK)
    for path in (f"/advices/{aid}", f"/advices/{aid}/document", f"/advices/{aid}/document.pdf"):
        assert (await api.client.get(path, headers=api.as_(BANK, ADDRESSED_BANK))).status_code == 200
        assert (await api.client.get(path, headers=api.as_(BANK, COPIED_BANK))).status_code == 200
        assert (await api.client.get(path, headers=api.as_(BANK, OTHER_BANK))).status_code == 404, path

    # Neither the copied bank nor another bank acts on it; nothing changes.
    assert (await api.step(aid, "acknowledgement", BANK, COPIED_BANK)).status_code == 404
    assert (await api.step(aid, "acknowledgement", BANK, OTHER_BANK)).status_code == 404
    reply = {"adoption": "adopted", "measures": "已整改"}
    assert (await api.step(aid, "replies", BANK, OTHER_BANK, **reply)).status_code == 404
    unchanged = (await api.client.get(f"/advices/{aid}", headers=api.as_(Role.ADVICE_MANAGER))).json()
    assert (unchanged["status"], unchanged["final_reply_at"]) == ("delivered", None)

    signed = await api.step(aid, "acknowledgement", BANK, ADDRESSED_BANK)
    assert signed.json()["status"] == "acknowledged"
    refused = await api.step(aid, "replies", BANK, ADDRESSED_BANK, adoption="adopted")
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["body.measures"]
    replied = await api.step(aid, "replies", BANK, ADDRESSED_BANK, **reply)
    assert (replied.json()["status"], replied.json()["adoption"]) == ("replied", "adopted")

    timeline = (await api.client.get(f"/advices/{aid}", headers=api.as_(BANK, ADDRESSED_BANK))).json()["timeline"]
    assert [(e["kind"], e["organisation"]) for e in timeline][-2:] == [
        ("acknowledged", ADDRESSED_BANK),
        ("replied", ADDRESSED_BANK),
    ]


async def test_a_judge_who_drafts_revises_and_submits_is_recorded_as_the_judge(
    api: Api, kafka_bootstrap: str, topic_prefix: str
) -> None:
    judge = api.as_(Role.TRIAL_JUDGE)
    aid = (await api.client.post("/advices", json=advice_body(), headers=judge)).json()["id"]
    revised = await api.client.put(f"/advices/{aid}", json=advice_body(background="补充情况。"), headers=judge)
    assert revised.json()["version"] == 2
    assert (await api.step(aid, "submission", Role.TRIAL_JUDGE)).json()["status"] == "submitted"
    records = await read_topic(kafka_bootstrap, ADVICE_ITEMS.physical(topic_prefix), expected=2)
    envelopes = [Envelope.model_validate_json(r.value) for r in records]
    assert [e.type.rsplit(".", 1)[1] for e in envelopes] == ["drafted", "submitted"]
    assert [e.data["by"]["role"] for e in envelopes] == ["trial_judge", "trial_judge"]
    assert {e.data["by"]["organisation"] for e in envelopes} == {COURT}
