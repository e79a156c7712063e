"""Finding real Kafka and PostgreSQL for a test session: from the environment, else local processes,
else testcontainers when a Docker engine answers. Never an in-memory fake."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from courtlink_shared.infra import kafka_local, keycloak_local, postgres_local
from courtlink_shared.infra.processes import InfraError


@dataclass(frozen=True)
class Infrastructure:
    """Where the test session's broker and database server are, and whether we started them."""

    kafka_bootstrap_servers: str
    postgres_server_url: str
    kafka_source: str
    postgres_source: str
    kafka_instance: str | None = None


def _docker_answers() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    result = subprocess.run([docker, "info"], capture_output=True, check=False, timeout=20)
    return result.returncode == 0


@contextlib.contextmanager
def _kafka() -> Iterator[tuple[str, str, str | None]]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"], "environment", None
        return
    try:
        name, instance = _start_local_kafka()
    except InfraError as local_error:
        if not _docker_answers():
            raise
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as container:
            yield container.get_bootstrap_server(), f"testcontainers (local failed: {local_error})", None
        return
    try:
        yield instance.bootstrap_servers, "local process", name
    finally:
        kafka_local.stop(name, remove_data=True)


def _start_local_kafka(attempts: int = 3) -> tuple[str, kafka_local.KafkaInstance]:
    """A fresh local broker; a start that fails (a port taken between choosing and binding it) is tried again
    with new ports, and the last failure is raised with its log."""
    for attempt in range(1, attempts + 1):
        name = f"test-{uuid.uuid4().hex[:8]}"
        try:
            return name, kafka_local.start(name, fresh=True)
        except InfraError:
            kafka_local.stop(name, remove_data=attempt < attempts)
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def _start_local_postgres(attempts: int = 3) -> tuple[str, postgres_local.PostgresInstance]:
    """A throwaway cluster; a failed start (its port taken meanwhile) is tried again on another port."""
    for attempt in range(1, attempts + 1):
        name = f"test-{uuid.uuid4().hex[:8]}"
        try:
            return name, postgres_local.start(name)
        except InfraError:
            postgres_local.stop(name)
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


@contextlib.contextmanager
def _postgres() -> Iterator[tuple[str, str]]:
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"], "environment"
        return
    try:
        name, instance = _start_local_postgres()
    except InfraError as local_error:
        if not _docker_answers():
            raise
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver="asyncpg") as container:
            yield container.get_connection_url(), f"testcontainers (local failed: {local_error})"
        return
    try:
        yield instance.url(), "local process"
    finally:
        postgres_local.stop(name)


@contextlib.contextmanager
def session_infrastructure() -> Iterator[Infrastructure]:
    """Real Kafka and PostgreSQL for the whole test session; what we started is stopped at the end."""
    with _postgres() as (pg_url, pg_source), _kafka() as (bootstrap, kafka_source, kafka_name):
        yield Infrastructure(bootstrap, pg_url, kafka_source, pg_source, kafka_name)


@contextlib.contextmanager
def session_keycloak(attempts: int = 2) -> Iterator[keycloak_local.KeycloakInstance]:
    """A fresh local Keycloak for the test session (its start time is logged); stopped and removed at the end.

    A start that fails (a port taken between choosing and binding it) is tried once more on other ports.
    """
    for attempt in range(1, attempts + 1):
        name = f"test-{uuid.uuid4().hex[:8]}"
        try:
            instance = keycloak_local.start(name, fresh=True)
            break
        except InfraError:
            keycloak_local.stop(name, remove_data=attempt < attempts)
            if attempt == attempts:
                raise
    logging.getLogger(__name__).info("Keycloak %s ready in %.1f s", instance.url, instance.start_seconds or 0)
    try:
        yield instance
    finally:
        keycloak_local.stop(name, remove_data=True)
