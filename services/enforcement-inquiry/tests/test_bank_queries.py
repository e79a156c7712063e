"""Consolidated bank queries and who may see what: ten inquiries in one window make one query to a bank whose
answer lines each reach their own inquiry; a bank sees only its own queries and can report accounts only for the
respondents it was asked about; a court sees only its own inquiries; bad input changes nothing."""

from __future__ import annotations

from typing import Any

from courtlink_shared.auth.principal import Role
from courtlink_shared.events.kafka_binding import from_kafka
from courtlink_shared.events.topics import ENFORCEMENT_ASSET_QUERIES
from courtlink_shared.testing.kafka_reader import read_topic
from inquiry_fixtures import (
    BANK_A,
    BANK_B,
    COURT,
    OTHER_COURT,
    WINDOW,
    Api,
    account,
    bank,
    inquiry_body,
    person,
)


async def test_ten_inquiries_in_one_window_make_one_query_per_bank_and_each_answer_reaches_its_inquiry(
    api: Api, kafka_bootstrap: str, topic_prefix: str
) -> None:
    inquiries = []
    for n in range(10):
        inquiry = await api.submit(inquiry_body(f"（2026）吉7101民初{100 + n}号", respondents=[person(n)]))
        await api.accept(inquiry["id"])  # the property lead names bank A
        inquiries.append(inquiry)
        api.clock.advance(WINDOW / 20)  # all ten within the window that the first one opened
    assert await api.open_queries(BANK_A) == []
    await api.after(WINDOW / 2)

    [query] = await api.open_queries(BANK_A)
    assert [s["party"]["id_number"] for s in query["subjects"]] == [person(n)["id_number"] for n in range(10)]
    lines = [
        {
            "line_id": s["line_id"],
            "id_number": s["party"]["id_number"],
            "accounts": [account(f"62220000000000{n:04d}", f"{1000 * (n + 1)}.00")],
        }
        for n, s in enumerate(query["subjects"])
    ]
    response = await api.client.post(
        f"/asset-queries/{query['id']}/answer", json={"lines": lines}, headers=api.bank(BANK_A)
    )
    assert response.status_code == 200, response.text

    for n, inquiry in enumerate(inquiries):
        seen = await api.inquiry(inquiry["id"])
        assert seen["recoverable_estimate"] == f"{1000 * (n + 1)}.00"
        assert seen["assets_ready_at"] is not None
        [line] = seen["lines"]
        assert line["accounts"][0]["account_masked"] == f"6222**********{n:04d}"

    records = await read_topic(kafka_bootstrap, ENFORCEMENT_ASSET_QUERIES.physical(topic_prefix), expected=2)
    requested = [r for r in records if from_kafka(r.value, r.headers).type == "enforcement.asset_query.requested"]
    assert len(requested) == 1
    assert requested[0].key == BANK_A.encode()

    # An inquiry accepted after the query went out waits for the bank's next query.
    late = await api.submit(inquiry_body("（2026）吉7101民初120号", respondents=[person(20)]))
    await api.accept(late["id"])
    await api.after(WINDOW)
    [next_query] = await api.open_queries(BANK_A)
    assert next_query["id"] != query["id"]
    assert [s["party"]["id_number"] for s in next_query["subjects"]] == [person(20)["id_number"]]


async def _one_open_query(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    inquiry = await api.submit(inquiry_body("（2026）吉7101民初200号", respondents=[person(1), person(2)]))
    await api.accept(inquiry["id"])
    await api.after(WINDOW)
    [query] = await api.open_queries(BANK_A)
    return inquiry, query


async def test_a_bank_sees_and_answers_only_its_own_queries(api: Api) -> None:
    _, query = await _one_open_query(api)
    other_bank = api.bank(BANK_B)
    assert await api.open_queries(BANK_B) == []
    assert (await api.client.get(f"/asset-queries/{query['id']}", headers=other_bank)).status_code == 404
    answer = {"lines": [{"line_id": s["line_id"], "id_number": s["party"]["id_number"]} for s in query["subjects"]]}
    stolen = await api.client.post(f"/asset-queries/{query['id']}/answer", json=answer, headers=other_bank)
    assert stolen.status_code == 404
    assert (await api.open_queries(BANK_A))[0]["status"] == "open"  # untouched


async def test_accounts_of_anyone_but_the_respondent_are_refused_and_change_nothing(api: Api) -> None:
    inquiry, query = await _one_open_query(api)
    first, second = query["subjects"]
    stranger = person(99)["id_number"]
    answer = {
        "lines": [
            {"line_id": first["line_id"], "id_number": stranger, "accounts": [account("6222123412341234", "9.00")]},
            {"line_id": second["line_id"], "id_number": second["party"]["id_number"], "accounts": []},
        ]
    }
    refused = await api.client.post(f"/asset-queries/{query['id']}/answer", json=answer, headers=api.bank(BANK_A))
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ["body.lines.0.id_number"]

    unknown_line = {"lines": [{"line_id": "not-a-line", "id_number": stranger, "accounts": []}]}
    refused = await api.client.post(f"/asset-queries/{query['id']}/answer", json=unknown_line, headers=api.bank(BANK_A))
    assert [e["field"] for e in refused.json()["errors"]] == ["body.lines.0.line_id", "body.lines"]

    seen = await api.inquiry(inquiry["id"])
    assert {line["status"] for line in seen["lines"]} == {"sent"}
    assert (await api.open_queries(BANK_A))[0]["status"] == "open"

    # Nor can the officer ask a bank about someone who is not a respondent of the case.
    ask = {"banks": [bank(BANK_B)], "respondents": [person(1)["id_number"], stranger]}
    refused = await api.client.post(f"/inquiries/{inquiry['id']}/asset-queries", json=ask, headers=api.officer)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["body.respondents.1"]
    assert {line["bank_code"] for line in (await api.inquiry(inquiry["id"]))["lines"]} == {BANK_A}


async def test_a_court_sees_only_its_own_inquiries_and_each_role_only_its_steps(api: Api) -> None:
    inquiry = await api.submit(inquiry_body("（2026）吉7101民初300号"))
    other_judge = api.as_(Role.TRIAL_JUDGE, OTHER_COURT)
    other_officer = api.as_(Role.ENFORCEMENT_OFFICER, OTHER_COURT)
    assert (await api.client.get(f"/inquiries/{inquiry['id']}", headers=other_judge)).status_code == 404
    assert (await api.client.get("/inquiries", headers=other_judge)).json() == []
    assert (await api.client.get(f"/inquiries/{inquiry['id']}/letter.pdf", headers=other_judge)).status_code == 404
    accept = await api.client.post(f"/inquiries/{inquiry['id']}/acceptance", json={}, headers=other_officer)
    assert accept.status_code == 404

    assert (
        await api.client.post(f"/inquiries/{inquiry['id']}/acceptance", json={}, headers=api.judge)
    ).status_code == 403
    assert (await api.client.get("/inquiries", headers=api.bank(BANK_A))).status_code == 403
    assert (
        await api.client.post("/inquiries", json=inquiry_body("（2026）吉7101民初301号"), headers=api.officer)
    ).status_code == 403
    assert (await api.client.get("/asset-queries", headers=api.officer)).status_code == 403
    assert (await api.client.get("/inquiries")).status_code == 401
    # Another court's case number is refused even to a judge with a valid token.
    foreign = await api.client.post("/inquiries", json=inquiry_body("（2026）吉7102民初1号"), headers=api.judge)
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "body.case_number"
    assert [i["id"] for i in (await api.client.get("/inquiries", headers=api.judge)).json()] == [inquiry["id"]]
    assert (await api.client.get("/inquiries", headers=api.officer)).json()[0]["court_code"] == COURT


async def test_bad_inquiries_are_refused_field_by_field_and_nothing_is_stored(api: Api) -> None:
    body = inquiry_body(
        "（2026）吉7101民再1号",  # not a known type code
        respondents=[{"kind": "person", "name": "某人", "id_number": "110105198001010000"}],
        questions=[],
    )
    body["terms"]["instalments"] = [{"due_date": "2026-06-30", "amount": "1.00"}]
    response = await api.client.post("/inquiries", json=body, headers=api.judge)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"body.case_number", "body.respondents.0.id_number", "body.questions", "body.terms"} <= fields
    assert all(e["message_zh"] for e in response.json()["errors"])

    unknown_case = await api.client.post(
        "/inquiries", json=inquiry_body("（2026）吉7101民初404号", respondents=[]), headers=api.judge
    )
    assert unknown_case.status_code == 422
    assert unknown_case.json()["errors"][0]["field"] == "body.respondents"
    changes = inquiry_body("（2026）吉7101民初405号")
    inquiry = await api.submit(changes)
    await api.accept(inquiry["id"], banks=[])
    no_changes = {"conclusion": "enforceable_with_changes", "reasons": "需修改"}
    refused = await api.client.post(f"/inquiries/{inquiry['id']}/advice", json=no_changes, headers=api.officer)
    assert refused.status_code == 422
    assert (await api.client.get("/inquiries", headers=api.judge)).json()[0]["status"] == "accepted"
    assert len((await api.client.get("/inquiries", headers=api.judge)).json()) == 1
