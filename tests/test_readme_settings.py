"""The README documents every setting a service reads, its own and the platform's."""

from __future__ import annotations

from pathlib import Path

import pytest
from console.settings import ConsoleSettings
from enforcement_inquiry.settings import Settings as EnforcementSettings
from finance_mediation.settings import Settings as MediationSettings
from intake.settings import Settings as IntakeSettings
from judicial_advice.settings import Settings as AdviceSettings
from pydantic_settings import BaseSettings

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize(
    "settings", [IntakeSettings, MediationSettings, EnforcementSettings, AdviceSettings, ConsoleSettings]
)
def test_every_setting_of_every_service_is_in_the_readme_configuration_table(settings: type[BaseSettings]) -> None:
    text = README.read_text()
    missing = [name.upper() for name in settings.model_fields if f"| `{name.upper()}`" not in text]
    assert not missing, f"settings missing from the README: {missing}"


@pytest.mark.parametrize("settings", [IntakeSettings, MediationSettings, EnforcementSettings, AdviceSettings])
def test_a_setting_a_service_cannot_start_without_is_documented_as_required(settings: type[BaseSettings]) -> None:
    rows = {
        line.split("|")[1].strip(): line.split("|")[2].strip()
        for line in README.read_text().splitlines()
        if line.startswith("|")  # table rows only: prose and code may hold a lone "|"
    }
    required = [name.upper() for name, field in settings.model_fields.items() if field.is_required()]
    wrong = [
        name for name in required if not any(k.startswith(f"`{name}`") and v == "required" for k, v in rows.items())
    ]
    assert not wrong, f"required settings not marked 'required' in the README: {wrong}"
