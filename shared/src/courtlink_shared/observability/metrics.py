"""Prometheus metrics every service exports on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter("courtlink_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
REQUESTS_REFUSED = Counter(
    "courtlink_requests_refused_total", "Requests answered 503 because the service was busy", ["service", "reason"]
)
HTTP_LATENCY = Histogram("courtlink_http_request_seconds", "HTTP request latency", ["service", "method", "route"])
OUTBOX_BACKLOG = Gauge("courtlink_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "courtlink_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", ["service"]
)
EVENTS_PUBLISHED = Counter("courtlink_events_published_total", "Events published by the outbox relay", ["service"])
EVENTS_HANDLED = Counter("courtlink_events_handled_total", "Events handled by consumers", ["consumer", "outcome"])
DEAD_LETTERS = Counter("courtlink_dead_letters_total", "Events sent to a dead-letter topic", ["consumer", "topic"])
CONSUMER_LAG = Gauge("courtlink_consumer_lag", "Messages behind the high watermark", ["consumer", "topic", "partition"])
DEADLINES_FIRED = Counter("courtlink_deadlines_fired_total", "Deadlines fired by sweeps", ["kind"])
PROVISIONAL_DEADLINES = Counter(
    "courtlink_deadlines_on_provisional_calendar_total",
    "Deadline computations that counted days of a year with no published holiday arrangement (statutory holidays only)",
    ["year"],
)
CALENDAR_YEAR_OFFICIAL = Gauge(
    "courtlink_calendar_year_official",
    "1 when the year's holiday arrangement is known (loaded, in the repository or the library), 0 when only the "
    "statutory holidays are",
    ["year"],
)
