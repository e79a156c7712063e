"""The official calendar over HTTP on real PostgreSQL and Kafka: the court's administrator loads a year's
arrangement; readiness warns from December on while next year is missing; deadlines say when they are provisional."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from courtlink_shared.auth.dev_tokens import mint_token
from courtlink_shared.auth.principal import Role
from courtlink_shared.clock import SHANGHAI, ControllableClock
from courtlink_shared.deadlines.calendar import OfficialCalendar, built_in_year
from courtlink_shared.deadlines.periods import Unit, period_end
from courtlink_shared.settings import ServiceSettings
from courtlink_shared.testing.waiting import eventually
from courtlink_shared.web.app_factory import create_service_app
from prometheus_client import REGISTRY

DECEMBER = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)


def bearer(keys_dir: Path, role: Role) -> dict[str, str]:
    token = mint_token(keys_dir, subject="admin-1", roles=[role], organisation="吉7101")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def client(
    database_url: str, kafka_bootstrap: str, topic_prefix: str, keys_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = ServiceSettings(
        service_name="calendar-test",
        database_url=database_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_topic_prefix=topic_prefix,
        auth_jwks_file=str(keys_dir / "jwks.json"),
    )
    app = create_service_app(
        settings, title="t", description="t", clock=ControllableClock(DECEMBER), configure_logs=False
    )
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def arrangement_2027() -> dict[str, object]:
    holidays = sorted(d.isoformat() for d in built_in_year(2027).holidays)
    return {"holidays": [*holidays, "2027-02-04", "2027-02-09"], "working_days": ["2027-02-20"], "notice": "国办发明电"}


async def test_from_december_readiness_warns_until_next_years_arrangement_is_loaded(
    client: httpx.AsyncClient, keys_dir: Path
) -> None:
    async def ready() -> bool:  # once the calendar's consumer has joined its group
        return (await client.get("/readyz")).status_code == 200

    await eventually(ready, what="readiness")
    # A warning, not a failure: deadlines are still computed.
    assert any("2027" in w for w in (await client.get("/readyz")).json()["warnings"])
    years = (await client.get("/calendar/years", headers=bearer(keys_dir, Role.ANALYST))).json()["years"]
    assert [(y["year"], y["source"], y["official"]) for y in years] == [
        (2025, "chinese_calendar", True),
        (2026, "chinese_calendar", True),
        (2027, "statutory_holidays_only", False),
    ]
    assert "2027-01-01" in years[2]["holidays"]
    assert years[2]["warning"] is not None
    metrics = (await client.get("/metrics")).text
    assert 'courtlink_calendar_year_official{year="2027"} 0.0' in metrics

    loaded = await client.put(
        "/calendar/years/2027", json=arrangement_2027(), headers=bearer(keys_dir, Role.COURT_ADMIN)
    )
    assert loaded.status_code == 200, loaded.text
    assert (loaded.json()["source"], loaded.json()["working_days"]) == ("loaded", ["2027-02-20"])
    assert (await client.get("/readyz")).json()["warnings"] == []
    # A deadline through the Spring Festival now counts the bridging days off and the adjusted Saturday worked.
    end = period_end(datetime(2027, 2, 3, 10, tzinfo=SHANGHAI), 3, Unit.WORKING_DAYS)
    assert (end.last_day.isoformat(), end.warning) == ("2027-02-12", None)


async def test_a_wrong_arrangement_is_refused_field_by_field_and_changes_nothing(
    client: httpx.AsyncClient, keys_dir: Path
) -> None:
    admin = bearer(keys_dir, Role.COURT_ADMIN)
    body = arrangement_2027()
    body["holidays"] = [d for d in body["holidays"] if d != "2027-02-06"]  # type: ignore[attr-defined]
    body["working_days"] = ["2027-02-22", "2028-01-08"]
    refused = await client.put("/calendar/years/2027", json=body, headers=admin)
    assert refused.status_code == 422
    fields = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert "2027-02-06" in fields["body.holidays"]
    assert "2028-01-08" in fields["body.working_days"] or "2027-02-22" in fields["body.working_days"]
    assert (await client.put("/calendar/years/1900", json=arrangement_2027(), headers=admin)).status_code == 422
    assert (await client.put("/calendar/years/2027", json={"holidays": "x"}, headers=admin)).status_code == 422
    not_admin = await client.put(
        "/calendar/years/2027", json=arrangement_2027(), headers=bearer(keys_dir, Role.PRESIDENT)
    )
    assert not_admin.status_code == 403
    years = (await client.get("/calendar/years", headers=admin)).json()["years"]
    assert years[2]["source"] == "statutory_holidays_only"


async def test_a_provisional_deadline_is_counted_on_metrics() -> None:
    before = _provisional_count("2027")
    end = period_end(datetime(2026, 12, 30, 10, tzinfo=SHANGHAI), 3, Unit.WORKING_DAYS, calendar=OfficialCalendar())
    assert end.warning is not None
    assert _provisional_count("2027") == before + 1


def _provisional_count(year: str) -> float:
    return REGISTRY.get_sample_value("courtlink_deadlines_on_provisional_calendar_total", {"year": year}) or 0.0
