"""Finding the JDK that runs Keycloak: the newest of version 21 or more among the installed ones, else one
sentence that says what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from courtlink_shared.infra.keycloak_local import find_java_home
from courtlink_shared.infra.processes import InfraError


def jdk(root: Path, name: str, version: str) -> Path:
    home = root / name
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("")
    (home / "release").write_text(f'IMPLEMENTOR="x"\nJAVA_VERSION="{version}"\n')
    return home


@pytest.fixture(autouse=True)
def no_java_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("KEYCLOAK_JAVA_HOME", raising=False)


def test_the_newest_jdk_of_21_or_more_is_chosen_beside_the_default_17(tmp_path: Path) -> None:
    jdk(tmp_path, "java-17-openjdk-amd64", "17.0.16")
    jdk(tmp_path, "temurin-21-jdk-amd64", "21.0.8")
    newest = jdk(tmp_path, "temurin-25-jdk-amd64", "25.0.1")
    (tmp_path / "not-a-jdk").mkdir()
    assert find_java_home(tmp_path) == newest


def test_keycloak_java_home_wins_when_it_is_new_enough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jdk(tmp_path, "temurin-25-jdk-amd64", "25.0.1")
    chosen = jdk(tmp_path / "elsewhere", "jdk-21", "21.0.2")
    monkeypatch.setenv("KEYCLOAK_JAVA_HOME", str(chosen))
    assert find_java_home(tmp_path) == chosen


def test_without_java_21_the_error_says_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(jdk(tmp_path, "java-17-openjdk-amd64", "17.0.16")))
    with pytest.raises(InfraError) as missing:
        find_java_home(tmp_path)
    assert str(missing.value) == (
        "Keycloak needs Java 21 or newer and no such JDK is in $KEYCLOAK_JAVA_HOME, $JAVA_HOME or "
        f"{tmp_path}: install one (for example Temurin 21 or 25) or point KEYCLOAK_JAVA_HOME at it."
    )
