"""Valid identifiers for test data (every service's tests need people and companies that pass validation)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from stdnum.cn import uscc

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.events.common import Claim, Organisation, Party
from courtlink_shared.events.intake import DisputeRouted, DisputeSnapshot, NoticeRef
from courtlink_shared.identifiers.credit_code import ALPHABET, organisation_code_check

_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(n: int, *, area: str = "110105", born: date = date(1980, 1, 1)) -> str:
    """The n-th valid resident ID number (distinct for n in 0..999, then the birth day moves)."""
    day = date.fromordinal(born.toordinal() + n // 1000)
    body = f"{area}{day:%Y%m%d}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _RIC_WEIGHTS, strict=True)) % 11]


def credit_code(n: int, *, prefix: str = "91220101") -> str:
    """The n-th valid unified social credit code; `prefix` is its department, type and division (GB 32100: 8
    characters, e.g. 91220101 for an enterprise registered in Changchun). Both check characters hold."""
    if len(prefix) != 8:
        raise ValueError("the prefix is the department, type and division: 8 characters")
    body = prefix
    value = n
    for _ in range(8):
        body += ALPHABET[value % 31]
        value //= 31
    body += organisation_code_check(body[8:])
    return body + str(uscc.calc_check_digit(body))


def today_in_beijing() -> date:
    """Today as courts count days (statistics periods and "not in the future" are Beijing dates, not UTC)."""
    return datetime.now(SHANGHAI).date()


def dispute_routed(
    n: int, *, bank: str = "91110000600037341L", dispute_type: str = "信用卡纠纷", court: str = "吉7101"
) -> DisputeRouted:
    """The n-th DisputeRouted event as intake publishes it (one person owing 10,000 yuan)."""
    now = datetime.now(UTC)
    return DisputeRouted(
        dispute_id=str(uuid.uuid4()),
        mediation_number=f"（{now.year}）{court}民诉前调{n}号",
        notice=NoticeRef(template="credit_card", issued_at=now, url="/n"),
        dispute=DisputeSnapshot(
            bank_reference=f"CC-{n}",
            dispute_type=dispute_type,
            claimant=Organisation(name="示例银行", code=bank),
            respondents=[Party(kind="person", name=f"客户{n}", id_number=resident_id(n))],
            claim=Claim(
                principal=Decimal("10000.00"),
                interest=Decimal("0.00"),
                penalty=Decimal("0.00"),
                fees=Decimal("0.00"),
                total=Decimal("10000.00"),
            ),
            contract_number=f"HT-{n}",
            default_date=date(2026, 1, 5),
            court_code=court,
        ),
        routed_at=now,
    )
