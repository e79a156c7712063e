"""The topics of ARCHITECTURE.md: one per aggregate stream, each with a dead-letter twin `<topic>.dlq`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """A logical topic; `physical(prefix)` gives the Kafka name (tests isolate themselves with a prefix)."""

    name: str
    key: str
    description: str
    partitions: int = 6
    producer: str = ""
    """The service that publishes the topic (each topic has one writer)."""

    def physical(self, prefix: str = "") -> str:
        return f"{prefix}{self.name}"

    def dead_letter(self, prefix: str = "") -> str:
        return f"{prefix}{self.name}.dlq"


INTAKE_DISPUTES = Topic("intake.disputes", "dispute id", "Bank disputes from submission to filing.", producer="intake")
MEDIATION_CASES = Topic(
    "mediation.cases",
    "dispute id",
    "Pre-litigation mediation from opening to confirmation.",
    producer="finance-mediation",
)
ENFORCEMENT_INQUIRIES = Topic(
    "enforcement.inquiries",
    "inquiry id",
    "Enforcement feasibility inquiries and advice.",
    producer="enforcement-inquiry",
)
ENFORCEMENT_ASSET_QUERIES = Topic(
    "enforcement.asset-queries",
    "bank code",
    "Consolidated asset queries to one bank, and its answers.",
    producer="enforcement-inquiry",
)
ADVICE_ITEMS = Topic("advice.items", "advice id", "Judicial advice from draft to archive.", producer="judicial-advice")

TOPICS: tuple[Topic, ...] = (
    INTAKE_DISPUTES,
    MEDIATION_CASES,
    ENFORCEMENT_INQUIRIES,
    ENFORCEMENT_ASSET_QUERIES,
    ADVICE_ITEMS,
)
