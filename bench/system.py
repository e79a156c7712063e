"""System benchmark: intake and finance-mediation as real processes (uvicorn) on real Kafka and PostgreSQL,
against the limits of this machine measured in the same run.

    .venv/bin/python bench/system.py [--disputes 10000] [--rates 20,40] [--seconds 15] [--runs 3]

1. Batch intake: one batch of N disputes (JSON) posted to intake; measured until every one has a mediation case
   opened: rows per second, and per dispute the latency from the batch's submission to its case being opened
   (p50, p99).
2. Single submissions at steady offered rates (open loop: requests leave on schedule whatever the answers do):
   p50/p99 of the HTTP answer, and of submission → mediation case opened, per rate.
3. The limits: aiokafka producing N messages of the same size as a routed-dispute event to the same broker (the
   platform's producer settings: acks=all, idempotent), and asyncpg COPY of N rows of the same size into
   PostgreSQL; printed beside the system's batch rate as ratios.

Prints medians of the runs and writes bench/results/system.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from bench_results import write_result
from courtlink_shared.auth.dev_tokens import generate_key_pair, mint_token
from courtlink_shared.auth.principal import Role
from courtlink_shared.events.envelope import make_envelope
from courtlink_shared.events.topics import INTAKE_DISPUTES
from courtlink_shared.infra.processes import listen_ports
from courtlink_shared.infra.service_processes import ServiceProcess, start_service, wait_ready
from courtlink_shared.messaging.kafka import create_producer, ensure_topics
from courtlink_shared.testing.factories import credit_code, dispute_routed, resident_id
from courtlink_shared.testing.infrastructure import session_infrastructure

COURT = "吉7101"
BANK = "91110000600037341L"
ORG = credit_code(5, prefix="52220101")


def _dispute(n: int, run: str) -> dict[str, Any]:
    return {
        "bank_reference": f"B-{run}-{n}",
        "dispute_type": "金融借款合同纠纷",
        "claimant": {"name": "示例银行股份有限公司", "code": BANK},
        "respondents": [{"kind": "person", "name": f"借款人{n}", "id_number": resident_id(n)}],
        "claim": {"principal": "50000.00", "interest": "0.00", "penalty": "0.00", "fees": "0.00", "total": "50000.00"},
        "contract_number": f"HT-{run}-{n}",
        "default_date": "2026-03-01",
        "court_code": COURT,
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class System:
    intake: ServiceProcess
    mediation: ServiceProcess
    mediation_db: str  # asyncpg DSN
    keys: Path

    def auth(self, role: Role, org: str, subject: str = "bench") -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(self.keys, subject=subject, roles=[role], organisation=org)}"}


async def _start(server_url: str, bootstrap: str, keys: Path, log_dir: Path) -> tuple[System, list[str]]:
    admin = await asyncpg.connect(_dsn(server_url, "postgres"))
    names = [f"bench_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    for name in names:
        await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    ports = listen_ports(2)
    common = {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC_PREFIX": prefix,
        "AUTH_JWKS_FILE": str(keys / "jwks.json"),
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    }
    base = server_url.rsplit("/", 1)[0]
    intake = start_service("intake", ports[0], env={**common, "DATABASE_URL": f"{base}/{names[0]}"}, log_dir=log_dir)
    mediation = start_service(
        "finance-mediation", ports[1], env={**common, "DATABASE_URL": f"{base}/{names[1]}"}, log_dir=log_dir
    )
    await asyncio.to_thread(wait_ready, [intake, mediation], 120)
    system = System(intake, mediation, _dsn(server_url, names[1]), keys)
    admin_headers = system.auth(Role.MEDIATION_ORG_ADMIN, ORG)
    async with httpx.AsyncClient(base_url=mediation.url, timeout=30) as http:
        org = {"name": "调解室", "kind": "financial_dispute_mediation_room"}
        (await http.put("/organisations/me", json=org, headers=admin_headers)).raise_for_status()
        for i in range(50):
            mediator = {"id": f"m{i}", "name": f"调解员{i}", "specialties": ["金融借款合同纠纷"], "capacity": 500}
            (await http.post("/mediators", json=mediator, headers=admin_headers)).raise_for_status()
    return system, names


def _dsn(server_url: str, database: str) -> str:
    return server_url.rsplit("/", 1)[0].replace("postgresql+asyncpg", "postgresql") + f"/{database}"


async def _opened(system: System, expected: int, timeout: float = 900) -> dict[str, datetime]:
    """dispute id → when its mediation case was opened, once `expected` cases exist."""
    conn = await asyncpg.connect(system.mediation_db)
    try:
        started = time.monotonic()
        while await conn.fetchval("SELECT count(*) FROM cases") < expected:
            if time.monotonic() - started > timeout:
                raise TimeoutError("the cases were not all opened")
            await asyncio.sleep(0.1)
        rows = await conn.fetch("SELECT dispute_id, opened_at FROM cases")
        return {r["dispute_id"]: r["opened_at"] for r in rows}
    finally:
        await conn.close()


async def batch_intake(system: System, disputes: int) -> dict[str, float]:
    run = uuid.uuid4().hex[:6]
    body = {"disputes": [_dispute(n, run) for n in range(disputes)]}
    async with httpx.AsyncClient(base_url=system.intake.url, timeout=300) as http:
        submitted = datetime.now(UTC)
        response = await http.post("/batches", json=body, headers=system.auth(Role.BANK_OPERATOR, BANK))
        response.raise_for_status()
    opened = await _opened(system, disputes)
    latencies = [(at - submitted).total_seconds() for at in opened.values()]
    return {
        "rows_per_second": disputes / max(latencies),
        "p50_seconds": _percentile(latencies, 0.5),
        "p99_seconds": _percentile(latencies, 0.99),
    }


async def steady_submissions(system: System, rate: float, seconds: float, already: int) -> dict[str, float]:
    run = uuid.uuid4().hex[:6]
    count = int(rate * seconds)
    answers: list[float] = []
    sent_at: dict[str, datetime] = {}
    headers = system.auth(Role.BANK_OPERATOR, BANK)
    async with httpx.AsyncClient(base_url=system.intake.url, timeout=60) as http:
        start = time.perf_counter()

        async def submit(n: int) -> None:
            await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
            began, when = time.perf_counter(), datetime.now(UTC)
            response = await http.post("/disputes", json=_dispute(100_000 + n, run), headers=headers)
            answers.append(time.perf_counter() - began)
            response.raise_for_status()
            sent_at[response.json()["id"]] = when

        await asyncio.gather(*(submit(n) for n in range(count)))
    opened = await _opened(system, already + count)
    end_to_end = [(opened[d] - at).total_seconds() for d, at in sent_at.items()]
    return {
        "offered_per_second": rate,
        "answer_p50_ms": _percentile(answers, 0.5) * 1000,
        "answer_p99_ms": _percentile(answers, 0.99) * 1000,
        "case_opened_p50_ms": _percentile(end_to_end, 0.5) * 1000,
        "case_opened_p99_ms": _percentile(end_to_end, 0.99) * 1000,
    }


def _event_size() -> bytes:
    event = dispute_routed(1, bank=BANK, court=COURT)
    return (
        make_envelope(event, source="intake", subject=event.dispute_id, time=event.routed_at).model_dump_json().encode()
    )


async def kafka_limit(bootstrap: str, messages: int) -> float:
    """Messages per second aiokafka gets to the broker with the platform's producer settings."""
    payload = _event_size()
    prefix = f"limit{uuid.uuid4().hex[:8]}."
    await ensure_topics(bootstrap, [INTAKE_DISPUTES], prefix=prefix)
    producer = create_producer(bootstrap, timeout_seconds=30, client_id="bench-limit")
    await producer.start()
    try:
        await producer.send_and_wait(INTAKE_DISPUTES.physical(prefix), payload, key=b"warm-up")  # leaders known
        started = time.perf_counter()
        futures = [
            await producer.send(INTAKE_DISPUTES.physical(prefix), payload, key=str(n).encode()) for n in range(messages)
        ]
        await asyncio.gather(*futures)
        return messages / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def copy_limit(server_url: str, database: str, rows: int) -> float:
    """Rows per second asyncpg COPY writes into PostgreSQL, rows as large as a dispute's."""
    payload = str(_dispute(1, "copy")) * 2  # a stored dispute: its fields plus the snapshot
    conn = await asyncpg.connect(_dsn(server_url, database))
    try:
        await conn.execute("CREATE TABLE copy_limit (id text PRIMARY KEY, payload text NOT NULL)")
        records = [(str(uuid.uuid4()), payload) for _ in range(rows)]
        started = time.perf_counter()
        await conn.copy_records_to_table("copy_limit", records=records, columns=["id", "payload"])
        return rows / (time.perf_counter() - started)
    finally:
        await conn.close()


async def one_run(server_url: str, bootstrap: str, args: argparse.Namespace, keys: Path) -> dict[str, Any]:
    system, databases = await _start(server_url, bootstrap, keys, Path("var/bench-logs"))
    try:
        batch = await batch_intake(system, args.disputes)
        steady, opened = {}, args.disputes
        for rate in _rates(args):
            steady[f"{rate:g}"] = await steady_submissions(system, rate, args.seconds, opened)
            opened += int(rate * args.seconds)
    finally:
        await asyncio.gather(asyncio.to_thread(system.intake.stop), asyncio.to_thread(system.mediation.stop))
    limits = {
        "kafka_messages_per_second": await kafka_limit(bootstrap, args.disputes),
        "copy_rows_per_second": await copy_limit(server_url, databases[0], args.disputes),
    }
    admin = await asyncpg.connect(_dsn(server_url, "postgres"))
    for name in databases:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()
    return {"batch": batch, "steady": steady, "limits": limits}


def _rates(args: argparse.Namespace) -> list[float]:
    return [float(r) for r in args.rates.split(",")]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--disputes", type=int, default=10_000)
    parser.add_argument(
        "--rates", default="20,40", help="offered single submissions per second, comma separated (one phase each)"
    )
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    keys = generate_key_pair(Path("var/bench-keys")).parent
    with session_infrastructure() as infra:
        runs = [
            await one_run(infra.postgres_server_url, infra.kafka_bootstrap_servers, args, keys)
            for _ in range(args.runs)
        ]

    def median(section: str, key: str, rate: str | None = None) -> float:
        return statistics.median((r[section][rate] if rate else r[section])[key] for r in runs)

    def line(label: str, section: str, key: str, fmt: str, rate: str | None = None) -> str:
        values = ", ".join(fmt.format((r[section][rate] if rate else r[section])[key]) for r in runs)
        return f"  {label:<58} {fmt.format(median(section, key, rate)):>10}   ({values})"

    system_rate = median("batch", "rows_per_second")
    kafka, copy = median("limits", "kafka_messages_per_second"), median("limits", "copy_rows_per_second")
    print(f"System benchmark, {args.disputes:,} disputes, {args.runs} runs: median (each run)")
    print(line("batch → mediation cases opened, rows/s", "batch", "rows_per_second", "{:,.0f}"))
    print(line("  per dispute, submission → case opened, p50 s", "batch", "p50_seconds", "{:.2f}"))
    print(line("  per dispute, submission → case opened, p99 s", "batch", "p99_seconds", "{:.2f}"))
    for rate in (f"{r:g}" for r in _rates(args)):
        print(f"  single submissions offered at {rate}/s for {args.seconds:g} s:")
        print(line("  HTTP answer p50 ms", "steady", "answer_p50_ms", "{:.1f}", rate))
        print(line("  HTTP answer p99 ms", "steady", "answer_p99_ms", "{:.1f}", rate))
        print(line("  submission → case opened p50 ms", "steady", "case_opened_p50_ms", "{:.0f}", rate))
        print(line("  submission → case opened p99 ms", "steady", "case_opened_p99_ms", "{:.0f}", rate))
    print(line("limit: aiokafka, same-size messages/s", "limits", "kafka_messages_per_second", "{:,.0f}"))
    print(line("limit: asyncpg COPY, same-size rows/s", "limits", "copy_rows_per_second", "{:,.0f}"))
    print(f"  system ÷ Kafka limit: {system_rate / kafka:.3f}    system ÷ COPY limit: {system_rate / copy:.3f}")
    write_result(
        "system",
        {
            "disputes": args.disputes,
            "rates": _rates(args),
            "seconds": args.seconds,
            "runs": runs,
            "ratios": {"system_to_kafka": system_rate / kafka, "system_to_copy": system_rate / copy},
        },
    )


if __name__ == "__main__":
    asyncio.run(main())
