"""Batches: valid rows kept whatever the bad rows are, a report for every row, nothing created twice, and a
restart in the middle of a batch loses and doubles nothing."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from courtlink_shared.events import Envelope
from courtlink_shared.events.topics import INTAKE_DISPUTES
from courtlink_shared.testing.factories import today_in_beijing
from courtlink_shared.testing.kafka_reader import read_topic
from courtlink_shared.testing.waiting import eventually
from intake.app import create_app
from intake.csv_io import HEADERS, parse_batch_csv
from intake.schemas import DisputeIn
from intake.settings import Settings
from intake_fixtures import BANK_A, BANK_B, Api, dispute


def _bad_id(row: dict[str, Any]) -> str:
    row["respondents"][0]["id_number"] = row["respondents"][0]["id_number"][:-1] + (
        "0" if row["respondents"][0]["id_number"][-1] != "0" else "1"
    )
    return "respondents.0.id_number"


def _bad_total(row: dict[str, Any]) -> str:
    row["claim"]["total"] = "1.00"
    return "claim.total"


def _future(row: dict[str, Any]) -> str:
    row["default_date"] = (today_in_beijing() + timedelta(days=10)).isoformat()
    return "default_date"


def _unknown_type(row: dict[str, Any]) -> str:
    row["dispute_type"] = "离婚纠纷"
    return "dispute_type"


def _no_contract(row: dict[str, Any]) -> str:
    del row["contract_number"]
    return "contract_number"


def _bad_phone(row: dict[str, Any]) -> str:
    row["respondents"][0]["phone"] = "12345"
    return "respondents.0.phone"


def _three_decimals(row: dict[str, Any]) -> str:
    row["claim"]["fees"] = "0.001"
    return "claim.fees"


def _other_bank(row: dict[str, Any]) -> str:
    row["claimant"]["code"] = BANK_B
    return "claimant.code"


def _no_respondents(row: dict[str, Any]) -> str:
    row["respondents"] = []
    return "respondents"


def _bad_court(row: dict[str, Any]) -> str:
    row["court_code"] = "NOT-A-COURT"
    return "court_code"


FAULTS: list[Callable[[dict[str, Any]], str]] = [
    _bad_id,
    _bad_total,
    _future,
    _unknown_type,
    _no_contract,
    _bad_phone,
    _three_decimals,
    _other_bank,
    _no_respondents,
    _bad_court,
]


def batch_of(size: int, start: int) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """`size` rows, every 20th broken in one of ten ways; returns rows and {row number: faulty field}."""
    rows, faults = [], {}
    for i in range(size):
        row = dispute(start + i)
        if i % 20 == 7:
            faults[i + 1] = FAULTS[(i // 20) % len(FAULTS)](row)
        rows.append(row)
    return rows, faults


async def wait_completed(client: httpx.AsyncClient, batch_id: str, headers: dict[str, str]) -> dict[str, Any]:
    state: dict[str, Any] = {}

    async def completed() -> bool:
        state.update((await client.get(f"/batches/{batch_id}", headers=headers)).json())
        return bool(state["status"] == "completed")

    await eventually(completed, timeout=120, what="the batch to complete")
    return state


async def all_disputes(api: Api, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": "200", **({"cursor": cursor} if cursor else {})}
        page = (await api.client.get("/disputes", params=query, headers=api.bank())).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_a_batch_of_1000_with_bad_rows_routes_exactly_the_valid_ones(
    api: Api, kafka_bootstrap: str, topic_prefix: str
) -> None:
    rows, faults = batch_of(1000, start=10_000)
    response = await api.client.post("/batches", json={"disputes": rows}, headers=api.bank())
    assert response.status_code == 202
    batch = await wait_completed(api.client, response.json()["id"], api.bank())
    assert (batch["accepted"], batch["rejected"], batch["existing"], batch["probable_duplicates"]) == (950, 50, 0, 0)

    report = (await api.client.get(batch["report_url"], headers=api.bank())).json()["rows"]
    assert len(report) == 1000
    rejected = {r["row_number"]: r for r in report if r["outcome"] == "rejected"}
    assert set(rejected) == set(faults)
    for number, field in faults.items():
        assert field in {e["field"] for e in rejected[number]["errors"]}, (number, rejected[number]["errors"])
        assert all(e["message"] and e["message_zh"] for e in rejected[number]["errors"])

    disputes = await all_disputes(api)
    assert len(disputes) == 950
    assert {d["status"] for d in disputes} == {"routed"}
    assert len({d["mediation_number"] for d in disputes}) == 950
    assert all(d["notice"]["pdf_url"].endswith("/notice.pdf") for d in disputes)

    records = await read_topic(kafka_bootstrap, INTAKE_DISPUTES.physical(topic_prefix), expected=1900, timeout=60)
    routed = [Envelope.model_validate_json(r.value) for r in records]
    assert sum(e.type == "intake.dispute.routed" for e in routed) == 950

    csv_report = (await api.client.get(batch["report_csv_url"], headers=api.bank())).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(csv_report)))
    assert len(lines) == 1001
    assert sum(line[2] == "未受理" for line in lines[1:]) == 50

    again = await api.client.post("/batches", json={"disputes": rows}, headers=api.bank())
    assert again.json()["id"] == batch["id"]
    assert len(await all_disputes(api)) == 950, "sending the same batch again creates nothing"


ROWS = 5000


async def test_a_restart_in_the_middle_of_a_batch_loses_and_doubles_nothing(
    settings: Settings, keys_dir: Path, api: Api
) -> None:
    # large enough that the first instance is still at it when it stops, however fast a chunk goes
    rows, faults = batch_of(ROWS, start=20_000)
    headers = api.bank()
    first_app = create_app(settings)
    async with LifespanManager(first_app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            batch_id = (await client.post("/batches", json={"disputes": rows}, headers=headers)).json()["id"]
            await eventually(lambda: _processed_some(client, batch_id, headers), what="processing to start")
    # the first instance stopped mid-batch; the fixture's app (a second instance) resumes unfinished batches on start
    progress = (await api.client.get(f"/batches/{batch_id}", headers=headers)).json()
    assert progress["processed_rows"] < ROWS, "the restart must really interrupt the batch"
    second_app = create_app(settings)
    async with LifespanManager(second_app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            batch = await wait_completed(client, batch_id, headers)
            resent = (await client.post("/batches", json={"disputes": rows}, headers=headers)).json()
    assert resent["id"] == batch_id
    assert batch["accepted"] + batch["rejected"] == ROWS
    assert batch["rejected"] == len(faults)
    disputes = await all_disputes(api)
    assert len(disputes) == ROWS - len(faults)
    assert len({d["bank_reference"] for d in disputes}) == len(disputes)


async def _processed_some(client: httpx.AsyncClient, batch_id: str, headers: dict[str, str]) -> bool:
    return bool((await client.get(f"/batches/{batch_id}", headers=headers)).json()["processed_rows"] > 0)


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def csv_row(d: dict[str, Any]) -> list[str]:
    r = d["respondents"][0]
    c = d["claim"]
    evidence = "|".join([d["evidence"][0]["name"], d["evidence"][0]["sha256"], str(d["evidence"][0]["size"])])
    return [
        d["bank_reference"],
        d["dispute_type"],
        d["claimant"]["name"],
        d["claimant"]["code"],
        d["contract_number"],
        d["default_date"],
        c["principal"],
        c["interest"],
        c["penalty"],
        c["fees"],
        c["total"],
        d["court_code"],
        "自然人",
        r["name"],
        r["id_number"],
        r["phone"],
        r["address"],
        "",
        "",
        "",
        "",
        "",
        evidence,
    ]


async def test_csv_batches_in_gbk_or_utf8_with_bom_are_read_row_by_row(api: Api) -> None:
    good = [csv_row(dispute(30_000 + i)) for i in range(4)]
    bad = csv_row(dispute(30_100))
    bad[10] = "999.99"  # total does not add up
    for encoding, rows in (("gbk", [*good[:2], bad]), ("utf-8-sig", good[2:])):
        response = await api.client.post(
            "/batches", content=csv_bytes(rows, encoding), headers={**api.bank(), "content-type": "text/csv"}
        )
        assert response.status_code == 202, response.text
        batch = await wait_completed(api.client, response.json()["id"], api.bank())
        assert batch["source"] == "csv"
        report = (await api.client.get(batch["report_url"], headers=api.bank())).json()["rows"]
        assert [r["row_number"] for r in report] == list(range(2, len(rows) + 2)), "rows numbered as lines"
    assert [r["outcome"] for r in report] == ["accepted", "accepted"]
    assert len(await all_disputes(api)) == 4


async def test_the_csv_template_is_a_valid_batch_of_one(api: Api) -> None:
    template = (await api.client.get("/batches/template.csv", headers=api.bank())).content
    assert template.startswith("\ufeff".encode())
    [row] = parse_batch_csv(template)
    assert DisputeIn.model_validate(row).claim.total == Decimal("10643.10")


async def test_an_unreadable_csv_is_refused_whole(api: Api) -> None:
    response = await api.client.post(
        "/batches", content=b"a,b\n1,2\n", headers={**api.bank(), "content-type": "text/csv"}
    )
    assert response.status_code == 422
    assert "missing column" in response.json()["detail"]


async def test_a_batch_of_another_bank_does_not_exist_for_you(api: Api) -> None:
    rows, _ = batch_of(3, start=40_000)
    batch_id = (await api.client.post("/batches", json={"disputes": rows}, headers=api.bank(BANK_A))).json()["id"]
    for url in (f"/batches/{batch_id}", f"/batches/{batch_id}/report", f"/batches/{batch_id}/report.csv"):
        assert (await api.client.get(url, headers=api.bank(BANK_B))).status_code == 404
    await asyncio.sleep(0)
