"""Benchmark: the statistics endpoints of finance-mediation, enforcement-inquiry and judicial-advice over 100,000 rows.

    .venv/bin/python bench/statistics_reads.py [--rows 100000] [--requests 20] [--runs 3]

The three services run as real processes (uvicorn) on new PostgreSQL databases and real Kafka. Their tables are
filled once before the services start, straight through COPY and then vacuumed and analysed as autovacuum would
leave them: `rows` mediation cases; `rows` enforcement inquiries with their banks' consolidated queries; `rows`
judicial advice issued in one year. Each database is filled at the revision before the service's kept figures,
so that starting the service brings it to its newest revision the way a court's stored data would be upgraded:
the figures are filled by the service's own migration from the rows (vacuumed and analysed again after it).
Each run then times `GET /statistics` as the court's analyst sees it (mediation's also as a bank and as the
organisation that serves the court), `requests` times one after another after one warm-up request: the median
and the slowest answer per run. The rows are the same every time (a fixed seed), so the answers are the same
too: their digest is printed, so a change that makes the endpoints faster can be seen not to change what they
answer (answers that list overdue items change with the day the bench runs). Target: < 50 ms.

Prints the medians of the runs and writes JSON to bench/results/statistics_reads.json.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from bench_results import write_result
from bench_running import run_benchmark
from courtlink_shared.auth.dev_tokens import generate_key_pair, mint_token
from courtlink_shared.auth.principal import Role
from courtlink_shared.db.engine import create_engine
from courtlink_shared.db.migrations import upgrade
from courtlink_shared.infra.processes import listen_ports
from courtlink_shared.infra.service_processes import ServiceProcess, start_service, wait_ready
from courtlink_shared.testing.factories import credit_code, resident_id
from courtlink_shared.testing.infrastructure import session_infrastructure
from enforcement_inquiry.app import MIGRATIONS as ENFORCEMENT_MIGRATIONS
from finance_mediation.app import MIGRATIONS as MEDIATION_MIGRATIONS
from judicial_advice.app import MIGRATIONS as ADVICE_MIGRATIONS

COURT = "吉7101"
TARGET_MS = 50
SERVICES = ("finance-mediation", "enforcement-inquiry", "judicial-advice")
BANKS = [credit_code(900 + i) for i in range(10)]
# What is timed: (label, service, the reader's role and organisation). Mediation is read by three kinds of
# reader, each summing the figures of its own holder: the court, a bank, an organisation with its court's pool.
READS = (
    ("finance-mediation", "finance-mediation", Role.ANALYST, COURT),
    ("  as a bank", "finance-mediation", Role.BANK_OPERATOR, BANKS[0]),
    ("  as its organisation", "finance-mediation", Role.MEDIATION_ORG_ADMIN, "ORG"),
    ("enforcement-inquiry", "enforcement-inquiry", Role.ANALYST, COURT),
    ("judicial-advice", "judicial-advice", Role.ANALYST, COURT),
)
AGENCIES = [credit_code(700 + i, prefix="11220000") for i in range(40)]
PERIOD = {"from": "2026-03-01", "to": "2026-05-31"}
YEAR = 2026
START = datetime(2026, 3, 1, tzinfo=UTC)
# Each service's migrations, and the revision its tables are filled at: the one before its kept figures.
MIGRATIONS = {
    "finance-mediation": (MEDIATION_MIGRATIONS, "finance_mediation_0003"),
    "enforcement-inquiry": (ENFORCEMENT_MIGRATIONS, "enforcement_inquiry_0003"),
    "judicial-advice": (ADVICE_MIGRATIONS, "judicial_advice_0002"),
}


def _dsn(server_url: str, database: str) -> str:
    return server_url.rsplit("/", 1)[0].replace("postgresql+asyncpg", "postgresql") + f"/{database}"


def _moment(rng: random.Random, days: float = 90) -> datetime:
    return START + timedelta(seconds=rng.uniform(0, days * 86400))


def _cases(rows: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Mediation cases opened over three months; about two in three closed (settled or failed), some confirmed."""
    rng = random.Random(16)
    mediators = [
        {
            "id": f"m{i}",
            "organisation_code": "ORG",
            "name": f"调解员{i}",
            "specialties": "[]",
            "capacity": 500,
            "affiliations": "[]",
            "available": True,
        }
        for i in range(50)
    ]
    cases = []
    for n in range(rows):
        opened = _moment(rng)
        closed = opened + timedelta(days=rng.uniform(1, 40)) if rng.random() < 0.66 else None
        accepted = opened + timedelta(hours=rng.uniform(1, 48)) if closed is None or rng.random() < 0.9 else None
        settled = closed is not None and rng.random() < 0.55
        requested = closed + timedelta(days=rng.uniform(1, 20)) if settled and rng.random() < 0.4 else None
        decided = requested + timedelta(days=rng.uniform(1, 10)) if requested and rng.random() < 0.7 else None
        dispute = {
            "dispute_id": str(n),
            "respondents": [{"name": f"借款人{n}", "id_number": resident_id(n)}],
            "claim": {"total": "50000.00"},
            "contract_number": f"HT-{n}",
            "notice": "x" * 250,
        }
        cases.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "dispute_id": str(uuid.UUID(int=n)),
                "mediation_number": f"M-{n}",
                "dispute": json.dumps(dispute, ensure_ascii=False),
                "dispute_type": "金融借款合同纠纷",
                "claimant_code": rng.choice(BANKS),
                "court_code": COURT,
                "status": ("settled" if settled else "failed") if closed else "in_mediation",
                "mediator_id": f"m{rng.randrange(50)}",
                "organisation_code": "ORG",
                "declined_by": "[]",
                "opened_at": opened,
                "assign_by": opened + timedelta(days=3),
                "assigned_at": opened,
                "accepted_at": accepted,
                "extension_days": 0,
                "suspended_seconds": 0,
                "signatures": "[]",
                "closed_at": closed,
                "outcome": ("settled" if settled else "failed") if closed else None,
                "confirmation_requested_at": requested,
                "confirmation_extended": False,
                "confirmation_decided_at": decided,
                "confirmation_decision": (rng.choice(["confirmed", "confirmed", "rejected"]) if decided else None),
                "updated_at": closed or opened,
            }
        )
    return mediators, cases


def _inquiries(rows: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Inquiries sent over three months, most advised; the banks' consolidated queries over the same months."""
    rng = random.Random(17)
    inquiries = []
    for n in range(rows):
        submitted = _moment(rng)
        urgent = rng.random() < 0.1
        due = submitted + timedelta(days=3 if urgent else 7)
        advised = submitted + timedelta(hours=rng.uniform(2, 240)) if rng.random() < 0.8 else None
        status = "advised" if advised else rng.choice(["submitted", "accepted", "accepted"])
        advice = (
            {
                "conclusion": rng.choice(["enforceable", "partly_enforceable", "not_enforceable"]),
                "recoverable_amount": "1000.00",
                "reasons": "依据查询结果。",
            }
            if advised
            else None
        )
        inquiries.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "court_code": COURT,
                "case_number": f"（2026）{COURT}民初{n + 1}号",
                "parties_from_intake": False,
                "status": status,
                "urgent": urgent,
                "judge": "judge",
                "claim_amount": Decimal("80000.00"),
                "respondents": json.dumps([{"kind": "person", "name": f"被执行人{n}", "id_number": resident_id(n)}]),
                "terms": '{"amount": "80000.00"}',
                "questions": '["有无存款？"]',
                "property_leads": "[]",
                "submitted_at": submitted,
                "due_at": due,
                "officer": "officer",
                "accepted_at": submitted,
                "assets_ready_at": advised,
                "advised_at": advised,
                "advice": json.dumps(advice, ensure_ascii=False) if advice else None,
                "advice_conclusion": advice["conclusion"] if advice else None,
                "overdue_at": due if advised is None and rng.random() < 0.3 else None,
            }
        )
    queries = []
    for n in range(max(1, rows // 50)):
        requested = _moment(rng)
        state = rng.random()
        answered = requested + timedelta(hours=rng.uniform(1, 72)) if state < 0.9 else None
        queries.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "court_code": COURT,
                "bank_code": BANKS[n % 5],
                "bank_name": f"银行{n % 5}",
                "status": "answered" if answered else ("expired" if state < 0.95 else "open"),
                "requested_at": requested,
                "expires_at": requested + timedelta(days=7),
                "answered_at": answered,
                "expired_at": requested + timedelta(days=7) if state >= 0.9 and state < 0.95 else None,
            }
        )
    return inquiries, queries


def _advices(rows: int) -> list[dict[str, Any]]:
    """Advice issued in one year, delivered and mostly replied; a few past their deadline without reply."""
    rng = random.Random(18)
    advices = []
    for n in range(rows):
        issued = datetime(YEAR, 1, 2, tzinfo=UTC) + timedelta(seconds=rng.uniform(0, 200 * 86400))
        delivered = issued + timedelta(days=rng.uniform(1, 5)) if rng.random() < 0.95 else None
        deadline = delivered + timedelta(days=60) if delivered else None
        replied = None
        if deadline and rng.random() < 0.998:
            replied = delivered + timedelta(days=rng.uniform(5, 75)) if delivered else None
        agency = rng.randrange(len(AGENCIES))
        advices.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "court_code": COURT,
                "place": "长铁",
                "status": "replied" if replied else ("delivered" if delivered else "issued"),
                "version": 1,
                "title": f"关于加强金融风险防控的司法建议{n}",
                "recipient_name": f"机关{agency}",
                "recipient_code": AGENCIES[agency],
                "cc": "[]",
                "reply_months": 2,
                "number": f"长铁法建〔{YEAR}〕{n + 1}号",
                "content": json.dumps(
                    {"background": "背景" * 40, "problems": ["问题"], "recommendations": ["建议"]}, ensure_ascii=False
                ),
                "issued_at": issued,
                "delivered_at": delivered,
                "reply_deadline": deadline,
                "final_reply_at": replied,
                "adoption": rng.choice(["adopted", "partly_adopted", "not_adopted"]) if replied else None,
                "created_by": "research",
                "created_at": issued,
                "updated_at": replied or delivered or issued,
            }
        )
    return advices


async def _copy(dsn: str, table: str, rows: list[dict[str, Any]]) -> None:
    columns = sorted({key for row in rows for key in row})
    conn = await asyncpg.connect(dsn)
    try:
        records = [tuple(r.get(c) for c in columns) for r in rows]
        await conn.copy_records_to_table(table, records=records, columns=columns)
        await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()


async def _migrate_before_figures(urls: dict[str, str]) -> None:
    for service, url in urls.items():
        versions, revision = MIGRATIONS[service]
        engine = create_engine(url)
        try:
            await upgrade(engine, [versions], to=revision)
        finally:
            await engine.dispose()


async def _vacuum(dsns: dict[str, str]) -> None:
    """After the services' own migrations, which may have rewritten rows and added indexes, as autovacuum would."""
    for dsn in dsns.values():
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute("VACUUM ANALYZE")
        finally:
            await conn.close()


async def _fill(dsns: dict[str, str], rows: int) -> None:
    mediators, cases = _cases(rows)
    conn = await asyncpg.connect(dsns["finance-mediation"])
    try:
        await conn.execute(
            "INSERT INTO organisations (code, name, kind, created_at) VALUES ('ORG', '调解室', 'other', now())"
        )
        await conn.execute(
            "INSERT INTO court_registrations (court_code, organisation_code, registered_at, registered_by) "
            "VALUES ($1, 'ORG', now(), 'clerk')",
            COURT,
        )
    finally:
        await conn.close()
    await _copy(dsns["finance-mediation"], "mediators", mediators)
    await _copy(dsns["finance-mediation"], "cases", cases)
    inquiries, queries = _inquiries(rows)
    await _copy(dsns["enforcement-inquiry"], "inquiries", inquiries)
    await _copy(dsns["enforcement-inquiry"], "asset_queries", queries)
    await _copy(dsns["judicial-advice"], "advices", _advices(rows))


async def _time(url: str, params: dict[str, Any], headers: dict[str, str], requests: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        first = await http.get("/statistics", params=params, headers=headers)
        first.raise_for_status()
        times = []
        for _ in range(requests):
            began = time.perf_counter()
            response = await http.get("/statistics", params=params, headers=headers)
            times.append((time.perf_counter() - began) * 1000)
            response.raise_for_status()
    digest = hashlib.sha256(json.dumps(first.json(), sort_keys=True).encode()).hexdigest()[:12]
    return {"median_ms": statistics.median(times), "max_ms": max(times), "answer_digest": digest}


async def measure(server_url: str, bootstrap: str, args: argparse.Namespace, keys: Path) -> list[dict[str, Any]]:
    """Start the services, fill their tables once, then time the endpoints `args.runs` times."""
    admin = await asyncpg.connect(_dsn(server_url, "postgres"))
    names = {service: f"bench_{uuid.uuid4().hex[:10]}" for service in SERVICES}
    for name in names.values():
        await admin.execute(f'CREATE DATABASE "{name}"')
    base = server_url.rsplit("/", 1)[0]
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC_PREFIX": f"bench{uuid.uuid4().hex[:8]}.",
        "AUTH_JWKS_FILE": str(keys / "jwks.json"),
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        "COURT_PLACES": json.dumps({COURT: "长铁"}, ensure_ascii=False),
    }
    urls = {s: f"{base}/{names[s]}" for s in SERVICES}
    started = time.perf_counter()
    await _migrate_before_figures(urls)
    await _fill({s: _dsn(server_url, n) for s, n in names.items()}, args.rows)
    filled = time.perf_counter() - started
    processes: list[ServiceProcess] = [
        start_service(s, port, env={**env, "DATABASE_URL": urls[s]}, log_dir=Path("var/bench-logs"))
        for s, port in zip(SERVICES, listen_ports(len(SERVICES)), strict=True)
    ]
    try:
        await asyncio.to_thread(wait_ready, processes, 180)
        await _vacuum({s: _dsn(server_url, n) for s, n in names.items()})
        params = {"finance-mediation": PERIOD, "enforcement-inquiry": PERIOD, "judicial-advice": {"year": YEAR}}
        urls_of = {service: process.url for service, process in zip(SERVICES, processes, strict=True)}
        runs = []
        for _ in range(args.runs):
            result: dict[str, Any] = {"fill_seconds": filled}
            for label, service, role, organisation in READS:
                token = mint_token(
                    keys, subject=f"{role.value}@{organisation}", roles=[role], organisation=organisation
                )
                reader = {"Authorization": f"Bearer {token}"}
                result[label] = await _time(urls_of[service], params[service], reader, args.requests)
            runs.append(result)
        return runs
    finally:
        await asyncio.gather(*(asyncio.to_thread(p.stop) for p in processes))
        for name in names.values():
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    keys = generate_key_pair(Path("var/bench-keys")).parent
    with session_infrastructure() as infra:
        runs = await measure(infra.postgres_server_url, infra.kafka_bootstrap_servers, args, keys)
    print(f"GET /statistics over {args.rows:,} rows per service, {args.requests} requests per run, {args.runs} runs")
    print(f"  filling the tables once (COPY, VACUUM ANALYZE): {runs[0]['fill_seconds']:.1f} s")
    medians: dict[str, float] = {}
    for label, *_ in READS:
        median = statistics.median(r[label]["median_ms"] for r in runs)
        medians[label.strip()] = median
        each = ", ".join(f"{r[label]['median_ms']:.1f}" for r in runs)
        slowest = ", ".join(f"{r[label]['max_ms']:.1f}" for r in runs)
        digests = sorted({r[label]["answer_digest"] for r in runs})
        print(
            f"  {label:<22} median {median:7.1f} ms (each run {each}; slowest {slowest})"
            f"   target < {TARGET_MS} ms   answer {'/'.join(digests)}"
        )
    write_result("statistics_reads", {"rows": args.rows, "requests": args.requests, "runs": runs, "medians": medians})


if __name__ == "__main__":
    run_benchmark(main)
