"""Scale-out benchmark: the batch rate of intake and finance-mediation with one and with two replicas of each, on a
three-broker KRaft cluster (replication 3, min.insync.replicas 2) and PostgreSQL, as processes on this machine.

    .venv/bin/python bench/replicas.py [--disputes 5000] [--replicas 1,2] [--runs 1]

Each run posts one batch of N disputes (JSON) to intake and waits until every dispute has its mediation case;
rows per second = N ÷ the time from submission to the last case opened. The replicas of a service share its
database; the batch goes to the first intake replica. Prints the figures per replica count and writes
bench/results/replicas.json. On a machine of two cores, replicas compete for the same cores: the figure shows
what replication costs or gains here, not what more machines give (README, "Capacity plan").
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from bench_results import write_result
from bench_running import run_benchmark
from courtlink_shared.auth.dev_tokens import generate_key_pair, mint_token
from courtlink_shared.auth.principal import Role
from courtlink_shared.infra import kafka_local
from courtlink_shared.infra.processes import listen_ports
from courtlink_shared.infra.service_processes import ServiceProcess, start_service, wait_ready
from courtlink_shared.testing.infrastructure import session_infrastructure
from system import BANKS, COURT, ORG, _dispute, _dsn, _percentile


def _auth(keys: Path, role: Role, org: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(keys, subject='bench', roles=[role], organisation=org)}"}


async def one_run(server_url: str, bootstrap: str, keys: Path, replicas: int, disputes: int) -> dict[str, float]:
    admin = await asyncpg.connect(_dsn(server_url, "postgres"))
    names = [f"bench_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    for name in names:
        await admin.execute(f'CREATE DATABASE "{name}"')
    common = {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC_PREFIX": f"bench{uuid.uuid4().hex[:8]}.",
        "AUTH_JWKS_FILE": str(keys / "jwks.json"),
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    }
    base = server_url.rsplit("/", 1)[0]
    ports = iter(listen_ports(2 * replicas))
    log_dir = Path("var/bench-logs")
    processes: dict[str, list[ServiceProcess]] = {
        service: [
            start_service(service, next(ports), env={**common, "DATABASE_URL": f"{base}/{db}"}, log_dir=log_dir)
            for _ in range(replicas)
        ]
        for service, db in zip(("intake", "finance-mediation"), names, strict=True)
    }
    started = [p for group in processes.values() for p in group]
    try:
        await asyncio.to_thread(wait_ready, started, 180)
        await _roster(processes["finance-mediation"][0], keys)
        run = uuid.uuid4().hex[:6]
        body = {"disputes": [_dispute(n, run) for n in range(disputes)]}
        async with httpx.AsyncClient(base_url=processes["intake"][0].url, timeout=300) as http:
            submitted = datetime.now(UTC)
            response = await http.post("/batches", json=body, headers=_auth(keys, Role.BANK_OPERATOR, BANKS[0]))
            response.raise_for_status()
        latencies = [(at - submitted).total_seconds() for at in await _opened(_dsn(server_url, names[1]), disputes)]
        return {
            "rows_per_second": disputes / max(latencies),
            "p50_seconds": _percentile(latencies, 0.5),
            "p99_seconds": _percentile(latencies, 0.99),
        }
    finally:
        await asyncio.gather(*(asyncio.to_thread(p.stop) for p in started))
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _roster(mediation: ServiceProcess, keys: Path) -> None:
    headers = _auth(keys, Role.MEDIATION_ORG_ADMIN, ORG)
    async with httpx.AsyncClient(base_url=mediation.url, timeout=30) as http:
        org = {"name": "调解室", "kind": "financial_dispute_mediation_room"}
        (await http.put("/organisations/me", json=org, headers=headers)).raise_for_status()
        for i in range(50):
            mediator = {"id": f"m{i}", "name": f"调解员{i}", "specialties": ["金融借款合同纠纷"], "capacity": 500}
            (await http.post("/mediators", json=mediator, headers=headers)).raise_for_status()
        clerk = _auth(keys, Role.INTAKE_CLERK, COURT)  # the organisation on the court's roster
        registration = {"organisation_code": ORG}
        (await http.post("/courts/me/organisations", json=registration, headers=clerk)).raise_for_status()


async def _opened(dsn: str, expected: int, timeout: float = 900) -> list[datetime]:
    conn = await asyncpg.connect(dsn)
    try:
        started = time.monotonic()
        while await conn.fetchval("SELECT count(*) FROM cases") < expected:
            if time.monotonic() - started > timeout:
                raise TimeoutError("the cases were not all opened")
            await asyncio.sleep(0.2)
        return [r["opened_at"] for r in await conn.fetch("SELECT opened_at FROM cases")]
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--disputes", type=int, default=5000)
    parser.add_argument("--replicas", default="1,2", help="replica counts to measure, comma separated")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    counts = [int(n) for n in args.replicas.split(",")]
    keys = generate_key_pair(Path("var/bench-keys")).parent
    cluster_name = f"bench-{uuid.uuid4().hex[:6]}"
    cluster = kafka_local.start_cluster(cluster_name, brokers=3, fresh=True)
    os.environ["KAFKA_BOOTSTRAP_SERVERS"] = cluster.bootstrap_servers  # the session uses the cluster
    results: dict[int, list[dict[str, float]]] = {n: [] for n in counts}
    try:
        with session_infrastructure() as infra:
            for _ in range(args.runs):
                for n in counts:
                    run = await one_run(infra.postgres_server_url, cluster.bootstrap_servers, keys, n, args.disputes)
                    results[n].append(run)
    finally:
        kafka_local.stop_cluster(cluster_name, remove_data=True)

    def median(n: int, key: str) -> float:
        return statistics.median(r[key] for r in results[n])

    print(f"Scale-out benchmark, {args.disputes:,} disputes, 3 brokers, {args.runs} run(s): median (each run)")
    for n in counts:
        each = ", ".join(f"{r['rows_per_second']:,.0f}" for r in results[n])
        print(
            f"  {n} replica(s) of intake and of mediation: batch → cases opened"
            f" {median(n, 'rows_per_second'):>8,.0f} rows/s"
            f"   p50 {median(n, 'p50_seconds'):.1f} s  p99 {median(n, 'p99_seconds'):.1f} s   ({each})"
        )
    summary: dict[str, Any] = {"disputes": args.disputes, "brokers": 3, "runs": {str(n): results[n] for n in counts}}
    write_result("replicas", summary)


if __name__ == "__main__":
    run_benchmark(main)
