"""Test data, a controllable clock and authenticated clients for finance-mediation's tests."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from courtlink_shared.auth.principal import Role
from courtlink_shared.clock import SHANGHAI
from courtlink_shared.events.envelope import EventData, make_envelope
from courtlink_shared.events.intake import DisputeRouted
from courtlink_shared.testing.apps import ServiceApi
from courtlink_shared.testing.factories import credit_code, dispute_routed
from sqlalchemy.ext.asyncio import AsyncConnection

BANK_A = "91110000600037341L"
BANK_B = credit_code(7)
COURT = "吉7101"
ORG = credit_code(100, prefix="52220101")
OTHER_ORG = credit_code(101, prefix="52220101")
# Wednesday 30 September 2026, 09:00 in Beijing: the National Day holiday (1–7 October) comes next, and
# Saturday 10 October is an adjusted working day.
START = datetime(2026, 9, 30, 1, 0, tzinfo=UTC)
_numbers = itertools.count(1)


class Api(ServiceApi):
    """An HTTP client on the running app with a token per role and organisation."""

    def mediator(self, mediator_id: str, org: str = ORG) -> dict[str, str]:
        return self.auth(Role.MEDIATOR, org, mediator_id)

    def admin(self, org: str = ORG) -> dict[str, str]:
        return self.auth(Role.MEDIATION_ORG_ADMIN, org)

    async def roster(self, *mediators: dict[str, Any], org: str = ORG, registered: bool = True) -> None:
        """The organisation with these mediators; `registered`: on the court's roster too, so that it is given the
        court's cases."""
        await self.client.put(
            "/organisations/me",
            json={"name": "长春金融纠纷调解室", "kind": "financial_dispute_mediation_room"},
            headers=self.admin(org),
        )
        for m in mediators:
            response = await self.client.post("/mediators", json=m, headers=self.admin(org))
            assert response.status_code == 201, response.text
        if registered:
            await self.register_with_court(org)

    async def register_with_court(self, org: str = ORG, court: str = COURT) -> None:
        """The court's intake clerk puts the organisation on its roster (it then sees the court's pool)."""
        response = await self.client.post(
            "/courts/me/organisations",
            json={"organisation_code": org},
            headers=self.auth(Role.INTAKE_CLERK, court),
        )
        assert response.status_code in (200, 201), response.text


def mediator(
    mediator_id: str,
    *,
    capacity: int = 10,
    specialties: tuple[str, ...] = ("信用卡纠纷", "金融借款合同纠纷"),
    affiliations: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "id": mediator_id,
        "name": f"调解员{mediator_id}",
        "specialties": list(specialties),
        "capacity": capacity,
        "affiliations": list(affiliations),
    }


def routed(n: int | None = None, *, bank: str = BANK_A, dispute_type: str = "信用卡纠纷") -> DisputeRouted:
    """A DisputeRouted event as intake publishes it."""
    return dispute_routed(next(_numbers) if n is None else n, bank=bank, dispute_type=dispute_type, court=COURT)


async def publish(kafka_bootstrap: str, topic_prefix: str, *events: EventData) -> None:
    """Publish on the real topic, keyed by dispute, as intake's relay does."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for event in events:
            subject = str(getattr(event, "dispute_id"))  # noqa: B009
            envelope = make_envelope(event, source="intake", subject=subject, time=datetime.now(UTC))
            await producer.send_and_wait(
                event.topic.physical(topic_prefix), envelope.model_dump_json().encode(), key=subject.encode()
            )
    finally:
        await producer.stop()


Figures = dict[tuple[str, str, date], list[int]]
Openings = Counter[tuple[str, str, date, str, str]]


async def figures_counted_from_cases(connection: AsyncConnection) -> tuple[Figures, Openings]:
    """The figures statistics should sum, counted here from the stored cases by their own columns: per holder
    (its court, its bank, its mediator's organisation, and its court's pool while it waits for a mediator) and
    Beijing day of each event; and the cases opened per holder and day, by bank and by mediator."""
    figures: Figures = defaultdict(lambda: [0] * 6)
    openings: Openings = Counter()
    for case in (await connection.execute(sa.text("SELECT * FROM cases"))).mappings():
        at = {name: _moment(case[name]) for name in _MOMENTS}
        opened = at["opened_at"]
        assert opened is not None
        seen = [("court", case["court_code"]), ("bank", case["claimant_code"])]
        if case["organisation_code"] is not None:
            seen.append(("organisation", case["organisation_code"]))
        if case["status"] == "opened":
            seen.append(("pool", case["court_code"]))
        for scope, holder in seen:
            day = opened.astimezone(SHANGHAI).date()
            openings[(scope, holder, day, "bank", case["claimant_code"])] += 1
            if case["mediator_id"] is not None:
                openings[(scope, holder, day, "mediator", case["mediator_id"])] += 1
            closed, accepted = at["closed_at"], at["accepted_at"]
            if closed is not None:
                row = figures[(scope, holder, closed.astimezone(SHANGHAI).date())]
                row[0] += 1
                row[1] += case["outcome"] == "settled"
                if accepted is not None:
                    row[2] += 1
                    row[3] += (closed - accepted) // timedelta(microseconds=1)
            if (requested := at["confirmation_requested_at"]) is not None:
                figures[(scope, holder, requested.astimezone(SHANGHAI).date())][4] += 1
            if (decided := at["confirmation_decided_at"]) is not None and case["confirmation_decision"] == "confirmed":
                figures[(scope, holder, decided.astimezone(SHANGHAI).date())][5] += 1
    return dict(figures), openings


async def figures_kept(connection: AsyncConnection) -> tuple[Figures, Openings]:
    """The figures kept in case_figures and opened_figures, without the rows that came back to zero."""
    figures: Figures = {}
    for row in await connection.execute(sa.text("SELECT * FROM case_figures")):
        counts = [int(n) for n in row[3:]]
        if any(counts):
            figures[(row.scope, row.holder, _day(row.day))] = counts
    openings: Openings = Counter()
    for row in await connection.execute(sa.text("SELECT * FROM opened_figures WHERE opened <> 0")):
        openings[(row.scope, row.holder, _day(row.day), row.per, row.whom)] = row.opened
    return figures, openings


_MOMENTS = ("opened_at", "accepted_at", "closed_at", "confirmation_requested_at", "confirmation_decided_at")


def _moment(value: datetime | str | None) -> datetime | None:
    """A stored instant, aware: PostgreSQL gives it so; SQLite keeps UTC as text."""
    if value is None or (isinstance(value, datetime) and value.tzinfo is not None):
        return value
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
