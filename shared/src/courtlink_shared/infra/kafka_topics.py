"""The Strimzi `KafkaTopic` resources of deploy/kubernetes, made from the one declaration in events/topics.py.

`python -m courtlink_shared.infra.kafka_topics > deploy/kubernetes/base/kafka/topics.yaml` after changing a topic;
tests/test_deploy_artefacts.py fails while the file and the declaration differ.
"""

from __future__ import annotations

import json
from typing import Any

from courtlink_shared.events.topics import TOPICS

STRIMZI_CLUSTER = "courtlink"


def strimzi_topics(cluster: str = STRIMZI_CLUSTER) -> list[dict[str, Any]]:
    """A `KafkaTopic` for every topic and its dead-letter twin, with the declared partitions and replication."""
    resources: list[dict[str, Any]] = []
    for topic in TOPICS:
        for name in (topic.physical(), topic.dead_letter()):
            resources.append(
                {
                    "apiVersion": "kafka.strimzi.io/v1",
                    "kind": "KafkaTopic",
                    "metadata": {"name": name.replace(".", "-"), "labels": {"strimzi.io/cluster": cluster}},
                    "spec": {
                        "topicName": name,
                        "partitions": topic.partitions,
                        "replicas": topic.replication_factor,
                        "config": {"min.insync.replicas": topic.min_insync_replicas},
                    },
                }
            )
    return resources


def render() -> str:
    """The topics file as kept in deploy/kubernetes/base/kafka/topics.yaml (JSON documents are YAML too)."""
    lines = ["# Generated from courtlink_shared/events/topics.py: python -m courtlink_shared.infra.kafka_topics"]
    for resource in strimzi_topics():
        lines += ["---", json.dumps(resource, indent=2, ensure_ascii=False)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
