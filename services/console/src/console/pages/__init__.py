"""The console's pages, one module per area; each reads and writes through the services' APIs only."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException
from starlette.datastructures import FormData

from console.backend import ServiceDown, ServiceProblem


@dataclass
class Part:
    """One part of a page and what it shows: the service's data, or why that service cannot show it now."""

    data: Any = None
    down: str | None = None


async def part(call: Awaitable[Any]) -> Part:
    """Await a service call for one part of a page; a service that is down leaves a message in its place."""
    try:
        return Part(data=await call)
    except ServiceDown as exc:
        return Part(down=exc.message_zh)


async def found(call: Awaitable[Any]) -> Any:
    """The service's answer; a 404 (another organisation's object, or none) or a malformed id is this page's 404."""
    try:
        return await call
    except ServiceProblem as problem:
        if problem.status in (404, 422):
            raise HTTPException(status_code=404) from problem
        raise


def blanks_named(errors: dict[str, str], form: FormData, labels: dict[str, str]) -> dict[str, str]:
    """The service's field errors, where a required field was left blank saying so in the form's words
    (`请填写驳回理由`) rather than as the service's bound (`内容过短（至少 1 个字符）`)."""
    named = {}
    for name, message in errors.items():
        value = form.get(name)
        blank = not (value.strip() if isinstance(value, str) else value)
        named[name] = f"请填写{labels[name]}" if name in labels and blank else message
    return named


def text(form: FormData, name: str) -> str:
    """A form field's text, trimmed; empty when absent (or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
