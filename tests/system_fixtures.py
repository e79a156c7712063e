"""Data and tokens shared by the end-to-end tests: one court, one bank, one mediation organisation."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from courtlink_shared.auth.dev_tokens import mint_token
from courtlink_shared.auth.principal import Role
from courtlink_shared.infra.service_processes import ServiceProcess
from courtlink_shared.testing.factories import credit_code, resident_id
from fastapi import FastAPI

BANK = "91110000600037341L"
COURT = "吉7101"
ORG = credit_code(5, prefix="52220101")
COURT_PLACES = json.dumps({COURT: "长铁", "吉7102": "吉铁"}, ensure_ascii=False)
"""COURT_PLACES of judicial-advice as the tests start it: the courts the tests act for (吉7102 is the "other" one)."""
StartServices = Callable[..., Awaitable[dict[str, ServiceProcess]]]
"""`await start("intake", "finance-mediation", SETTING="value")`: those services as processes, ready."""


@dataclass(frozen=True)
class InProcess:
    """A service started in the test's process: its app, and a client on it over ASGI."""

    app: FastAPI
    client: httpx.AsyncClient


StartInProcess = Callable[..., Awaitable[dict[str, InProcess]]]
"""`await start({"intake": {}, "enforcement-inquiry": {"sweep_interval_seconds": 3600}}, clocks=…, database=…)`:
those services in the test's process, each with its settings, started."""


def bearer(keys_dir: Path, role: Role, org: str, subject: str | None = None) -> dict[str, str]:
    """The Authorization header of a user with one role in one organisation."""
    token = mint_token(keys_dir, subject=subject or role.value, roles=[role], organisation=org)
    return {"Authorization": f"Bearer {token}"}


def dispute(n: int) -> dict[str, Any]:
    """A loan dispute as the bank submits it, against one borrower."""
    return {
        "bank_reference": f"E2E-{n}",
        "dispute_type": "金融借款合同纠纷",
        "claimant": {"name": "示例银行股份有限公司", "code": BANK},
        "respondents": [{"kind": "person", "name": f"借款人{n}", "id_number": resident_id(500 + n)}],
        "claim": {
            "principal": "50000.00",
            "interest": "1200.00",
            "penalty": "300.00",
            "fees": "0.00",
            "total": "51500.00",
        },
        "contract_number": f"JK-{n}",
        "default_date": date(2026, 3, 1).isoformat(),
        "court_code": COURT,
    }
