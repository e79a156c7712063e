"""Each court's place abbreviation for its advice numbers is configured, never guessed.

Legal source: SPC provisions on comprehensive-governance judicial advice (最高人民法院关于综合治理类司法建议工作若干问题
的规定, in force 2023-11-16): advice is issued in the court's own name and numbered `{place}法建〔{year}〕{n}号`, n
running per court and year. A default such as the province's character would give two courts of one province the
same number, so a court without a configured place is a start-up error, and a court unknown to the configuration
cannot draft advice.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from advice_fixtures import COURT, Api, advice_body
from courtlink_shared.auth.principal import Role
from judicial_advice.rules import advice_number, court_places_faults, place_of
from judicial_advice.settings import Settings
from pydantic import ValidationError


@pytest.fixture
def no_court_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COURT_PLACES", raising=False)
    monkeypatch.delenv("COURT_NAMES", raising=False)


class TestConfiguration:
    def test_without_court_places_the_settings_say_which_variable_is_missing(self, no_court_settings: None) -> None:
        with pytest.raises(ValidationError, match="COURT_PLACES is required"):
            Settings()

    def test_a_named_court_without_a_place_is_refused(self, no_court_settings: None) -> None:
        with pytest.raises(ValidationError, match=r"court 吉7102 \(in COURT_NAMES\) has no place abbreviation"):
            Settings(court_places={COURT: "长铁"}, court_names={"吉7102": "吉林铁路运输法院"})

    def test_two_courts_sharing_a_place_are_refused(self, no_court_settings: None) -> None:
        with pytest.raises(ValidationError, match="courts 吉7101, 吉7102 share the place abbreviation 长铁"):
            Settings(court_places={COURT: "长铁", "吉7102": "长铁"})

    @pytest.mark.parametrize("places", [{"长春": "长铁"}, {"吉7101": ""}, {"吉7101": "一二三四五六七八九"}])
    def test_a_malformed_court_or_place_is_refused(self, no_court_settings: None, places: dict[str, str]) -> None:
        with pytest.raises(ValidationError):
            Settings(court_places=places)

    def test_each_court_gets_its_own_place(self, no_court_settings: None) -> None:
        settings = Settings(court_places={COURT: "长铁", "吉7102": "吉铁"}, court_names={COURT: "长春铁路运输法院"})
        assert place_of(settings.court_places, COURT) == "长铁"
        assert place_of(settings.court_places, "吉7102") == "吉铁"
        assert place_of(settings.court_places, "吉7103") is None  # never the province's character 吉
        assert court_places_faults(settings.court_places, settings.court_names) == []

    def test_the_service_process_does_not_start_and_says_why(self, tmp_path: Path) -> None:
        env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"}
        command = [sys.executable, "-m", "uvicorn", "--factory", "judicial_advice.app:create_app", "--port", "0"]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode != 0
        assert "COURT_PLACES is required" in result.stderr


@pytest.mark.parametrize(("place", "n"), [("长铁", 0), ("长铁", -3), ("", 1)])
def test_the_number_formatter_refuses_a_sequence_below_one_or_no_place(place: str, n: int) -> None:
    with pytest.raises(ValueError, match="sequence number from 1"):
        advice_number(place, 2026, n)


async def test_a_court_without_a_place_cannot_draft_advice(api: Api) -> None:
    response = await api.client.post("/advices", json=advice_body(), headers=api.as_(Role.ADVICE_MANAGER, "吉7103"))
    assert response.status_code == 403, response.text
    assert "吉7103 has no place abbreviation" in response.json()["detail"]
    listed = await api.client.get("/advices", headers=api.as_(Role.ADVICE_MANAGER, "吉7103"))
    assert listed.json() == []
