"""The same step of an inquiry sent ten times at once, on PostgreSQL and on SQLite (the embedded default of
`./run`): one wins and the others get 409 (asking the same banks again is idempotent: everyone gets the
inquiry, the respondents are asked once), and only the winner records an event and a timeline entry."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from courtlink_shared.testing.concurrency import all_at_once, events_of_type, statuses
from inquiry_fixtures import BANK_A, BANK_B, WINDOW, Api, account, bank, inquiry_body, person

N = 10


@pytest.fixture
def database_url(either_database_url: str) -> str:
    return either_database_url


def _kinds(inquiry: dict[str, Any]) -> list[str]:
    return [e["kind"] for e in inquiry["timeline"]]


async def _events(api: Api, event_type: str) -> int:
    return await events_of_type(api.app.state.runtime.session_factory, event_type)


async def _accepted(api: Api) -> dict[str, Any]:
    inquiry = await api.submit(inquiry_body("（2026）吉7101民初500号", respondents=[person(1)]))
    await api.accept(inquiry["id"])  # the property lead names bank A
    return inquiry


async def _answered(api: Api) -> dict[str, Any]:
    inquiry = await _accepted(api)
    await api.after(WINDOW)
    [query] = await api.open_queries(BANK_A)
    response = await api.client.post(
        f"/asset-queries/{query['id']}/answer", json=_answer(query), headers=api.bank(BANK_A)
    )
    assert response.status_code == 200, response.text
    return inquiry


def _answer(query: dict[str, Any]) -> dict[str, Any]:
    return {
        "lines": [
            {
                "line_id": s["line_id"],
                "id_number": s["party"]["id_number"],
                "accounts": [account("6222000000001234", "5000.00")],
            }
            for s in query["subjects"]
        ]
    }


async def test_an_inquiry_accepted_ten_times_at_once_is_accepted_once(api: Api) -> None:
    inquiry = await api.submit(inquiry_body("（2026）吉7101民初500号", respondents=[person(1)]))

    answers = await all_at_once(
        N, lambda: api.client.post(f"/inquiries/{inquiry['id']}/acceptance", json={}, headers=api.officer)
    )

    assert statuses(answers) == [200] + [409] * (N - 1), [r.text for r in answers]
    seen = await api.inquiry(inquiry["id"])
    assert _kinds(seen).count("accepted") == 1
    assert _kinds(seen).count("banks_asked") == 1
    assert [line["bank_code"] for line in seen["lines"]] == [BANK_A]
    assert await _events(api, "enforcement.inquiry.accepted") == 1


async def test_the_same_banks_asked_ten_times_at_once_are_asked_once(api: Api) -> None:
    inquiry = await _accepted(api)
    ask = {"banks": [bank(BANK_B)]}

    answers = await all_at_once(
        N, lambda: api.client.post(f"/inquiries/{inquiry['id']}/asset-queries", json=ask, headers=api.officer)
    )

    assert statuses(answers) == [200] * N, [r.text for r in answers]
    seen = await api.inquiry(inquiry["id"])
    assert sorted(line["bank_code"] for line in seen["lines"]) == sorted([BANK_A, BANK_B])
    assert _kinds(seen).count("banks_asked") == 2, "once at acceptance (bank A), once for bank B"


async def test_a_query_answered_ten_times_at_once_is_answered_once(api: Api) -> None:
    inquiry = await _accepted(api)
    await api.after(WINDOW)
    [query] = await api.open_queries(BANK_A)

    answers = await all_at_once(
        N,
        lambda: api.client.post(f"/asset-queries/{query['id']}/answer", json=_answer(query), headers=api.bank(BANK_A)),
    )

    assert statuses(answers) == [200] + [409] * (N - 1), [r.text for r in answers]
    assert _kinds(await api.inquiry(inquiry["id"])).count("bank_answered") == 1
    assert await _events(api, "enforcement.asset_query.answered") == 1


async def test_advice_issued_ten_times_at_once_is_issued_once(api: Api) -> None:
    inquiry = await _answered(api)
    advice = {"conclusion": "enforceable", "reasons": "被执行人账户余额足以清偿"}

    answers = await all_at_once(
        N, lambda: api.client.post(f"/inquiries/{inquiry['id']}/advice", json=advice, headers=api.officer)
    )

    assert statuses(answers) == [200] + [409] * (N - 1), [r.text for r in answers]
    assert _kinds(await api.inquiry(inquiry["id"])).count("advised") == 1
    assert await _events(api, "enforcement.inquiry.advice_issued") == 1


async def test_advice_acknowledged_ten_times_at_once_is_acknowledged_once(api: Api) -> None:
    inquiry = await _answered(api)
    advice = {"conclusion": "enforceable", "reasons": "被执行人账户余额足以清偿"}
    advised = await api.client.post(f"/inquiries/{inquiry['id']}/advice", json=advice, headers=api.officer)
    assert advised.status_code == 200, advised.text

    answers: list[httpx.Response] = await all_at_once(
        N, lambda: api.client.post(f"/inquiries/{inquiry['id']}/acknowledgement", headers=api.judge)
    )

    assert statuses(answers) == [200] + [409] * (N - 1), [r.text for r in answers]
    assert _kinds(await api.inquiry(inquiry["id"])).count("acknowledged") == 1


async def test_two_banks_answering_at_the_same_moment_leave_every_inquiry_ready_for_advice(api: Api) -> None:
    # Each bank's answer decides whether the inquiries it concerns still wait for another bank. Answered at the
    # same moment, each must see the other's lines as answered once it has committed, or neither marks them
    # ready and the officer waits for the banks forever. Three rounds: one race is lost only now and then.
    for round_ in range(3):
        inquiries = []
        for n in range(5):
            body = inquiry_body(f"（2026）吉7101民初{600 + 10 * round_ + n}号", respondents=[person(n)])
            inquiry = await api.submit(body)
            await api.accept(inquiry["id"], banks=[BANK_A, BANK_B])
            inquiries.append(inquiry)
        await api.after(WINDOW)
        [query_a] = await api.open_queries(BANK_A)
        [query_b] = await api.open_queries(BANK_B)

        answers = list(
            await asyncio.gather(
                api.client.post(
                    f"/asset-queries/{query_a['id']}/answer", json=_answer(query_a), headers=api.bank(BANK_A)
                ),
                api.client.post(
                    f"/asset-queries/{query_b['id']}/answer", json=_answer(query_b), headers=api.bank(BANK_B)
                ),
            )
        )

        assert statuses(answers) == [200, 200]
        for inquiry in inquiries:
            seen = await api.inquiry(inquiry["id"])
            assert {line["status"] for line in seen["lines"]} == {"answered"}
            assert seen["assets_ready_at"] is not None, "both banks have answered: the inquiry is ready for advice"
