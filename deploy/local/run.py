"""Run the whole system on one machine: a local Kafka broker, SQLite files, the four services, and a demo.

Called by ./run (which installs everything first). Once every service is ready it loads the demo scenario
(`--no-demo` skips it) and prints a summary; Ctrl-C stops everything, the broker included when this command
started it. Locally the sweeps run every 2 s and bank queries collect for 5 s, so that the demo moves along.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

import httpx
from courtlink_shared.auth.dev_tokens import generate_key_pair
from courtlink_shared.infra import kafka_local
from courtlink_shared.infra.processes import InfraError, port_open
from courtlink_shared.infra.service_processes import SERVICES, ServiceProcess, start_service, wait_ready
from demo import COURT, Demo, DemoError, print_result


def start_kafka(instance: str) -> tuple[str, bool]:
    """Bootstrap servers, and whether we started the broker (and so must stop it)."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return os.environ["KAFKA_BOOTSTRAP_SERVERS"], False
    already = kafka_local.running(instance) is not None
    port = None if port_open(9092) else 9092
    broker = kafka_local.start(instance, port=port)
    return broker.bootstrap_servers, not already


def start_services(base_port: int, var: Path, bootstrap: str, jwks: Path) -> list[ServiceProcess]:
    """The four services on SQLite files under var/ (or `<SERVICE>_DATABASE_URL`), sweeping every 2 s."""
    running = []
    for offset, name in enumerate(SERVICES):
        env = {
            "DATABASE_URL": os.environ.get(f"{name.upper().replace('-', '_')}_DATABASE_URL")
            or f"sqlite+aiosqlite:///{var / (name + '.db')}",
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "AUTH_JWKS_FILE": str(jwks),
            "SWEEP_INTERVAL_SECONDS": os.environ.get("SWEEP_INTERVAL_SECONDS", "2"),
            "ASSET_QUERY_WINDOW_SECONDS": os.environ.get("ASSET_QUERY_WINDOW_SECONDS", "5"),
            # judicial-advice will not start without each court's place abbreviation: the demo's court is
            # 长春铁路运输法院 (吉7101), 长铁 in its advice numbers.
            "COURT_PLACES": os.environ.get("COURT_PLACES", json.dumps({COURT: "长铁"}, ensure_ascii=False)),
        }
        running.append(start_service(name, base_port + offset, env=env, log_dir=var / "logs"))
    return running


def print_summary(services: list[ServiceProcess], bootstrap: str, var: Path, keys: Path) -> None:
    print("\nCourtlink is running.\n")
    print(f"  {'service':<22} {'url':<24} API docs")
    for s in services:
        print(f"  {s.name:<22} {s.url:<24} {s.url}/docs")
    print(f"\n  Kafka: {bootstrap}    databases and logs: {var}/")
    print("  A token for the APIs (any role and organisation):")
    print(
        f"    .venv/bin/courtlink-token --dir {keys} mint --role bank_operator --org 91110000600037341L --sub alice\n"
    )


def load_demo(services: list[ServiceProcess], keys: Path) -> None:
    """Drive the demo scenario through the services' APIs (tokens need the local signing key)."""
    if not (keys / "private.pem").exists():
        print("Demo skipped: AUTH_JWKS_FILE points at keys whose private half this command cannot sign with.")
        return
    urls = {s.name: s.url for s in services}
    print("Loading the demo (banks, mediators, a judge, the enforcement bureau, an agency)…")
    try:
        result = Demo(urls, keys).run()
    except (DemoError, httpx.HTTPError) as exc:
        raise InfraError(f"the demo failed: {exc}") from exc
    print_result(result, urls, keys)
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-port", type=int, default=int(os.environ.get("COURTLINK_BASE_PORT", "8001")))
    parser.add_argument("--var", type=Path, default=Path(os.environ.get("COURTLINK_VAR_DIR", "var")))
    parser.add_argument("--check", action="store_true", help="start, wait until every service is ready, then stop")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo scenario")
    args = parser.parse_args()
    var: Path = args.var.resolve()
    keys = var / "keys"
    jwks = Path(os.environ["AUTH_JWKS_FILE"]) if os.environ.get("AUTH_JWKS_FILE") else generate_key_pair(keys)
    instance = os.environ.get("COURTLINK_INSTANCE", "dev")
    running: list[ServiceProcess] = []
    started_kafka = False
    stop = {"now": False}

    def request_stop(*_: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        bootstrap, started_kafka = start_kafka(instance)
        running.extend(start_services(args.base_port, var, bootstrap, jwks))
        wait_ready(running, timeout=120)
        print_summary(running, bootstrap, var, keys)
        if not args.no_demo:
            load_demo(running, jwks.parent)
        if args.check:
            print("All four services answer /readyz.")
            return 0
        print("Press Ctrl-C to stop.")
        while not stop["now"]:
            for service in running:
                if service.process.poll() is not None:
                    print(f"{service.name} stopped unexpectedly; see {service.log}", file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0
    except InfraError as exc:
        print(f"run: {exc}", file=sys.stderr)
        return 1
    finally:
        for service in running:
            service.stop()
        if started_kafka:
            kafka_local.stop(instance)


if __name__ == "__main__":
    sys.exit(main())
