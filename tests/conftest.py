"""Fixtures for cross-service tests: several services side by side on one broker, each with its own database."""

from __future__ import annotations

from pathlib import Path

import pytest
from courtlink_shared.auth.dev_tokens import generate_key_pair


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    generate_key_pair(directory)
    return directory
