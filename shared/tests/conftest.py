"""Fixtures for the platform library's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from courtlink_shared.auth.dev_tokens import generate_key_pair


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh development key pair for the session."""
    directory = tmp_path_factory.mktemp("keys")
    generate_key_pair(directory)
    return directory
