"""The README documents every setting a service reads."""

from __future__ import annotations

from pathlib import Path

from courtlink_shared.settings import ServiceSettings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    text = README.read_text()
    missing = [name.upper() for name in ServiceSettings.model_fields if f"| `{name.upper()}` |" not in text]
    assert not missing, f"settings missing from the README: {missing}"
