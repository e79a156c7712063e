"""The topics of ARCHITECTURE.md: one per aggregate stream, each with a dead-letter twin `<topic>.dlq`.

This is the one declaration of partitions and replication: the services create their topics from it
(`messaging.kafka.ensure_topics`), the local three-broker cluster and the tests read it, and the Strimzi `KafkaTopic`
manifests in deploy/kubernetes are generated from it (`python -m courtlink_shared.infra.kafka_topics`; a test fails
when they drift).
"""

from __future__ import annotations

from dataclasses import dataclass

# Three copies and two in sync: with the producers' acks=all a write survives the loss of any one broker, and every
# topic still accepts writes while one broker is down (an upgrade, a crash). The local cluster uses these too.
REPLICATION_FACTOR = 3
MIN_INSYNC_REPLICAS = 2


@dataclass(frozen=True)
class Topic:
    """A logical topic; `physical(prefix)` gives the Kafka name (tests isolate themselves with a prefix)."""

    name: str
    key: str
    description: str
    partitions: int = 6
    producers: tuple[str, ...] = ()
    """The services that publish the topic (an aggregate stream has one writer; the calendar has every service)."""
    replication_factor: int = REPLICATION_FACTOR
    min_insync_replicas: int = MIN_INSYNC_REPLICAS

    def physical(self, prefix: str = "") -> str:
        return f"{prefix}{self.name}"

    def dead_letter(self, prefix: str = "") -> str:
        return f"{prefix}{self.name}.dlq"

    def replication_on(self, brokers: int) -> tuple[int, int]:
        """(replication factor, min.insync.replicas) on a cluster of `brokers`: the declared values, capped so
        that a single development broker can hold the topic."""
        replicas = max(1, min(self.replication_factor, brokers))
        return replicas, max(1, min(self.min_insync_replicas, replicas))


INTAKE_DISPUTES = Topic(
    "intake.disputes", "dispute id", "Bank disputes from submission to filing.", producers=("intake",)
)
MEDIATION_CASES = Topic(
    "mediation.cases",
    "dispute id",
    "Pre-litigation mediation from opening to confirmation.",
    producers=("finance-mediation",),
)
ENFORCEMENT_INQUIRIES = Topic(
    "enforcement.inquiries",
    "inquiry id",
    "Enforcement feasibility inquiries and advice.",
    producers=("enforcement-inquiry",),
)
ENFORCEMENT_ASSET_QUERIES = Topic(
    "enforcement.asset-queries",
    "bank code",
    "Consolidated asset queries to one bank, and its answers.",
    producers=("enforcement-inquiry",),
)
ADVICE_ITEMS = Topic(
    "advice.items", "advice id", "Judicial advice from draft to archive.", producers=("judicial-advice",)
)
# One partition: a handful of events a year, read by every service from the beginning. Every service may
# publish a year's arrangement loaded through it, so the topic has no single writer.
PLATFORM_CALENDAR = Topic(
    "platform.calendar",
    "year",
    "The official calendar: each year's holiday arrangement as loaded.",
    partitions=1,
    producers=("intake", "finance-mediation", "enforcement-inquiry", "judicial-advice"),
)

TOPICS: tuple[Topic, ...] = (
    INTAKE_DISPUTES,
    MEDIATION_CASES,
    ENFORCEMENT_INQUIRIES,
    ENFORCEMENT_ASSET_QUERIES,
    ADVICE_ITEMS,
    PLATFORM_CALENDAR,
)
