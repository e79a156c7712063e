"""Test data and an authenticated client for intake's tests."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from courtlink_shared.auth.principal import Role
from courtlink_shared.testing.apps import ServiceApi
from courtlink_shared.testing.factories import credit_code, resident_id

BANK_A = "91110000600037341L"
BANK_B = credit_code(7)
COURT = "吉7101"
OTHER_COURT = "吉7102"
_refs = itertools.count(1)


class Api(ServiceApi):
    """An HTTP client on the running app with a token per role and organisation."""

    def bank(self, org: str = BANK_A) -> dict[str, str]:
        return self.auth(Role.BANK_OPERATOR, org)

    def clerk(self, org: str = COURT) -> dict[str, str]:
        return self.auth(Role.INTAKE_CLERK, org)


def dispute(n: int | None = None, *, bank: str = BANK_A, **overrides: Any) -> dict[str, Any]:
    """A valid dispute as a bank submits it; n makes reference, contract and respondent distinct."""
    n = next(_refs) if n is None else n
    body: dict[str, Any] = {
        "bank_reference": f"CC-{n:06d}",
        "dispute_type": "信用卡纠纷",
        "claimant": {"name": "示例银行股份有限公司", "code": bank},
        "respondents": [
            {
                "kind": "person",
                "name": f"客户{n}",
                "id_number": resident_id(n),
                "phone": "13800000000",
                "address": "吉林省长春市朝阳区示例路1号",
            }
        ],
        "claim": {
            "principal": "10000.00",
            "interest": "523.10",
            "penalty": "120.00",
            "fees": "0.00",
            "total": "10643.10",
        },
        "contract_number": f"HT-{n:06d}",
        "default_date": date(2026, 1, 5).isoformat(),
        "court_code": COURT,
        "evidence": [
            {
                "name": "对账单.pdf",
                "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "size": 20480,
            }
        ],
    }
    body.update(overrides)
    return body
