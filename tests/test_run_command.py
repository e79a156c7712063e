"""The README's run command brings Keycloak and all four services up, each answering /readyz, loads the demo
scenario through their APIs with the demo users' Keycloak tokens, prints the sign-ins, and leaves nothing behind."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

from courtlink_shared.infra import kafka_local, keycloak_local
from courtlink_shared.infra.processes import listen_ports, port_open

ROOT = Path(__file__).resolve().parents[1]


def test_run_command_starts_every_service_loads_the_demo_and_stops_cleanly(tmp_path: Path) -> None:
    instance = f"run-test-{uuid.uuid4().hex[:6]}"
    base = listen_ports(4)[0]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AUTH_JWKS_FILE")}
    env["COURTLINK_INSTANCE"] = instance
    result = subprocess.run(
        [str(ROOT / "run"), "--check", "--base-port", str(base), "--var", str(tmp_path / "var")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # a fresh Keycloak (schema and realm import) takes minutes on a busy two-core machine
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("intake", "finance-mediation", "enforcement-inquiry", "judicial-advice"):
        assert name in result.stdout
    assert "All four services answer /readyz." in result.stdout
    assert f"Web console: http://127.0.0.1:{base - 1}" in result.stdout.split("Demo sign-ins")[0]  # printed first
    assert f"password {keycloak_local.DEMO_PASSWORD} for everyone" in result.stdout
    for user in keycloak_local.demo_users():
        assert f"    {user.username:<16} {user.role:<20} {user.organisation:<20} {user.name}" in result.stdout
    assert "client_id=bank-a-system" in result.stdout
    assert "24 disputes from 2 banks; mediation settled 3, failed 2, extended 1; filed （" in result.stdout
    assert "intake: accepted 24, diversion rate 1.0000, filed after failure 1" in result.stdout
    assert "mediation: closed 5, settled 3, success rate 0.6000" in result.stdout
    assert "enforcement: inquiries 1, advised 1" in result.stdout
    assert "judicial advice: issued 1, reply rate 1.0000, adoption rate 1.0000" in result.stdout
    assert {p.name for p in (tmp_path / "var").glob("*.db")} == {
        "intake.db",
        "finance-mediation.db",
        "enforcement-inquiry.db",
        "judicial-advice.db",
    }
    assert not any(port_open(base + i) for i in range(-1, 4)), "services and the console stopped"
    assert kafka_local.running(instance) is None, "the broker it started is stopped"
    assert keycloak_local.running(instance) is None, "the Keycloak it started is stopped"
    kafka_local.stop(instance, remove_data=True)
    keycloak_local.stop(instance, remove_data=True)
