"""Settings every service shares, read from environment variables (pydantic-settings).

A service subclasses ServiceSettings to add its own; every field is documented in the README's table.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from courtlink_shared.inputs import CourtCode


class ServiceSettings(BaseSettings):
    """Platform settings of one service process."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = Field(default="courtlink", description="Name in events' `source`, logs and metrics.")
    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/courtlink.db",
        description="SQLAlchemy async URL of this service's own database.",
    )
    kafka_bootstrap_servers: str = Field(default="127.0.0.1:9092", description="Kafka brokers, comma separated.")
    kafka_topic_prefix: str = Field(default="", description="Prefix for every topic name (isolates tests).")
    kafka_timeout_seconds: float = Field(default=10.0, description="Upper bound of every await on the broker.")
    auth_jwks_file: str | None = Field(default=None, description="Path of the JSON Web Key Set that verifies tokens.")
    auth_jwks: str | None = Field(default=None, description="The JSON Web Key Set itself, instead of a file.")
    auth_issuer: str = Field(
        default="courtlink-dev",
        description="Expected `iss` claim; an http(s) URL without a key set configured: trust its JWKS (discovery).",
    )
    auth_jwks_url: str | None = Field(
        default=None, description="JWKS URL of the identity provider (fetched, cached, refetched for a new key id)."
    )
    auth_jwks_refetch_seconds: float = Field(
        default=10.0, description="Least time between two fetches of the provider's key set for unknown key ids."
    )
    auth_audience: str = Field(default="courtlink", description="Expected `aud` claim.")
    auth_max_token_lifetime_seconds: float = Field(
        default=12 * 3600,
        gt=0,
        description="Tokens that live longer (exp − iat) are refused, even when validly signed.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, gt=0, description="Largest request body of any route (413 beyond it) unless a route says."
    )
    max_requests_in_flight: int = Field(
        default=100, gt=0, description="Requests one process serves at once; more wait (see the next setting)."
    )
    max_request_wait_seconds: float = Field(
        default=0.5, ge=0, description="How long a request waits for a free slot before it is answered 503 busy."
    )
    database_pool_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long a request waits for a pooled database connection (then 503 busy)."
    )
    background_work: Literal["here", "worker"] = Field(
        default="here",
        description=(
            "Where the relay, consumers, deadline sweeps and background workers run: `here`, in the HTTP process; "
            "`worker`, in `python -m courtlink_shared.worker SERVICE` (then HTTP answers never wait behind them)."
        ),
    )
    worker_health_port: int = Field(
        default=8081,
        gt=0,
        lt=65536,
        description="Port of the worker process's /healthz, /readyz and /metrics (BACKGROUND_WORK=worker).",
    )
    log_level: str = Field(default="INFO", description="Python log level.")
    relay_poll_seconds: float = Field(default=1.0, description="Outbox relay polling fallback when no NOTIFY arrives.")
    relay_batch_size: int = Field(default=500, description="Outbox rows published per round trip.")
    sweep_interval_seconds: float = Field(default=30.0, description="How often deadline sweeps look for due items.")
    consumer_stall_seconds: float = Field(
        default=60.0, description="/readyz fails when a consumer with lag made no progress for this long."
    )
    calendar_refresh_seconds: float = Field(
        default=5.0, description="How often each replica re-reads the holiday arrangements loaded by the court."
    )
    court_names: dict[CourtCode, str] = Field(
        default_factory=dict,
        description='Court codes to the names printed on documents, as JSON: {"吉7101": "…人民法院"}.',
    )

    def court_name(self, court_code: str) -> str:
        """The name a court signs its documents with; its code (what case numbers carry) when none is configured."""
        return self.court_names.get(court_code) or f"人民法院（{court_code}）"
