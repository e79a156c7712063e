"""Test data and authenticated clients for judicial-advice's tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from courtlink_shared.auth.principal import Role
from courtlink_shared.testing.apps import ServiceApi
from courtlink_shared.testing.factories import credit_code

COURT = "吉7101"
AGENCY = credit_code(300, prefix="11220000")
OTHER_AGENCY = credit_code(301, prefix="11220000")
CC_UNIT = credit_code(302, prefix="11220000")
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in Beijing


class Api(ServiceApi):
    def as_(self, role: Role, org: str = COURT) -> dict[str, str]:
        return self.auth(role, org)

    async def step(self, advice_id: str, action: str, role: Role, org: str = COURT, **body: Any) -> httpx.Response:
        return await self.client.post(f"/advices/{advice_id}/{action}", json=body or None, headers=self.as_(role, org))


def advice_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "关于规范信用卡催收行为的司法建议",
        "recipient_name": "某市金融监督管理局",
        "recipient_code": AGENCY,
        "superior_authority": "某省金融监督管理局",
        "cc": [{"name": "某市银行业协会", "code": CC_UNIT}],
        "related_cases": ["（2026）吉7101民初15号", "（2026）吉7101民初16号"],
        "background": "本院近年审理的信用卡纠纷案件中，反映出部分银行催收行为不规范。",
        "problems": ["催收频次过高", "利息计算不透明"],
        "recommendations": [{"problem": 0, "text": "规范催收频次与方式"}, {"problem": 1, "text": "公开利息计算方法"}],
        "contact_person": "李法官",
        "contact_phone": "0431-88888888",
    }
    body.update(overrides)
    return body
