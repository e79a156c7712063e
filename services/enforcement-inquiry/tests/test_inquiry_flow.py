"""An inquiry from the judge's letter to the acknowledged advice, on the real broker and database: parties from
intake's filed case, two banks queried, one answers and one lets its query expire, the advice estimates what can
be recovered from the answer received; overdue inquiries through the sweep; statistics."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from courtlink_shared.events.kafka_binding import from_kafka
from courtlink_shared.events.topics import ENFORCEMENT_ASSET_QUERIES, ENFORCEMENT_INQUIRIES
from courtlink_shared.testing.kafka_reader import read_topic
from courtlink_shared.testing.waiting import eventually
from inquiry_fixtures import (
    BANK_A,
    BANK_B,
    EXPIRY,
    WINDOW,
    Api,
    account,
    filed_case,
    inquiry_body,
    person,
    publish_filed,
)


async def test_an_inquiry_on_a_filed_case_is_answered_by_one_bank_and_advised_after_the_other_expires(
    api: Api, kafka_bootstrap: str, topic_prefix: str
) -> None:
    await publish_filed(kafka_bootstrap, topic_prefix, filed_case(15, [person(1), person(2)]))
    body = inquiry_body("(2026)吉7101民初15号", respondents=[])  # ASCII brackets; parties left to intake
    submitted: dict[str, object] = {}

    async def accepted_with_parties_from_intake() -> bool:
        response = await api.client.post("/inquiries", json=body, headers=api.judge)
        if response.status_code == 201:
            submitted.update(response.json())
        return response.status_code == 201

    await eventually(accepted_with_parties_from_intake, what="the filed case known from intake")
    inquiry_id = str(submitted["id"])
    assert submitted["case_number"] == "（2026）吉7101民初15号"
    assert submitted["parties_from_intake"] is True
    assert [p["name"] for p in submitted["respondents"]] == ["被执行人1", "被执行人2"]  # type: ignore[attr-defined]
    assert submitted["due_at"] == "2026-03-09T16:00:00Z"  # seven days, to 24:00 Beijing time of Monday 9 March
    assert submitted["ends_on"] == {"due_at": "2026-03-09"}
    assert submitted["calendar_warning"] is None

    accepted = await api.accept(inquiry_id, banks=[BANK_A, BANK_B])
    assert (accepted["status"], accepted["officer"]) == ("accepted", "officer-zhao")
    assert {(line["bank_code"], line["status"]) for line in accepted["lines"]} == {
        (BANK_A, "waiting"),
        (BANK_B, "waiting"),
    }
    assert await api.open_queries(BANK_A) == []  # the window is still open

    await api.after(WINDOW)
    [query_a] = await api.open_queries(BANK_A)
    [_query_b] = await api.open_queries(BANK_B)
    assert [s["party"]["name"] for s in query_a["subjects"]] == ["被执行人1", "被执行人2"]
    line_of = {s["party"]["id_number"]: s["line_id"] for s in query_a["subjects"]}
    early = await api.client.post(
        f"/inquiries/{inquiry_id}/advice", json={"conclusion": "enforceable", "reasons": "…"}, headers=api.officer
    )
    assert early.status_code == 409, early.text  # bank queries outstanding

    answer = {
        "lines": [
            {
                "line_id": line_of[person(1)["id_number"]],
                "id_number": person(1)["id_number"],
                "accounts": [account("6222021234567890123", "30000.00", frozen="5000.00")],
            },
            {"line_id": line_of[person(2)["id_number"]], "id_number": person(2)["id_number"], "accounts": []},
        ]
    }
    api.clock.advance(timedelta(hours=5))
    answered = await api.client.post(f"/asset-queries/{query_a['id']}/answer", json=answer, headers=api.bank(BANK_A))
    assert answered.status_code == 200, answered.text
    again = await api.client.post(f"/asset-queries/{query_a['id']}/answer", json=answer, headers=api.bank(BANK_A))
    assert again.status_code == 409

    seen = await api.inquiry(inquiry_id)
    assert seen["assets_ready_at"] is None  # bank B has not answered yet
    assert seen["recoverable_estimate"] == "25000.00"
    reported = [line["accounts"] for line in seen["lines"] if line["status"] == "answered"]
    assert reported[0][0]["account_masked"] == "6222***********0123"
    assert "6222021234567890123" not in json.dumps(seen)

    await api.after(EXPIRY)
    assert await api.open_queries(BANK_B) == []
    seen = await api.inquiry(inquiry_id)
    assert {line["bank_code"]: line["status"] for line in seen["lines"]}[BANK_B] == "expired"
    assert seen["assets_ready_at"] is not None

    advice = {
        "conclusion": "enforceable_with_changes",
        "proposed_changes": ["分期履行期限缩短为六个月", "明确逾期一期即可就全部余款申请执行"],
        "reasons": "被执行人可供执行存款约二万五千元，不足以一次清偿，建议调整分期条款。",
    }
    other_officer = api.as_(api.officer_role, subject="officer-qian")
    refused = await api.client.post(f"/inquiries/{inquiry_id}/advice", json=advice, headers=other_officer)
    assert refused.status_code == 403  # only the assigned officer advises
    advised = await api.client.post(f"/inquiries/{inquiry_id}/advice", json=advice, headers=api.officer)
    assert advised.status_code == 200, advised.text
    assert advised.json()["advice"]["recoverable_amount"] == "25000.00"
    assert advised.json()["advice"]["claim_amount"] == "100000.00"
    acknowledged = await api.client.post(f"/inquiries/{inquiry_id}/acknowledgement", headers=api.judge)
    assert acknowledged.json()["status"] == "acknowledged"
    kinds = [e["kind"] for e in acknowledged.json()["timeline"]]
    assert kinds == [
        "submitted",
        "accepted",
        "banks_asked",
        "bank_answered",
        "bank_query_expired",
        "advised",
        "acknowledged",
    ]

    letter = await api.client.get(f"/inquiries/{inquiry_id}/letter.html", headers=api.officer)
    assert "执行咨询函" in letter.text
    assert "（2026）吉7101民初15号" in letter.text
    assert "被执行人1" in letter.text
    assert "请于2026年3月9日前回复" in letter.text  # the service level's last day
    document = await api.client.get(f"/inquiries/{inquiry_id}/advice.html", headers=api.judge)
    assert "执行建议" in document.text
    assert "25000.00" in document.text
    assert "6222***********0123" in document.text
    assert "乙银行" in document.text
    assert "未在期限内答复" in document.text
    pdf = await api.client.get(f"/inquiries/{inquiry_id}/advice.pdf", headers=api.judge)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    inquiry_events = await read_topic(
        kafka_bootstrap, ENFORCEMENT_INQUIRIES.physical(topic_prefix), expected=3, timeout=30
    )
    assert [from_kafka(r.value, r.headers).type.encode() for r in inquiry_events] == [
        b"enforcement.inquiry.submitted",
        b"enforcement.inquiry.accepted",
        b"enforcement.inquiry.advice_issued",
    ]
    query_events = await read_topic(
        kafka_bootstrap, ENFORCEMENT_ASSET_QUERIES.physical(topic_prefix), expected=4, timeout=30
    )
    by_bank = sorted((r.key, from_kafka(r.value, r.headers).type.encode()) for r in query_events if r.key is not None)
    assert by_bank == sorted(
        [
            (BANK_A.encode(), b"enforcement.asset_query.requested"),
            (BANK_A.encode(), b"enforcement.asset_query.answered"),
            (BANK_B.encode(), b"enforcement.asset_query.requested"),
            (BANK_B.encode(), b"enforcement.asset_query.expired"),
        ]
    )
    stats = await api.client.get(
        "/statistics", params={"from": "2026-03-01", "to": "2026-03-31"}, headers=api.as_(api.analyst_role)
    )
    figures = stats.json()
    assert (figures["inquiries"], figures["advised"], figures["within_service_level"]) == (1, 1, 1)
    assert figures["median_turnaround_hours"] == "53.0"  # 1 minute window + 5 h + 48 h, to the minute
    assert figures["advice_by_conclusion"] == {"enforceable_with_changes": 1}
    assert figures["per_month"] == {"2026-03": {"inquiries": 1, "advised": 1, "within_service_level": 1}}
    assert [(b["bank_code"], b["answered"], b["expired"], b["median_answer_hours"]) for b in figures["banks"]] == [
        (BANK_A, 1, 0, "5.0"),
        (BANK_B, 0, 1, None),
    ]


async def test_an_inquiry_without_advice_is_overdue_once_after_its_service_level(api: Api) -> None:
    urgent = await api.submit(inquiry_body("（2026）吉7101民初30号", urgent=True))
    normal = await api.submit(inquiry_body("（2026）吉7101民初31号"))
    assert urgent["due_at"] == "2026-03-05T16:00:00Z"  # three days, to 24:00 Beijing time of 5 March
    await api.after(timedelta(days=3, hours=13, minutes=59))
    assert (await api.inquiry(urgent["id"]))["overdue"] is False  # 23:59 on the last day: still in time
    await api.after(timedelta(minutes=1, seconds=1))
    assert (await api.inquiry(urgent["id"]))["overdue"] is True
    assert (await api.inquiry(normal["id"]))["overdue"] is False
    assert await api.after(timedelta(minutes=1)) == 0  # fired once
    timeline = [e["kind"] for e in (await api.inquiry(urgent["id"]))["timeline"]]
    assert timeline.count("overdue") == 1
    stats = await api.client.get("/statistics", params={"from": "2026-03-02", "to": "2026-03-02"}, headers=api.officer)
    assert (stats.json()["inquiries"], stats.json()["overdue"], stats.json()["open"]) == (2, 1, 2)


async def test_statistics_read_the_median_turnaround_across_days_and_count_lateness_the_sweep_has_not_flagged(
    api: Api,
) -> None:
    """Four inquiries advised after 2, 20, 30 and 75 hours: the median (25.0 h) lies between the first day's
    bucket and the second's. A fifth, never advised, is overdue as soon as its deadline passes, before the sweep
    flags it, and is counted once after."""
    inquiries = [(await api.submit(inquiry_body(f"（2026）吉7101民初{n}号")))["id"] for n in range(51, 56)]
    for inquiry_id in inquiries[:4]:
        await api.accept(inquiry_id, banks=[])  # no bank to ask: the advice can follow at once
    advised_after = [timedelta(hours=h) for h in (2, 20, 30, 75)]
    waited = timedelta(0)
    for inquiry_id, after in zip(inquiries[:4], advised_after, strict=True):
        await api.after(after - waited)
        waited = after
        advice = {"conclusion": "enforceable", "reasons": "依据查询结果。"}
        response = await api.client.post(f"/inquiries/{inquiry_id}/advice", json=advice, headers=api.officer)
        assert response.status_code == 200, response.text

    async def figures() -> dict[str, Any]:
        period = {"from": "2026-03-01", "to": "2026-03-31"}
        response = await api.client.get("/statistics", params=period, headers=api.as_(api.analyst_role))
        assert response.status_code == 200, response.text
        return dict(response.json())

    first = await figures()
    assert (first["inquiries"], first["advised"], first["open"], first["overdue"]) == (5, 4, 1, 0)
    assert first["median_turnaround_hours"] == "25.0"
    assert first["within_service_level"] == 4
    api.clock.advance(timedelta(days=8))  # past the fifth's deadline; the sweep has not run
    late = await figures()
    assert (late["open"], late["overdue"]) == (1, 1)
    assert await api.sweep() == 1
    assert (await figures())["overdue"] == 1
