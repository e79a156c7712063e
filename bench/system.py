"""System benchmark: intake and finance-mediation as real processes (uvicorn) on real Kafka and PostgreSQL,
against the limits of this machine measured in the same run (issue 16's targets are printed beside each figure).

    .venv/bin/python bench/system.py [--runs 3] [--disputes 10000] [--batches 10] [--rates 50,100,200,400]
                                     [--seconds 30] [--sections batch,batches,singles,limits,sqlite]
                                     [--background worker|here]

Sections, each on fresh databases so that one does not slow the next:
- batch: one batch of N disputes (JSON) → every dispute's mediation case opened: rows per second, per-dispute
  latency from submission (p50, p99), and `GET /batches/{id}` (what a progress bar polls) while it runs.
- batches: `--batches` batches of N from two banks submitted together → every case opened and assigned: seconds,
  rate, latency p99; intake's peak resident memory; when intake has consumed mediation's replies (opened,
  assigned) for all of them; then intake's statistics over all of them (p50, p99 of 20 reads).
- singles: single submissions offered open loop at each rate for `--seconds`: HTTP answer p50/p99 (from when each
  request was due), submission → case opened p50/p99, and how many were refused (503/429) or failed.
- limits: aiokafka producing N messages of a routed event's size (the platform's producer settings), asyncpg COPY
  of N rows of a stored dispute's size; the batch rates are printed against them.
- sqlite: intake alone on SQLite (the embedded default of `./run`), one batch of N until the batch is completed.

The batch, batches and singles sections also print the CPU each dispute (or submission) cost every process, from
its submission until intake has consumed mediation's replies: intake, finance-mediation, the Kafka broker and the
PostgreSQL server (read from /proc; left out when Kafka or PostgreSQL runs elsewhere). From the last two, the
rate this machine could not pass even if the services cost nothing: its cores ÷ Kafka's and PostgreSQL's CPU per
dispute. CPU per item is comparable at the same rate only: a process that sleeps between items pays for waking up,
so a light load costs more per item than a heavy one.

On PostgreSQL each service's background work (relay, consumers, sweeps, intake's batches) runs inside its HTTP
process (`--background here`, the services' default) or in a worker process of its own beside it (`--background
worker`): the second keeps reads and single submissions fast while a batch runs, at some cost to the batch.

Prints medians of the runs (each run in brackets) and writes bench/results/system.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from bench_results import write_result
from bench_running import run_benchmark
from courtlink_shared.auth.dev_tokens import generate_key_pair, mint_token
from courtlink_shared.auth.principal import Role
from courtlink_shared.events.envelope import make_envelope
from courtlink_shared.events.topics import INTAKE_DISPUTES
from courtlink_shared.infra.processes import listen_ports
from courtlink_shared.infra.service_processes import ServiceProcess, start_service, start_worker, wait_ready
from courtlink_shared.messaging.kafka import create_producer, ensure_topics
from courtlink_shared.testing.factories import credit_code, dispute_routed, resident_id
from load import offer, request_bytes
from process_cpu import cores, cpu_seconds, infrastructure_ceiling, local_server_pid, ms_per_item

COURT = "吉7101"
BANKS = ("91110000600037341L", credit_code(7))
ORG = credit_code(5, prefix="52220101")
MEDIATORS = 300  # × capacity 500: room for every case a full run opens
SECTIONS = ("batch", "batches", "singles", "limits", "sqlite")


def _dispute(n: int, run: str, bank: str = BANKS[0]) -> dict[str, Any]:
    return {
        "bank_reference": f"B-{run}-{n}",
        "dispute_type": "金融借款合同纠纷",
        "claimant": {"name": "示例银行股份有限公司", "code": bank},
        "respondents": [{"kind": "person", "name": f"借款人{n}", "id_number": resident_id(n % 900_000)}],
        "claim": {"principal": "50000.00", "interest": "0.00", "penalty": "0.00", "fees": "0.00", "total": "50000.00"},
        "contract_number": f"HT-{run}-{n}",
        "default_date": "2026-03-01",
        "court_code": COURT,
    }


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class System:
    intake: ServiceProcess
    mediation: ServiceProcess | None
    intake_db: str  # asyncpg DSN ("" on SQLite)
    mediation_db: str
    keys: Path
    databases: list[str]
    workers: list[ServiceProcess]  # background work in processes of its own (--background worker)
    servers: dict[str, int | None] = field(default_factory=dict)  # Kafka's and PostgreSQL's pids (None: elsewhere)

    @property
    def intake_pids(self) -> list[int]:
        return [p.process.pid for p in (self.intake, *self.workers) if p.name.startswith("intake")]

    def auth(self, role: Role, org: str, subject: str = "bench") -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(self.keys, subject=subject, roles=[role], organisation=org)}"}


def _dsn(server_url: str, database: str) -> str:
    return server_url.rsplit("/", 1)[0].replace("postgresql+asyncpg", "postgresql") + f"/{database}"


async def _start(
    server_url: str, bootstrap: str, keys: Path, *, sqlite: bool = False, background: str = "here"
) -> System:
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    common = {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC_PREFIX": prefix,
        "AUTH_JWKS_FILE": str(keys / "jwks.json"),
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    }
    log_dir = Path("var/bench-logs")
    if sqlite:
        port = listen_ports(1)[0]
        db_file = Path(tempfile.mkdtemp(prefix="bench-sqlite-")) / "intake.db"
        intake = start_service(
            "intake", port, env={**common, "DATABASE_URL": f"sqlite+aiosqlite:///{db_file}"}, log_dir=log_dir
        )
        await asyncio.to_thread(wait_ready, [intake], 120)
        return System(intake, None, "", "", keys, [], [])
    admin = await asyncpg.connect(_dsn(server_url, "postgres"))
    names = [f"bench_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    for name in names:
        await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    ports = listen_ports(2)
    base = server_url.rsplit("/", 1)[0]
    common["BACKGROUND_WORK"] = background
    intake_env = {**common, "DATABASE_URL": f"{base}/{names[0]}"}
    mediation_env = {**common, "DATABASE_URL": f"{base}/{names[1]}"}
    intake = start_service("intake", ports[0], env=intake_env, log_dir=log_dir)
    mediation = start_service("finance-mediation", ports[1], env=mediation_env, log_dir=log_dir)
    await asyncio.to_thread(wait_ready, [intake, mediation], 120)
    workers = []
    if background == "worker":
        workers = [
            start_worker(name, env=env, log_dir=log_dir)
            for name, env in (("intake", intake_env), ("finance-mediation", mediation_env))
        ]
    servers = {"Kafka": local_server_pid(bootstrap), "PostgreSQL": local_server_pid(base)}
    system = System(
        intake, mediation, _dsn(server_url, names[0]), _dsn(server_url, names[1]), keys, names, workers, servers
    )
    admin_headers = system.auth(Role.MEDIATION_ORG_ADMIN, ORG)
    async with httpx.AsyncClient(base_url=mediation.url, timeout=30) as http:
        org = {"name": "调解室", "kind": "financial_dispute_mediation_room"}
        (await http.put("/organisations/me", json=org, headers=admin_headers)).raise_for_status()
        for i in range(MEDIATORS):
            mediator = {"id": f"m{i}", "name": f"调解员{i}", "specialties": ["金融借款合同纠纷"], "capacity": 500}
            (await http.post("/mediators", json=mediator, headers=admin_headers)).raise_for_status()
        clerk = system.auth(Role.INTAKE_CLERK, COURT)  # the organisation on the court's roster
        registration = {"organisation_code": ORG}
        (await http.post("/courts/me/organisations", json=registration, headers=clerk)).raise_for_status()
    return system


def _cpu_now(system: System) -> dict[str, float]:
    """CPU seconds so far of intake, finance-mediation (each with its worker process, if any), Kafka, PostgreSQL."""
    services = [p for p in (system.intake, system.mediation, *system.workers) if p is not None]
    measured = cpu_seconds({p.name: p.process.pid for p in services} | system.servers)
    totals: dict[str, float] = {}
    for name, seconds in measured.items():
        group = name.removesuffix("-worker")
        totals[group] = totals.get(group, 0.0) + seconds
    return totals


def _cpu_ms_per(before: dict[str, float], after: dict[str, float], count: int) -> dict[str, float]:
    """Milliseconds of CPU per item of each group and of them all (`all`), and the infrastructure's ceiling."""
    spent = ms_per_item(before, after, count)
    figures = spent | {"all": sum(spent.values())}
    ceiling = infrastructure_ceiling(spent)
    if ceiling is not None:
        figures["infrastructure_ceiling_per_second"] = ceiling
    return figures


async def _stop(system: System, server_url: str) -> None:
    services = [s for s in (system.intake, system.mediation, *system.workers) if s is not None]
    await asyncio.gather(*(asyncio.to_thread(s.stop) for s in services))
    if system.databases:
        admin = await asyncpg.connect(_dsn(server_url, "postgres"))
        for name in system.databases:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _wait_count(dsn: str, sql: str, expected: int, timeout: float = 1200) -> float:
    """Poll until `sql` counts `expected`; returns time.time() when it did.

    A count reads the whole table, which grows to 100,000 wide rows: polled every 50 ms it took a good share of
    PostgreSQL's CPU from the system being measured. So the pause grows with the wait, to 1 % of it (at least
    50 ms, at most 1 s): the figure stays within 1 % and the count costs the system little."""
    conn = await asyncpg.connect(dsn)
    try:
        started = time.monotonic()
        while await conn.fetchval(sql) < expected:
            waited = time.monotonic() - started
            if waited > timeout:
                raise TimeoutError(f"{sql} did not reach {expected}")
            await asyncio.sleep(min(1.0, max(0.05, waited / 100)))
        return time.time()
    finally:
        await conn.close()


async def _opened_at(system: System) -> dict[str, datetime]:
    conn = await asyncpg.connect(system.mediation_db)
    try:
        rows = await conn.fetch("SELECT dispute_id, opened_at FROM cases")
        return {r["dispute_id"]: r["opened_at"] for r in rows}
    finally:
        await conn.close()


async def _post_batch(system: System, body: dict[str, Any], bank: str) -> tuple[str, datetime]:
    async with httpx.AsyncClient(base_url=system.intake.url, timeout=300) as http:
        submitted = datetime.now(UTC)
        response = await http.post("/batches", json=body, headers=system.auth(Role.BANK_OPERATOR, bank))
        response.raise_for_status()
        return str(response.json()["id"]), submitted


async def _poll_progress(system: System, batch_id: str, done: asyncio.Event) -> tuple[list[float], float]:
    """GET /batches/{id} every 100 ms until done, as a progress bar does: each answer's milliseconds, and when
    (time.time()) the batch was first seen completed."""
    timings: list[float] = []
    completed = float("nan")
    headers = system.auth(Role.BANK_OPERATOR, BANKS[0])
    async with httpx.AsyncClient(base_url=system.intake.url, timeout=30) as http:
        while not done.is_set():
            began = time.perf_counter()
            response = await http.get(f"/batches/{batch_id}", headers=headers)
            timings.append((time.perf_counter() - began) * 1000)
            response.raise_for_status()
            if response.json()["status"] == "completed" and completed != completed:
                completed = time.time()
            await asyncio.sleep(0.1)
    return timings, completed


async def section_batch(system: System, disputes: int) -> dict[str, Any]:
    run = uuid.uuid4().hex[:6]
    body = {"disputes": [_dispute(n, run) for n in range(disputes)]}
    cpu_before = _cpu_now(system)
    batch_id, submitted = await _post_batch(system, body, BANKS[0])
    done = asyncio.Event()
    poller = asyncio.create_task(_poll_progress(system, batch_id, done))
    await _wait_count(system.mediation_db, "SELECT count(*) FROM cases", disputes)
    done.set()
    progress, completed = await poller
    # all the work a dispute causes: until intake has consumed mediation's replies (opened, assigned)
    await _wait_count(system.intake_db, "SELECT count(*) FROM inbox", 2 * disputes)
    cpu = _cpu_ms_per(cpu_before, _cpu_now(system), disputes)
    opened = await _opened_at(system)
    latencies = [(at - submitted).total_seconds() for at in opened.values()]
    return {
        "rows_per_second": disputes / max(latencies),
        "intake_rows_per_second": disputes / (completed - submitted.timestamp()),
        "p50_seconds": _percentile(latencies, 0.5),
        "p99_seconds": _percentile(latencies, 0.99),
        "progress_read_p50_ms": _percentile(progress, 0.5),
        "progress_read_p99_ms": _percentile(progress, 0.99),
        "cpu_ms_per_dispute": cpu,
        "cores": cores(),
    }


async def _sample_rss(pids: list[int], done: asyncio.Event) -> float:
    """The peak of the processes' resident memory together (intake's HTTP process and its worker)."""
    peak = 0.0
    while not done.is_set():
        peak = max(peak, sum(_rss_mb(pid) for pid in pids))
        await asyncio.sleep(0.2)
    return peak


async def section_batches(system: System, disputes: int, batches: int) -> dict[str, Any]:
    run = uuid.uuid4().hex[:6]
    bodies = [
        ({"disputes": [_dispute(b * disputes + n, run, BANKS[b % 2]) for n in range(disputes)]}, BANKS[b % 2])
        for b in range(batches)
    ]
    total = disputes * batches
    done = asyncio.Event()
    rss = asyncio.create_task(_sample_rss(system.intake_pids, done))
    cpu_before = _cpu_now(system)
    started = time.time()
    posted = await asyncio.gather(*(_post_batch(system, body, bank) for body, bank in bodies))
    assigned = await _wait_count(system.mediation_db, "SELECT count(*) FROM cases WHERE mediator_id IS NOT NULL", total)
    # intake has followed mediation when every dispute's "opened" and "assigned" steps are in its inbox
    followed = await _wait_count(system.intake_db, "SELECT count(*) FROM inbox", 2 * total)
    cpu = _cpu_ms_per(cpu_before, _cpu_now(system), total)
    done.set()
    peak = await rss
    submitted_at = min(at for _, at in posted)
    latencies = [(at - submitted_at).total_seconds() for at in (await _opened_at(system)).values()]
    reads = await _statistics_reads(system)
    return {
        "disputes": total,
        "seconds_to_all_assigned": assigned - started,
        "disputes_per_second": total / (assigned - started),
        "p99_seconds": _percentile(latencies, 0.99),
        "intake_followed_seconds": followed - started,
        "intake_peak_rss_mb": peak,
        "statistics_p50_ms": _percentile(reads, 0.5),
        "statistics_p99_ms": _percentile(reads, 0.99),
        "cpu_ms_per_dispute": cpu,
        "cores": cores(),
    }


async def _statistics_reads(system: System, count: int = 20) -> list[float]:
    headers = system.auth(Role.INTAKE_CLERK, COURT)
    timings: list[float] = []
    async with httpx.AsyncClient(base_url=system.intake.url, timeout=30) as http:
        for _ in range(count):
            began = time.perf_counter()
            year = {"from": "2026-01-01", "to": "2026-12-31"}  # the year, as the dashboard asks
            (await http.get("/statistics", params=year, headers=headers)).raise_for_status()
            timings.append((time.perf_counter() - began) * 1000)
    return timings


async def section_singles(system: System, rate: float, seconds: float) -> dict[str, Any]:
    run = uuid.uuid4().hex[:6]
    count = int(rate * seconds)
    headers = system.auth(Role.BANK_OPERATOR, BANKS[0])
    requests = [request_bytes(system.intake.url, "/disputes", _dispute(n, run), headers) for n in range(count)]
    before = set(await _opened_at(system))
    cpu_before = _cpu_now(system)
    result = await offer(system.intake.url, requests, rate)
    answers = [a for a in result.answers if a is not None]
    accepted = {a.body["id"]: a.sent_at for a in answers if a.status == 201}
    refused = sum(1 for a in answers if a.status in (429, 503))
    errors = sum(1 for a in answers if a.status not in (201, 429, 503)) + result.failures
    await _wait_count(system.mediation_db, "SELECT count(*) FROM cases", len(before) + len(accepted))
    await _wait_count(system.intake_db, "SELECT count(*) FROM inbox", 2 * (len(before) + len(accepted)))
    cpu = _cpu_ms_per(cpu_before, _cpu_now(system), max(1, len(accepted)))
    opened = await _opened_at(system)
    end_to_end = [opened[d].timestamp() - at for d, at in accepted.items()]
    ok = [a.seconds for a in answers if a.status == 201]
    refusals = [a.seconds for a in answers if a.status in (429, 503)]
    return {
        "offered_per_second": rate,
        "answered_per_second": len(accepted) / seconds,
        "answer_p50_ms": _percentile(ok, 0.5) * 1000,
        "answer_p99_ms": _percentile(ok, 0.99) * 1000,
        "case_opened_p50_ms": _percentile(end_to_end, 0.5) * 1000,
        "case_opened_p99_ms": _percentile(end_to_end, 0.99) * 1000,
        "refused": refused,
        "refusal_p99_ms": _percentile(refusals, 0.99) * 1000 if refusals else 0.0,
        "errors": errors,
        "cpu_ms_per_submission": cpu,
        "cores": cores(),
    }


async def section_sqlite(system: System, disputes: int) -> dict[str, float]:
    run = uuid.uuid4().hex[:6]
    body = {"disputes": [_dispute(n, run) for n in range(disputes)]}
    batch_id, _ = await _post_batch(system, body, BANKS[0])
    started = time.perf_counter()
    headers = system.auth(Role.BANK_OPERATOR, BANKS[0])
    async with httpx.AsyncClient(base_url=system.intake.url, timeout=60) as http:
        # polled as a bank's progress bar polls it
        while (await http.get(f"/batches/{batch_id}", headers=headers)).json()["status"] == "processing":  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    return {"rows_per_second": disputes / (time.perf_counter() - started)}


def _event_size() -> bytes:
    event = dispute_routed(1, bank=BANKS[0], court=COURT)
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


async def copy_limit(server_url: str, rows: int) -> float:
    """Rows per second asyncpg COPY writes into PostgreSQL, rows as large as a stored dispute's."""
    payload = str(_dispute(1, "copy")) * 2  # a stored dispute: its fields plus the snapshot
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(_dsn(server_url, "postgres"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    conn = await asyncpg.connect(_dsn(server_url, name))
    try:
        await conn.execute("CREATE TABLE copy_limit (id text PRIMARY KEY, payload text NOT NULL)")
        records = [(str(uuid.uuid4()), payload) for _ in range(rows)]
        started = time.perf_counter()
        await conn.copy_records_to_table("copy_limit", records=records, columns=["id", "payload"])
        return rows / (time.perf_counter() - started)
    finally:
        await conn.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def one_run(server_url: str, bootstrap: str, args: argparse.Namespace, keys: Path) -> dict[str, Any]:
    result: dict[str, Any] = {}

    async def on_fresh_system(body: Callable[[System], Any], *, sqlite: bool = False) -> Any:
        system = await _start(server_url, bootstrap, keys, sqlite=sqlite, background=args.background)
        try:
            return await body(system)
        finally:
            await _stop(system, server_url)

    if "batch" in args.sections:
        result["batch"] = await on_fresh_system(lambda s: section_batch(s, args.disputes))
    if "batches" in args.sections:
        result["batches"] = await on_fresh_system(lambda s: section_batches(s, args.disputes, args.batches))
    if "singles" in args.sections:
        result["singles"] = {}
        for rate in _rates(args):
            result["singles"][f"{rate:g}"] = await on_fresh_system(
                partial(section_singles, rate=rate, seconds=args.seconds)
            )
    if "limits" in args.sections:
        result["limits"] = {
            "kafka_messages_per_second": await kafka_limit(bootstrap, args.disputes),
            "copy_rows_per_second": await copy_limit(server_url, args.disputes),
        }
    if "sqlite" in args.sections:
        result["sqlite"] = await on_fresh_system(lambda s: section_sqlite(s, args.disputes), sqlite=True)
    return result


def cpu_lines(line: Callable[..., None], path: tuple[str, ...], item: str, indent: str) -> None:
    """CPU per item by process, and how many a second Kafka and PostgreSQL alone would leave room for."""
    line(f"{indent}CPU per {item}, ms, all processes", (*path, "all"), "{:.2f}")
    for name in ("intake", "finance-mediation", "Kafka", "PostgreSQL"):
        line(f"{indent}  {name}", (*path, name), "{:.2f}")
    line(
        f"{indent}  ceiling if Kafka + PostgreSQL had every core, /s",
        (*path, "infrastructure_ceiling_per_second"),
        "{:,.0f}",
    )


def _rates(args: argparse.Namespace) -> list[float]:
    return [float(r) for r in args.rates.split(",") if r]


def report(args: argparse.Namespace, runs: list[dict[str, Any]]) -> None:
    """Medians of the runs, each run in brackets, the targets beside them."""

    def values(path: tuple[str, ...]) -> list[float]:
        out = []
        for r in runs:
            value: Any = r
            for key in path:
                value = value[key]
            out.append(float(value))
        return out

    def measured(path: tuple[str, ...]) -> bool:
        for r in runs:
            value: Any = r
            for key in path:
                if not isinstance(value, dict) or key not in value:
                    return False
                value = value[key]
        return True

    def line(label: str, path: tuple[str, ...], fmt: str, target: str = "") -> None:
        if not measured(path):
            return
        each = values(path)
        shown = ", ".join(fmt.format(v) for v in each)
        print(f"  {label:<52} {fmt.format(statistics.median(each)):>10}   ({shown})  {target}")

    print(f"System benchmark, {args.runs} runs: median (each run)   target")
    line(f"batch of {args.disputes:,} → cases opened, rows/s", ("batch", "rows_per_second"), "{:,.0f}", "≥ 3,500")
    line("  intake alone (batch completed), rows/s", ("batch", "intake_rows_per_second"), "{:,.0f}")
    line("  per dispute, submission → case opened, p50 s", ("batch", "p50_seconds"), "{:.2f}")
    line("  per dispute, submission → case opened, p99 s", ("batch", "p99_seconds"), "{:.2f}")
    line("  GET /batches/{id} while processing, p50 ms", ("batch", "progress_read_p50_ms"), "{:.1f}", "a few ms")
    line("  GET /batches/{id} while processing, p99 ms", ("batch", "progress_read_p99_ms"), "{:.1f}")
    cpu_lines(line, ("batch", "cpu_ms_per_dispute"), "dispute", "  ")
    n = args.batches * args.disputes
    line(
        f"{n:,} disputes in {args.batches} batches, 2 banks → assigned, s",
        ("batches", "seconds_to_all_assigned"),
        "{:.1f}",
        "≤ 30",
    )
    line("  disputes/s end to end", ("batches", "disputes_per_second"), "{:,.0f}", "≥ 3,300")
    line("  per dispute, first submission → case opened, p99 s", ("batches", "p99_seconds"), "{:.1f}")
    line("  intake has followed mediation's replies, s", ("batches", "intake_followed_seconds"), "{:.1f}", "≤ 30")
    line("  intake peak resident memory, MB", ("batches", "intake_peak_rss_mb"), "{:.0f}", "< 400")
    line(f"  GET /statistics over {n:,} disputes, p50 ms", ("batches", "statistics_p50_ms"), "{:.1f}", "< 50")
    line(f"  GET /statistics over {n:,} disputes, p99 ms", ("batches", "statistics_p99_ms"), "{:.1f}")
    cpu_lines(line, ("batches", "cpu_ms_per_dispute"), "dispute", "  ")
    for rate in (f"{r:g}" for r in _rates(args) if "singles" in runs[0]):
        print(f"  single submissions offered at {rate}/s for {args.seconds:g} s:")
        target = "(at 200/s: < 50)" if rate == "200" else ""
        line("    answered (201) per second", ("singles", rate, "answered_per_second"), "{:.0f}")
        line("    HTTP answer p50 ms", ("singles", rate, "answer_p50_ms"), "{:.1f}")
        line("    HTTP answer p99 ms", ("singles", rate, "answer_p99_ms"), "{:.1f}", target)
        line("    submission → case opened p50 ms", ("singles", rate, "case_opened_p50_ms"), "{:.0f}")
        line(
            "    submission → case opened p99 ms",
            ("singles", rate, "case_opened_p99_ms"),
            "{:.0f}",
            "(at 200/s: < 250)" if rate == "200" else "",
        )
        line("    refused (503/429)", ("singles", rate, "refused"), "{:.0f}")
        line("    refusal answer p99 ms", ("singles", rate, "refusal_p99_ms"), "{:.1f}")
        line("    errors (other answers, no answer)", ("singles", rate, "errors"), "{:.0f}", "0")
        cpu_lines(line, ("singles", rate, "cpu_ms_per_submission"), "submission", "    ")
    line("limit: aiokafka, same-size messages/s", ("limits", "kafka_messages_per_second"), "{:,.0f}")
    line("limit: asyncpg COPY, same-size rows/s", ("limits", "copy_rows_per_second"), "{:,.0f}")
    if "limits" in runs[0]:
        kafka = statistics.median(values(("limits", "kafka_messages_per_second")))
        copy = statistics.median(values(("limits", "copy_rows_per_second")))
        for section, key in (("batch", "rows_per_second"), ("batches", "disputes_per_second")):
            if section in runs[0]:
                system_rate = statistics.median(values((section, key)))
                print(
                    f"  {section}: system ÷ Kafka limit {system_rate / kafka:.3f} (target ≥ 0.11)   "
                    f"system ÷ COPY limit {system_rate / copy:.3f}"
                )
    line(f"SQLite: batch of {args.disputes:,} processed, rows/s", ("sqlite", "rows_per_second"), "{:,.0f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--disputes", type=int, default=10_000, help="disputes per batch")
    parser.add_argument("--batches", type=int, default=10, help="batches submitted together (two banks)")
    parser.add_argument("--rates", default="50,100,200,400", help="offered single submissions per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds per offered rate")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--background",
        choices=("here", "worker"),
        default="here",
        help="BACKGROUND_WORK of intake and finance-mediation (worker: `python -m courtlink_shared.worker` beside it)",
    )
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"some of {','.join(SECTIONS)}")
    parser.add_argument("--name", default="system", help="results file: bench/results/<name>.json")
    args = parser.parse_args()
    args.sections = args.sections.split(",")
    keys = generate_key_pair(Path("var/bench-keys")).parent
    from courtlink_shared.testing.infrastructure import session_infrastructure

    with session_infrastructure() as infra:
        runs = []
        for _ in range(args.runs):
            runs.append(await one_run(infra.postgres_server_url, infra.kafka_bootstrap_servers, args, keys))
    report(args, runs)
    write_result(args.name, {"arguments": dict(vars(args)), "runs": runs})


if __name__ == "__main__":
    run_benchmark(main)
