"""Run the whole system on one machine: a local Kafka broker, Keycloak, SQLite files, the four services, a demo.

Called by ./run (which installs everything first). Keycloak starts beside the broker (it takes the longest) and
the services trust its issuer; `--no-keycloak` (or AUTH_JWKS_FILE) uses a local key pair instead. Once every
service is ready it loads the demo scenario (`--no-demo` skips it) and prints a summary with the demo sign-ins;
Ctrl-C stops everything, the broker and Keycloak included when this command started them. Locally the sweeps run
every 2 s and bank queries collect for 5 s, so that the demo moves along.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
from courtlink_shared.auth.dev_tokens import generate_key_pair
from courtlink_shared.infra import kafka_local, keycloak_local
from courtlink_shared.infra.keycloak_local import KeycloakInstance
from courtlink_shared.infra.processes import InfraError, port_open
from courtlink_shared.infra.service_processes import SERVICES, ServiceProcess, start_service, wait_ready
from demo import COURT, Demo, DemoError, KeycloakTokens, print_result


def start_kafka(instance: str) -> tuple[str, bool]:
    """Bootstrap servers, and whether we started the broker (and so must stop it)."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return os.environ["KAFKA_BOOTSTRAP_SERVERS"], False
    already = kafka_local.running(instance) is not None
    port = None if port_open(9092) else 9092
    broker = kafka_local.start(instance, port=port)
    return broker.bootstrap_servers, not already


def start_keycloak(instance: str, port: int) -> tuple[KeycloakInstance, bool]:
    """The local Keycloak, and whether we started it (and so must stop it)."""
    already = keycloak_local.running(instance) is not None
    return keycloak_local.start(instance, port=port), not already


def start_services(base_port: int, var: Path, bootstrap: str, auth: dict[str, str]) -> list[ServiceProcess]:
    """The four services on SQLite files under var/ (or `<SERVICE>_DATABASE_URL`), sweeping every 2 s."""
    running = []
    for offset, name in enumerate(SERVICES):
        env = {
            "DATABASE_URL": os.environ.get(f"{name.upper().replace('-', '_')}_DATABASE_URL")
            or f"sqlite+aiosqlite:///{var / (name + '.db')}",
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            **auth,
            "SWEEP_INTERVAL_SECONDS": os.environ.get("SWEEP_INTERVAL_SECONDS", "2"),
            "ASSET_QUERY_WINDOW_SECONDS": os.environ.get("ASSET_QUERY_WINDOW_SECONDS", "5"),
            # judicial-advice will not start without each court's place abbreviation: the demo's court is
            # 长春铁路运输法院 (吉7101), 长铁 in its advice numbers.
            "COURT_PLACES": os.environ.get("COURT_PLACES", json.dumps({COURT: "长铁"}, ensure_ascii=False)),
        }
        running.append(start_service(name, base_port + offset, env=env, log_dir=var / "logs"))
    return running


def start_console(keycloak: KeycloakInstance, services: list[ServiceProcess], port: int, var: Path) -> ServiceProcess:
    """The web console on 127.0.0.1:port, signing people in through Keycloak, in front of the services."""
    urls = {s.name: s.url for s in services}
    env = {
        "CONSOLE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "OIDC_ISSUER": keycloak.issuer,
        "OIDC_CLIENT_ID": keycloak_local.CONSOLE_CLIENT,
        "OIDC_CLIENT_SECRET": keycloak.console_client_secret,
        "INTAKE_URL": urls["intake"],
        "FINANCE_MEDIATION_URL": urls["finance-mediation"],
        "ENFORCEMENT_INQUIRY_URL": urls["enforcement-inquiry"],
        "JUDICIAL_ADVICE_URL": urls["judicial-advice"],
    }
    return start_service("console", port, env=env, log_dir=var / "logs")


def print_console(console: ServiceProcess, keycloak: KeycloakInstance) -> None:
    """The console's address and who to sign in as, first of all."""
    print(f"\n  Web console: {console.url}   (sign in with password {keycloak_local.DEMO_PASSWORD})")
    for user in keycloak_local.demo_users():
        if user.role in ("bank_operator", "intake_clerk", "mediator", "mediation_org_admin"):
            print(f"    {user.username:<12} {user.name:<10} {user.role:<20} {user.organisation}")


def print_summary(
    services: list[ServiceProcess], bootstrap: str, var: Path, keys: Path, keycloak: KeycloakInstance | None
) -> None:
    print("\nCourtlink is running.\n")
    print(f"  {'service':<22} {'url':<24} API docs")
    for s in services:
        print(f"  {s.name:<22} {s.url:<24} {s.url}/docs")
    print(f"\n  Kafka: {bootstrap}    databases and logs: {var}/")
    if keycloak is None:
        print("  A token for the APIs (any role and organisation):")
        print(
            f"    .venv/bin/courtlink-token --dir {keys} mint --role bank_operator --org 91110000600037341L "
            "--sub alice\n"
        )
        return
    print_sign_ins(keycloak)


def print_sign_ins(keycloak: KeycloakInstance) -> None:
    """Keycloak, the demo's people and a bank system's token by curl."""
    started = f" (ready in {keycloak.start_seconds:.0f} s)" if keycloak.start_seconds else ""
    print(f"  Keycloak{started}: issuer {keycloak.issuer}")
    print(f"    administration {keycloak.url}/admin: user admin, password {keycloak.admin_password}")
    print(f"\n  Demo sign-ins (password {keycloak_local.DEMO_PASSWORD} for everyone):")
    for user in keycloak_local.demo_users():
        print(f"    {user.username:<16} {user.role:<20} {user.organisation:<20} {user.name}")
    print("\n  A bank's system signs in as a client (client credentials) and calls the APIs with the token:")
    print(
        f"    curl -s -d grant_type=client_credentials -d client_id=bank-a-system "
        f"-d client_secret={keycloak.client_secrets['bank-a-system']} \\\n      {keycloak.token_url}\n"
    )


def load_demo(services: list[ServiceProcess], keys: Path, keycloak: KeycloakInstance | None) -> None:
    """Drive the demo scenario through the services' APIs, with the demo users' Keycloak tokens or, without
    Keycloak, tokens signed with the local key."""
    if keycloak is None and not (keys / "private.pem").exists():
        print("Demo skipped: AUTH_JWKS_FILE points at keys whose private half this command cannot sign with.")
        return
    urls = {s.name: s.url for s in services}
    print("Loading the demo (banks, mediators, a judge, the enforcement bureau, an agency)…")
    try:
        tokens = KeycloakTokens(keycloak) if keycloak is not None else None
        result = Demo(urls, keys, tokens=tokens).run()
    except (DemoError, httpx.HTTPError) as exc:
        raise InfraError(f"the demo failed: {exc}") from exc
    print_result(result, urls, keys, signed_in=keycloak is not None)
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-port", type=int, default=int(os.environ.get("COURTLINK_BASE_PORT", "8001")))
    parser.add_argument("--var", type=Path, default=Path(os.environ.get("COURTLINK_VAR_DIR", "var")))
    parser.add_argument("--check", action="store_true", help="start, wait until every service is ready, then stop")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo scenario")
    parser.add_argument("--no-keycloak", action="store_true", help="trust a local key pair instead of Keycloak")
    args = parser.parse_args()
    var: Path = args.var.resolve()
    keys = var / "keys"
    jwks = Path(os.environ["AUTH_JWKS_FILE"]) if os.environ.get("AUTH_JWKS_FILE") else generate_key_pair(keys)
    with_keycloak = not (args.no_keycloak or os.environ.get("AUTH_JWKS_FILE"))
    instance = os.environ.get("COURTLINK_INSTANCE", "dev")
    running: list[ServiceProcess] = []
    started_kafka = False
    keycloak: KeycloakInstance | None = None
    started_keycloak = False
    background = ThreadPoolExecutor(max_workers=1)
    keycloak_start: Future[tuple[KeycloakInstance, bool]] | None = None
    stop = {"now": False}

    def request_stop(*_: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        if with_keycloak:
            # Keycloak is the slowest to start: it comes up while the broker and the services do.
            keycloak_local.find_java_home()  # no suitable JDK: say so before anything starts
            port = keycloak_local.planned_port(instance)
            keycloak_start = background.submit(start_keycloak, instance, port)
            # The services find the key set from the issuer (discovery) when the first token arrives.
            auth = {"AUTH_ISSUER": keycloak_local.issuer_at(port)}
        else:
            auth = {"AUTH_JWKS_FILE": str(jwks)}
        bootstrap, started_kafka = start_kafka(instance)
        running.extend(start_services(args.base_port, var, bootstrap, auth))
        wait_ready(running, timeout=120)
        if keycloak_start is not None:
            keycloak, started_keycloak = keycloak_start.result()
        # --- console --- (the web console starts here: it needs Keycloak's issuer and the services' URLs)
        if keycloak is not None:
            console = start_console(keycloak, running, args.base_port - 1, var)
            running.append(console)
            wait_ready([console], timeout=60)
            print_console(console, keycloak)
        else:
            print("\nThe web console needs Keycloak to sign in: it is not started with --no-keycloak.")
        print_summary(running, bootstrap, var, keys, keycloak)
        if not args.no_demo:
            load_demo(running, jwks.parent, keycloak)
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
        if keycloak_start is not None and keycloak is None:
            if not keycloak_start.done():
                keycloak_local.stop(instance)  # a start under way (ours): end it rather than wait for it
            started_keycloak = _settle(keycloak_start)
        if started_kafka:
            kafka_local.stop(instance)
        if started_keycloak:
            keycloak_local.stop(instance)
        background.shutdown(wait=False)


def _settle(start: Future[tuple[KeycloakInstance, bool]]) -> bool:
    """Whether a Keycloak start that was still under way when we stopped started it (so it must be stopped)."""
    try:
        return start.result()[1]
    except InfraError:
        return True  # it may have left a process behind; stopping one that does not run is harmless


if __name__ == "__main__":
    sys.exit(main())
