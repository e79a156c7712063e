"""Fuzzing: schemathesis generates requests from each service's OpenAPI document and sends them, with a valid
token of a role the endpoint admits, to the service running as a real process on real Kafka and PostgreSQL.
No answer may be a 5xx, and every answer must match the document: status code, media type and body schema.

CI runs a fixed sequence of examples (derandomized) so that its verdict is reproducible; FUZZ_EXPLORE=1 draws new
random examples, FUZZ_EXAMPLES=n sets how many per operation, for hunting locally."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from access_rules import ORGANISATIONS, PUBLIC, RULES
from courtlink_shared.infra.service_processes import SERVICES
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import APIOperation
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from system_fixtures import StartServices, bearer

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "25"))
EXPLORE = os.environ.get("FUZZ_EXPLORE", "") not in ("", "0")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _fuzz(base_url: str, service: str, keys_dir: Path) -> list[str]:
    spec = httpx.get(f"{base_url}/openapi.json").json()
    failures = []
    for result in schemathesis.openapi.from_dict(spec).get_all_operations():
        if isinstance(result, Err):
            failures.append(f"unreadable operation in the OpenAPI document: {result.err()}")
            continue
        operation = result.ok()
        rule = RULES[service][f"{operation.method.upper()} {operation.path}"]
        headers = {}
        if rule is not PUBLIC:
            role = sorted(rule)[0]
            headers = bearer(keys_dir, role, ORGANISATIONS[role][0], f"{role.value}-fuzz")
        failure = _fuzz_operation(operation, base_url, headers)
        if failure:
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    return failures


def _fuzz_operation(operation: APIOperation[Any, Any, Any, Any], base_url: str, headers: dict[str, str]) -> str | None:
    """The first failure hypothesis finds (shrunk), or None."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=not EXPLORE,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    try:
        run()
    except Exception as exc:
        return str(exc)[:1500]
    return None


@pytest.mark.parametrize("service", SERVICES)
async def test_fuzzed_requests_get_no_server_error_and_answers_that_match_the_schema(
    service: str, service_processes: StartServices, keys_dir: Path
) -> None:
    processes = await service_processes(service)
    failures = await asyncio.to_thread(_fuzz, processes[service].url, service, keys_dir)
    assert failures == [], "\n\n".join(failures)
