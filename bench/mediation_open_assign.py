"""Benchmark: a burst of routed disputes opening and assigning mediation cases.

    .venv/bin/python bench/mediation_open_assign.py [--disputes 10000] [--runs 3]

Real Kafka and PostgreSQL (started locally unless KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL are set). The burst is
published on `intake.disputes` first, then the service starts; the rate is measured from the first case opened
to the last case assigned (as the database records them), and also from the service's start. Prints the
median of the runs against the target (2,000 cases a second) and writes JSON to bench/results/.
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

from aiokafka import AIOKafkaProducer
from bench_results import write_result
from bench_running import run_benchmark
from courtlink_shared.auth.dev_tokens import generate_key_pair
from courtlink_shared.db.migrations import upgrade
from courtlink_shared.events.envelope import make_envelope
from courtlink_shared.events.topics import INTAKE_DISPUTES
from courtlink_shared.messaging.kafka import ensure_topics
from courtlink_shared.testing.factories import dispute_routed
from courtlink_shared.testing.infrastructure import session_infrastructure
from finance_mediation.app import MIGRATIONS, create_app
from finance_mediation.models import CourtRegistration, MediationCase, Mediator
from finance_mediation.models import Organisation as Org
from finance_mediation.rules import CaseStatus
from finance_mediation.settings import Settings
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

TARGET_PER_SECOND = 2000
BANK = "91110000600037341L"


async def one_run(server_url: str, bootstrap: str, disputes: int, keys: Path) -> tuple[float, float]:
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    db = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(server_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{db}"'))
    url = server_url.rsplit("/", 1)[0] + f"/{db}"
    await ensure_topics(bootstrap, [INTAKE_DISPUTES], prefix=prefix)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
    await producer.start()
    try:
        for n in range(disputes):
            event = dispute_routed(n, bank=BANK)
            envelope = make_envelope(event, source="intake", subject=event.dispute_id, time=event.routed_at)
            await producer.send(
                INTAKE_DISPUTES.physical(prefix), envelope.model_dump_json().encode(), key=event.dispute_id.encode()
            )
        await producer.flush()
    finally:
        await producer.stop()
    settings = Settings(
        database_url=url,
        kafka_bootstrap_servers=bootstrap,
        kafka_topic_prefix=prefix,
        auth_jwks_file=str(keys / "jwks.json"),
        log_level=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    )
    app = create_app(settings)
    runtime = app.state.runtime

    await upgrade(runtime.engine, [MIGRATIONS])
    async with runtime.session_factory() as session, session.begin():
        session.add(Org(code="ORG", name="调解室", kind="other", created_at=datetime.now(UTC)))
        await session.flush()
        for i in range(50):
            session.add(
                Mediator(
                    id=f"m{i}",
                    organisation_code="ORG",
                    name=f"m{i}",
                    specialties=["信用卡纠纷"],
                    capacity=1000,
                    affiliations=[],
                    available=True,
                )
            )
        # on the roster of the court the disputes come from: only then is it given the court's cases
        session.add(
            CourtRegistration(
                court_code="吉7101", organisation_code="ORG", registered_at=datetime.now(UTC), registered_by="bench"
            )
        )
    started = time.perf_counter()
    await runtime.start()
    try:
        while True:
            async with runtime.session_factory() as session:
                assigned = (
                    await session.execute(
                        select(func.count())
                        .select_from(MediationCase)
                        .where(MediationCase.status == CaseStatus.ASSIGNED)
                    )
                ).scalar_one()
            if assigned >= disputes:
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        async with runtime.session_factory() as session:
            first, last = (
                await session.execute(select(func.min(MediationCase.opened_at), func.max(MediationCase.assigned_at)))
            ).one()
    finally:
        await runtime.stop()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        await admin.dispose()
    return disputes / (last - first).total_seconds(), disputes / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--disputes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    keys = generate_key_pair(Path("var/bench-keys")).parent
    with session_infrastructure() as infra:
        rates = [
            await one_run(infra.postgres_server_url, infra.kafka_bootstrap_servers, args.disputes, keys)
            for _ in range(args.runs)
        ]
    median = statistics.median(r for r, _ in rates)
    with_startup = statistics.median(r for _, r in rates)
    print(f"cases opened and assigned per second ({args.disputes} disputes, {args.runs} runs):")
    print("  from the first case opened to the last assigned: " + ", ".join(f"{r:,.0f}" for r, _ in rates))
    print("  counting the service's start (migrations, group join): " + ", ".join(f"{r:,.0f}" for _, r in rates))
    verdict = "met" if median >= TARGET_PER_SECOND else "NOT met"
    print(f"  median: {median:,.0f}   target: {TARGET_PER_SECOND:,}   {verdict}")
    result = {
        "disputes": args.disputes,
        "runs": rates,
        "median_per_second": median,
        "median_per_second_with_startup": with_startup,
        "target": TARGET_PER_SECOND,
    }
    write_result("mediation_open_assign", result)


if __name__ == "__main__":
    run_benchmark(main)
