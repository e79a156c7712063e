"""Statistics as each reader sees them: a court's analyst, a bank, an organisation (its own cases and the pools of
the courts it serves), and a reader whose roles overlap. Counted by the Beijing day of each event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from courtlink_shared.auth.dev_tokens import mint_token
from courtlink_shared.auth.principal import Role
from mediation_fixtures import BANK_A, BANK_B, COURT, ORG, OTHER_ORG, Api, mediator, routed
from test_mediation_cases import open_cases

# START is 09:00 on 30 September in Beijing: the cases open that day; 16:30 UTC is already 1 October there.
AFTER_MIDNIGHT_IN_BEIJING = datetime(2026, 9, 30, 16, 30, tzinfo=UTC)
AGREEMENT = {"settled_amount": "9000.00", "instalments": [{"due_date": "2026-12-01", "amount": "9000.00"}]}


async def _three_cases(api: Api, kafka_bootstrap: str, topic_prefix: str) -> None:
    """Bank A's first case fails after acceptance; its second is declined and waits in the pool; bank B's is
    settled and confirmed by the court."""
    await api.roster(mediator("m1"))
    await api.roster(org=OTHER_ORG, registered=False)
    failing, declined, settling = await open_cases(
        api, kafka_bootstrap, topic_prefix, routed(bank=BANK_A), routed(bank=BANK_A), routed(bank=BANK_B)
    )
    m1 = api.mediator("m1")
    accepted = {c["id"]: await api.client.post(f"/cases/{c['id']}/accept", headers=m1) for c in (failing, settling)}
    assert [a.status_code for a in accepted.values()] == [200, 200]
    parties = accepted[settling["id"]].json()["parties"]
    back = await api.client.post(f"/cases/{declined['id']}/decline", json={"reason": "利益冲突"}, headers=m1)
    assert (back.json()["status"], back.json()["mediator_id"]) == ("opened", None)

    api.clock.advance(timedelta(hours=6))
    await _ok(api, f"/cases/{settling['id']}/agreement", AGREEMENT, m1)
    for party in parties:
        await _ok(api, f"/cases/{settling['id']}/signatures", {"party": party}, m1)
    bank_b = api.auth(Role.BANK_OPERATOR, BANK_B)
    await _ok(api, f"/cases/{settling['id']}/confirmation", {"applicants": parties}, bank_b)

    api.clock.set(AFTER_MIDNIGHT_IN_BEIJING)
    failure = {"ground": "party_refused_to_sign", "reason": "被申请人拒绝签字", "claimant_maintains_claim": True}
    await _ok(api, f"/cases/{failing['id']}/failure", failure, m1)
    judge = api.auth(Role.TRIAL_JUDGE, COURT)
    await _ok(api, f"/cases/{settling['id']}/confirmation/acceptance", None, judge)
    decision = {"decision": "confirmed", "reasons": "协议内容合法"}
    await _ok(api, f"/cases/{settling['id']}/confirmation/decision", decision, judge)


async def _ok(api: Api, url: str, body: dict[str, Any] | None, headers: dict[str, str]) -> None:
    response = await api.client.post(url, json=body, headers=headers)
    assert response.status_code == 200, response.text


async def _statistics(api: Api, headers: dict[str, str], first: str, last: str) -> dict[str, Any]:
    response = await api.client.get("/statistics", params={"from": first, "to": last}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _holding(api: Api, org: str, *roles: Role) -> dict[str, str]:
    """The Authorization header of a user holding several roles in `org`."""
    token = mint_token(api.keys_dir, subject=f"reader@{org}", roles=list(roles), organisation=org)
    return {"Authorization": f"Bearer {token}"}


def _figures(stats: dict[str, Any]) -> tuple[Any, ...]:
    return (
        stats["closed"],
        stats["settled"],
        stats["success_rate"],
        stats["confirmation_requested"],
        stats["confirmed"],
        stats["cases_per_mediator"],
        stats["cases_per_bank"],
    )


class TestStatisticsByReader:
    async def test_each_reader_counts_the_cases_it_sees(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        await _three_cases(api, kafka_bootstrap, topic_prefix)
        analyst = api.auth(Role.ANALYST, COURT)
        whole = await _statistics(api, analyst, "2026-09-30", "2026-10-01")
        assert _figures(whole) == (2, 1, "0.5000", 1, 1, {"m1": 2}, {BANK_A: 2, BANK_B: 1})
        # Accepted at 09:00; settled at 15:00 the same day, failed at 00:30 the next: (0.25 + 0.6458) / 2 days.
        assert whole["average_duration_days"] == "0.45"

        bank_a = await _statistics(api, api.auth(Role.BANK_OPERATOR, BANK_A), "2026-09-30", "2026-10-01")
        assert _figures(bank_a) == (1, 0, "0.0000", 0, 0, {"m1": 1}, {BANK_A: 2})

        # The organisation: its mediator's two cases, and the declined one waiting in its court's pool.
        organisation = await _statistics(api, api.admin(), "2026-09-30", "2026-10-01")
        assert _figures(organisation) == _figures(whole)
        assert _figures(await _statistics(api, api.admin(OTHER_ORG), "2026-09-30", "2026-10-01")) == (
            0,
            0,
            None,
            0,
            0,
            {},
            {},
        )

    async def test_a_day_is_a_day_in_beijing(self, api: Api, kafka_bootstrap: str, topic_prefix: str) -> None:
        await _three_cases(api, kafka_bootstrap, topic_prefix)
        analyst = api.auth(Role.ANALYST, COURT)
        opening_day = await _statistics(api, analyst, "2026-09-30", "2026-09-30")
        assert _figures(opening_day) == (1, 1, "1.0000", 1, 0, {"m1": 2}, {BANK_A: 2, BANK_B: 1})
        next_day = await _statistics(api, analyst, "2026-10-01", "2026-10-01")
        assert _figures(next_day) == (1, 0, "0.0000", 0, 1, {}, {})

    async def test_a_reader_whose_roles_overlap_counts_each_case_once(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        await _three_cases(api, kafka_bootstrap, topic_prefix)
        # A bank's operator who is an analyst too: no court has the bank's code, so the bank's own cases remain.
        both = _holding(api, BANK_A, Role.ANALYST, Role.BANK_OPERATOR)
        overlapping = await _statistics(api, both, "2026-09-30", "2026-10-01")
        bank_a = await _statistics(api, api.auth(Role.BANK_OPERATOR, BANK_A), "2026-09-30", "2026-10-01")
        assert overlapping == bank_a
        admin_and_analyst = _holding(api, ORG, Role.MEDIATION_ORG_ADMIN, Role.ANALYST)
        assert _figures(await _statistics(api, admin_and_analyst, "2026-09-30", "2026-10-01")) == _figures(
            await _statistics(api, api.admin(), "2026-09-30", "2026-10-01")
        )
