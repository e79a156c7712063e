"""The official calendar across replicas and services, as processes on real PostgreSQL and Kafka: the court's
administrator loads a year's arrangement through one replica; the other replica computes its next deadline on it,
and another service (its own database) keeps it too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from courtlink_shared.auth.principal import Role
from courtlink_shared.testing.factories import resident_id
from courtlink_shared.testing.waiting import eventually
from system_fixtures import COURT, StartServices, bearer


def inquiry(n: int) -> dict[str, Any]:
    return {
        "case_number": f"（2026）{COURT}民初{n}号",
        "respondents": [{"kind": "person", "name": f"被执行人{n}", "id_number": resident_id(800 + n)}],
        "terms": {"amount": "100000.00", "guarantor_liability": "none", "interest_formula": "按LPR计算"},
        "questions": ["被执行人名下是否有可供执行的存款？"],
        "property_leads": [],
        "urgent": False,
    }


async def test_an_arrangement_loaded_through_one_replica_moves_the_deadlines_of_the_other_and_reaches_every_service(
    service_processes: StartServices, new_database: Callable[[], Awaitable[str]], keys_dir: Path
) -> None:
    shared_database = await new_database()
    databases = {"enforcement-inquiry": shared_database}
    first = (await service_processes("enforcement-inquiry", databases=databases, CALENDAR_REFRESH_SECONDS="1"))[
        "enforcement-inquiry"
    ]
    second = (await service_processes("enforcement-inquiry", databases=databases, CALENDAR_REFRESH_SECONDS="1"))[
        "enforcement-inquiry"
    ]
    advice = (await service_processes("judicial-advice", CALENDAR_REFRESH_SECONDS="1"))["judicial-advice"]
    judge = bearer(keys_dir, Role.TRIAL_JUDGE, COURT)
    admin = bearer(keys_dir, Role.COURT_ADMIN, COURT, "calendar-admin")

    async with httpx.AsyncClient(timeout=30) as http:
        before = await http.post(f"{second.url}/inquiries", json=inquiry(1), headers=judge)
        assert before.status_code == 201, before.text
        last_day = date.fromisoformat(before.json()["ends_on"]["due_at"])

        # The administrator declares that very day a holiday (as a State Council notice may, e.g. a bridging day).
        calendar = (await http.get(f"{first.url}/calendar/years", headers=admin)).json()
        year = next(y for y in calendar["years"] if y["year"] == last_day.year)
        holidays = sorted({*year["holidays"], last_day.isoformat()})
        working_days = [d for d in year["working_days"] if d != last_day.isoformat()]
        refused = await http.put(
            f"{first.url}/calendar/years/{last_day.year}",
            json={"holidays": [], "working_days": [], "notice": "x"},
            headers=admin,
        )
        assert refused.status_code == 422
        assert (
            await http.put(
                f"{first.url}/calendar/years/{last_day.year}",
                json={"holidays": holidays, "working_days": working_days, "notice": "国办发明电（测试）"},
                headers=judge,
            )
        ).status_code == 403
        loaded = await http.put(
            f"{first.url}/calendar/years/{last_day.year}",
            json={"holidays": holidays, "working_days": working_days, "notice": "国办发明电（测试）"},
            headers=admin,
        )
        assert loaded.status_code == 200, loaded.text
        assert (loaded.json()["source"], loaded.json()["official"]) == ("loaded", True)

        # The other replica: the same inquiry sent now ends on the next working day after the new holiday.
        attempts = iter(range(2, 1000))

        async def moved_on_the_other_replica() -> bool:
            after = await http.post(f"{second.url}/inquiries", json=inquiry(next(attempts)), headers=judge)
            assert after.status_code == 201, after.text
            return date.fromisoformat(after.json()["ends_on"]["due_at"]) > last_day

        await eventually(moved_on_the_other_replica, what="the other replica counting on the loaded arrangement")

        # Another service with its own database keeps it too (through the platform.calendar event).
        async def known_to_judicial_advice() -> bool:
            years = (await http.get(f"{advice.url}/calendar/years", headers=judge)).json()["years"]
            return any(y["year"] == last_day.year and y["source"] == "loaded" for y in years)

        await eventually(known_to_judicial_advice, what="judicial-advice keeping the arrangement")
        metrics = (await http.get(f"{second.url}/metrics")).text
        assert f'courtlink_calendar_year_official{{year="{last_day.year}"}} 1.0' in metrics
