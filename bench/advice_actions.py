"""Benchmark: judicial-advice actions offered at a steady rate, as a real process on real Kafka and PostgreSQL.

    .venv/bin/python bench/advice_actions.py [--rates 50] [--seconds 15] [--runs 3]

Each run starts judicial-advice (uvicorn) on a new database and offers actions open loop: the n-th action is due at
n ÷ rate seconds whatever the answers do. The actions are whole lives of advice, each a chain of the steps people
take — drafted by a judge, submitted by the research office, approved by the committee, signed and numbered by the
president, delivered, signed for and replied to by the agency, evaluated and archived — with as many lives under
way at once as it takes to offer the rate; a step whose previous step has not answered yet waits for it, and its
time is counted from when it was due (no coordinated omission). Measured per rate: p50/p99 of the HTTP answer over
all actions, the p99 of each kind of step, and errors. Target: p99 < 50 ms at 50 a second.

Prints the medians of the runs and writes JSON to bench/results/advice_actions.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from bench_results import write_result
from bench_running import run_benchmark
from courtlink_shared.auth.dev_tokens import generate_key_pair, mint_token
from courtlink_shared.auth.principal import Role
from courtlink_shared.infra.processes import listen_ports
from courtlink_shared.infra.service_processes import start_service, wait_ready
from courtlink_shared.testing.factories import credit_code
from courtlink_shared.testing.infrastructure import session_infrastructure

COURT = "吉7101"
AGENCY = credit_code(300, prefix="11220000")
TARGET_P99_MS = 50
ADVICE = {
    "title": "关于规范信用卡催收行为的司法建议",
    "recipient_name": "某市金融监督管理局",
    "recipient_code": AGENCY,
    "superior_authority": "某省金融监督管理局",
    "cc": [{"name": "某市银行业协会", "code": credit_code(302, prefix="11220000")}],
    "related_cases": ["（2026）吉7101民初15号"],
    "background": "本院近年审理的信用卡纠纷案件中，反映出部分银行催收行为不规范。",
    "problems": ["催收频次过高", "利息计算不透明"],
    "recommendations": [{"problem": 0, "text": "规范催收频次与方式"}, {"problem": 1, "text": "公开利息计算方法"}],
    "contact_person": "李法官",
    "contact_phone": "0431-88888888",
}
# (step, who, body): the life of one advice after its draft.
STEPS: list[tuple[str, Role, dict[str, Any] | None]] = [
    ("submission", Role.ADVICE_MANAGER, None),
    ("approval", Role.JUDICIAL_COMMITTEE, None),
    ("issue", Role.PRESIDENT, None),
    ("delivery", Role.ADVICE_MANAGER, {"method": "electronic", "proof": "电子送达回执 0001"}),
    ("acknowledgement", Role.AGENCY_OFFICER, None),
    ("replies", Role.AGENCY_OFFICER, {"adoption": "adopted", "measures": "已开展专项整治"}),
    ("evaluation", Role.ADVICE_MANAGER, {"effectiveness": "effective", "return_visit": "回访：投诉量下降"}),
    ("archive", Role.ADVICE_MANAGER, None),
]
ACTIONS_PER_LIFE = 1 + len(STEPS)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _dsn(server_url: str, database: str) -> str:
    return server_url.rsplit("/", 1)[0].replace("postgresql+asyncpg", "postgresql") + f"/{database}"


async def offer(url: str, keys: Path, rate: float, seconds: float) -> dict[str, Any]:
    """Offer `rate` actions a second for `seconds`; action n of the whole run is life n % lives, step n // lives."""
    headers = {
        role: {
            "Authorization": "Bearer "
            + mint_token(
                keys,
                subject=f"{role.value}-bench",
                roles=[role],
                organisation=AGENCY if role == Role.AGENCY_OFFICER else COURT,
            )
        }
        for role in (Role.TRIAL_JUDGE, *{who for _, who, _ in STEPS})
    }
    count = int(rate * seconds)
    lives = max(1, -(-count // ACTIONS_PER_LIFE))
    times: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=200)) as http:
        start = time.perf_counter()

        async def life(k: int) -> None:
            advice_id: str | None = None
            for step in range(ACTIONS_PER_LIFE):
                n = step * lives + k
                if n >= count:
                    return
                due = start + n / rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                if step == 0:
                    kind = "draft"
                    response = await http.post("/advices", json=ADVICE, headers=headers[Role.TRIAL_JUDGE])
                else:
                    kind, who, body = STEPS[step - 1]
                    response = await http.post(f"/advices/{advice_id}/{kind}", json=body, headers=headers[who])
                times[kind].append((time.perf_counter() - due) * 1000)
                if response.status_code not in (200, 201):
                    errors.append(f"{kind}: {response.status_code} {response.text[:200]}")
                    return
                advice_id = response.json()["id"]

        await asyncio.gather(*(life(k) for k in range(lives)))
    every = [t for kind_times in times.values() for t in kind_times]
    return {
        "offered_per_second": rate,
        "actions": len(every),
        "errors": len(errors),
        "first_errors": errors[:3],
        "p50_ms": _percentile(every, 0.5),
        "p99_ms": _percentile(every, 0.99),
        "p99_ms_by_step": {kind: _percentile(kind_times, 0.99) for kind, kind_times in times.items()},
    }


async def one_run(server_url: str, bootstrap: str, rates: list[float], seconds: float, keys: Path) -> dict[str, Any]:
    admin = await asyncpg.connect(_dsn(server_url, "postgres"))
    database = f"bench_{uuid.uuid4().hex[:10]}"
    await admin.execute(f'CREATE DATABASE "{database}"')
    env = {
        "DATABASE_URL": server_url.rsplit("/", 1)[0] + f"/{database}",
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC_PREFIX": f"bench{uuid.uuid4().hex[:8]}.",
        "AUTH_JWKS_FILE": str(keys / "jwks.json"),
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        "COURT_PLACES": json.dumps({COURT: "长铁"}, ensure_ascii=False),
    }
    service = start_service("judicial-advice", listen_ports(1)[0], env=env, log_dir=Path("var/bench-logs"))
    try:
        await asyncio.to_thread(wait_ready, [service], 120)
        return {f"{rate:g}": await offer(service.url, keys, rate, seconds) for rate in rates}
    finally:
        await asyncio.to_thread(service.stop)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="50", help="offered actions per second, comma separated (one phase each)")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    keys = generate_key_pair(Path("var/bench-keys")).parent
    with session_infrastructure() as infra:
        runs = [
            await one_run(infra.postgres_server_url, infra.kafka_bootstrap_servers, rates, args.seconds, keys)
            for _ in range(args.runs)
        ]
    print(f"judicial-advice actions offered open loop for {args.seconds:g} s, {args.runs} runs: median (each run)")
    medians: dict[str, dict[str, float]] = {}
    for rate in (f"{r:g}" for r in rates):
        phase = [r[rate] for r in runs]
        medians[rate] = {key: statistics.median(p[key] for p in phase) for key in ("p50_ms", "p99_ms", "errors")}
        print(f"  at {rate}/s ({phase[0]['actions']} actions per run), target p99 < {TARGET_P99_MS} ms:")
        for key, label in (("p50_ms", "HTTP answer p50 ms"), ("p99_ms", "HTTP answer p99 ms"), ("errors", "errors")):
            each = ", ".join(f"{p[key]:.1f}" for p in phase)
            print(f"    {label:<22} {medians[rate][key]:>8.1f}   ({each})")
        steps = phase[0]["p99_ms_by_step"]
        by_step = {k: statistics.median(p["p99_ms_by_step"].get(k, 0.0) for p in phase) for k in steps}
        print("    p99 ms by step: " + ", ".join(f"{k} {v:.0f}" for k, v in by_step.items()))
        for p in phase:
            for error in p["first_errors"]:
                print(f"    error: {error}")
    write_result("advice_actions", {"rates": rates, "seconds": args.seconds, "runs": runs, "medians": medians})


if __name__ == "__main__":
    run_benchmark(main)
