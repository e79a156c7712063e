"""Benchmark: enforcement inquiries through submission, consolidated bank querying and the banks' answers.

    .venv/bin/python bench/enforcement_inquiries.py [--inquiries 2000] [--concurrency 8] [--runs 3]

Real Kafka and PostgreSQL (started locally unless KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL are set); each run starts
enforcement-inquiry as a process of its own (uvicorn, as `./run` does; relay, consumer and sweeps every 0.25 s in
it) on a new database, and drives it over HTTP from this process. Each inquiry has one or two respondents and
names two banks; it is submitted by a judge and accepted by an officer. Measured per run:

- submission: inquiries submitted and accepted per second (judge + officer requests, `concurrency` at a time);
- querying: how many consolidated queries went out per bank, and the time until every line had been sent;
- answers: each bank answers its open queries over HTTP, one after the other, the two banks at the same time
  (each bank's own system); answer lines stored per second;
- advice-ready: from the last answer sent to every inquiry ready for advice (assets_ready_at set), and the whole
  pipeline in inquiries per second;
- the service's CPU (its process's user + system time) per inquiry submitted and accepted, and per answer line,
  over the same two phases (its background work meanwhile included); Kafka's and PostgreSQL's too when they run
  on this machine, and the rate the cores could not pass if the service cost nothing (cores ÷ their CPU per
  item). The answer phase lasts a second or two, so its rate swings with how the two banks' answers happen to
  interleave; the CPU per line does not depend on that.
  Both drift with the machine itself: compare a change against the code before it, run after run alternately.

Prints the medians of the runs and writes JSON to bench/results/enforcement_inquiries.json.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from bench_results import write_result
from bench_running import run_benchmark
from courtlink_shared.auth.dev_tokens import generate_key_pair, mint_token
from courtlink_shared.auth.principal import Role
from courtlink_shared.infra.processes import listen_ports
from courtlink_shared.infra.service_processes import start_service, wait_ready
from courtlink_shared.testing.factories import credit_code, resident_id
from courtlink_shared.testing.infrastructure import session_infrastructure
from enforcement_inquiry.models import Inquiry, QueryLine
from enforcement_inquiry.rules import LineStatus
from process_cpu import cpu_seconds, infrastructure_ceiling, local_server_pid, ms_per_item
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

COURT = "吉7101"
BANKS = {credit_code(801): "甲银行", credit_code(802): "乙银行"}
WINDOW_SECONDS = 1.0


def _auth(keys: Path, role: Role, org: str, subject: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(keys, subject=subject, roles=[role], organisation=org)}"}


def _letter(n: int) -> dict[str, Any]:
    respondents = [{"kind": "person", "name": f"被执行人{n}", "id_number": resident_id(10_000 + n)}]
    if n % 3 == 0:
        respondents.append({"kind": "person", "name": f"保证人{n}", "id_number": resident_id(500_000 + n)})
    return {
        "case_number": f"（2026）{COURT}民初{n + 1}号",
        "respondents": respondents,
        "terms": {"amount": "80000.00"},
        "questions": ["被执行人有无可供执行的存款？"],
        "property_leads": [
            {"kind": "bank_account", "description": "账户", "bank": {"code": code, "name": name}}
            for code, name in BANKS.items()
        ],
    }


async def _in_parallel(count: int, concurrency: int, job: Callable[[int], Awaitable[None]]) -> None:
    queue = iter(range(count))

    async def worker() -> None:
        for n in queue:
            await job(n)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _until(check: Callable[[], Awaitable[bool]], timeout: float = 600) -> float:
    started = time.perf_counter()
    while not await check():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the benchmark's condition was not reached")
        await asyncio.sleep(0.02)
    return time.perf_counter()


async def one_run(server_url: str, bootstrap: str, inquiries: int, concurrency: int, keys: Path) -> dict[str, Any]:
    db = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(server_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{db}"'))
    database_url = server_url.rsplit("/", 1)[0] + f"/{db}"
    env = {
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC_PREFIX": f"bench{uuid.uuid4().hex[:8]}.",
        "AUTH_JWKS_FILE": str(keys / "jwks.json"),
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        "SWEEP_INTERVAL_SECONDS": "0.25",
        "ASSET_QUERY_WINDOW_SECONDS": str(WINDOW_SECONDS),
    }
    service = start_service("enforcement-inquiry", listen_ports(1)[0], env=env, log_dir=Path("var/bench-logs"))
    database = create_async_engine(database_url)
    judge = _auth(keys, Role.TRIAL_JUDGE, COURT, "judge")
    officer = _auth(keys, Role.ENFORCEMENT_OFFICER, COURT, "officer")
    try:
        await asyncio.to_thread(wait_ready, [service], 120)
        limits = httpx.Limits(max_connections=concurrency + 4)
        async with httpx.AsyncClient(base_url=service.url, timeout=120, limits=limits) as client:
            processes = {
                "service": service.process.pid,
                "Kafka": local_server_pid(bootstrap),
                "PostgreSQL": local_server_pid(server_url),
            }
            cpu = functools.partial(cpu_seconds, processes)
            return await _measure(client, database, judge, officer, keys, inquiries, concurrency, cpu)
    finally:
        await asyncio.to_thread(service.stop)
        await database.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        await admin.dispose()


async def _measure(
    client: httpx.AsyncClient,
    database: AsyncEngine,
    judge: dict[str, str],
    officer: dict[str, str],
    keys: Path,
    inquiries: int,
    concurrency: int,
    cpu: Callable[[], dict[str, float]],
) -> dict[str, Any]:
    async def count(*where: Any, model: Any = QueryLine) -> int:
        async with database.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(model).where(*where))).scalar_one())

    async def submit_and_accept(n: int) -> None:
        sent = await client.post("/inquiries", json=_letter(n), headers=judge)
        assert sent.status_code == 201, sent.text
        accepted = await client.post(f"/inquiries/{sent.json()['id']}/acceptance", json={}, headers=officer)
        assert accepted.status_code == 200, accepted.text

    started, cpu_started = time.perf_counter(), cpu()
    await _in_parallel(inquiries, concurrency, submit_and_accept)
    submitted, cpu_submitted = time.perf_counter(), cpu()
    lines = await count()
    all_sent = await _until(lambda: _no_waiting(count))
    queries_per_bank: dict[str, int] = {}
    answered_lines = 0

    async def answer_as(code: str) -> None:
        """One bank's system answers its open queries, one after the other."""
        nonlocal answered_lines
        bank = _auth(keys, Role.BANK_OPERATOR, code, f"operator@{code}")
        open_queries = (await client.get("/asset-queries", params={"limit": 500}, headers=bank)).json()
        queries_per_bank[code] = len(open_queries)
        for query in open_queries:
            body = {
                "lines": [
                    {
                        "line_id": s["line_id"],
                        "id_number": s["party"]["id_number"],
                        "accounts": [
                            {"account_number": "6222020000001234", "account_type": "current", "balance": "1500.00"}
                        ],
                    }
                    for s in query["subjects"]
                ]
            }
            response = await client.post(f"/asset-queries/{query['id']}/answer", json=body, headers=bank)
            assert response.status_code == 200, response.text
            answered_lines += len(body["lines"])

    answer_started, cpu_answer_started = time.perf_counter(), cpu()
    await asyncio.gather(*(answer_as(code) for code in BANKS))
    last_answer, cpu_answered = time.perf_counter(), cpu()
    ready = await _until(lambda: _all_ready(count, inquiries))
    assert answered_lines == lines, (answered_lines, lines)
    return {
        "inquiries": inquiries,
        "lines": lines,
        "submitted_per_second": inquiries / (submitted - started),
        **_cpu_per("inquiry", "inquiries", cpu_started, cpu_submitted, inquiries),
        "seconds_until_all_lines_sent": all_sent - submitted,
        "queries_per_bank": queries_per_bank,
        "answer_lines_per_second": answered_lines / (last_answer - answer_started),
        **_cpu_per("answer_line", "answer_lines", cpu_answer_started, cpu_answered, answered_lines),
        "last_answer_to_advice_ready_ms": (ready - last_answer) * 1000,
        "pipeline_inquiries_per_second": inquiries / (ready - started),
    }


def _cpu_per(item: str, items: str, before: dict[str, float], after: dict[str, float], count: int) -> dict[str, float]:
    """The service's CPU per item, Kafka's and PostgreSQL's together (when they run on this machine), and the items a
    second the cores could take if Kafka and PostgreSQL had them all."""
    spent = ms_per_item(before, after, count)
    figures = {f"service_cpu_ms_per_{item}": spent["service"]}
    ceiling = infrastructure_ceiling(spent)
    if ceiling is not None:
        figures[f"infrastructure_cpu_ms_per_{item}"] = spent["Kafka"] + spent["PostgreSQL"]
        figures[f"infrastructure_ceiling_{items}_per_second"] = ceiling
    return figures


async def _no_waiting(count: Callable[..., Awaitable[int]]) -> bool:
    return await count(QueryLine.status == LineStatus.WAITING) == 0


async def _all_ready(count: Callable[..., Awaitable[int]], inquiries: int) -> bool:
    return await count(Inquiry.assets_ready_at.is_not(None), model=Inquiry) == inquiries


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inquiries", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    keys = generate_key_pair(Path("var/bench-keys")).parent
    with session_infrastructure() as infra:
        runs = [
            await one_run(
                infra.postgres_server_url, infra.kafka_bootstrap_servers, args.inquiries, args.concurrency, keys
            )
            for _ in range(args.runs)
        ]
    keys_to_report = [
        ("submitted_per_second", "inquiries submitted and accepted per second", "{:,.0f}"),
        ("service_cpu_ms_per_inquiry", "  the service's CPU per inquiry submitted and accepted, ms", "{:.2f}"),
        ("infrastructure_cpu_ms_per_inquiry", "  Kafka's and PostgreSQL's CPU per inquiry, ms", "{:.2f}"),
        ("infrastructure_ceiling_inquiries_per_second", "  ceiling with Kafka + PostgreSQL alone, per s", "{:,.0f}"),
        ("seconds_until_all_lines_sent", "seconds from the last acceptance to every line sent", "{:.2f}"),
        ("answer_lines_per_second", "answer lines stored per second", "{:,.0f}"),
        ("service_cpu_ms_per_answer_line", "  the service's CPU per answer line, ms", "{:.3f}"),
        ("infrastructure_cpu_ms_per_answer_line", "  Kafka's and PostgreSQL's CPU per answer line, ms", "{:.3f}"),
        ("infrastructure_ceiling_answer_lines_per_second", "  ceiling with Kafka + PostgreSQL alone, per s", "{:,.0f}"),
        ("last_answer_to_advice_ready_ms", "ms from the last answer sent to every inquiry advice-ready", "{:,.0f}"),
        ("pipeline_inquiries_per_second", "whole pipeline, inquiries per second", "{:,.0f}"),
    ]
    print(
        f"{args.inquiries} inquiries, {runs[0]['lines']} bank lines, concurrency {args.concurrency}, {args.runs} runs"
    )
    medians: dict[str, float] = {}
    for key, label, fmt in keys_to_report:
        if not all(key in r for r in runs):  # Kafka or PostgreSQL elsewhere: their CPU is not measured
            continue
        values = [r[key] for r in runs]
        medians[key] = statistics.median(values)
        print(f"  {label}: " + ", ".join(fmt.format(v) for v in values) + "   median " + fmt.format(medians[key]))
    print("  consolidated queries per bank: " + "; ".join(str(r["queries_per_bank"]) for r in runs))
    write_result("enforcement_inquiries", {"runs": runs, "medians": medians, "concurrency": args.concurrency})


if __name__ == "__main__":
    run_benchmark(main)
