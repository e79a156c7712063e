"""Per-request and per-event context (correlation id, trace parent) carried through logs and events."""

from __future__ import annotations

from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)
traceparent: ContextVar[str | None] = ContextVar("traceparent", default=None)
