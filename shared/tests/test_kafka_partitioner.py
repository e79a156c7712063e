"""The producers' partitioner: a key goes where the Java client (and aiokafka's default) would put it."""

from __future__ import annotations

import pytest
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from courtlink_shared.messaging.partitioner import key_partition, murmur2
from hypothesis import given
from hypothesis import strategies as st

THOUSAND = list(range(1000))


@pytest.mark.parametrize(
    ("key", "partition"),
    # What Kafka's Java producer chooses among 1,000 partitions (the compatibility values of kafka-python's tests)
    [(b"", 681), (b"a", 524), (b"ab", 434), (b"abc", 107), (b"123456789", 566), (b"\x00 ", 742)],
)
def test_keys_go_to_the_partition_the_java_client_chooses(key: bytes, partition: int) -> None:
    assert key_partition(key, THOUSAND, THOUSAND) == partition


@given(st.binary(max_size=200))
def test_the_hash_is_murmur2_for_any_key(key: bytes) -> None:
    assert murmur2(key) == aiokafka_murmur2(key)


@given(st.binary(max_size=64), st.integers(min_value=1, max_value=64))
def test_the_partition_is_aiokafkas_for_any_key_and_partition_count(key: bytes, count: int) -> None:
    partitions = list(range(count))
    assert key_partition(key, partitions, partitions) == DefaultPartitioner()(key, partitions, partitions)


def test_a_record_without_key_goes_to_an_available_partition() -> None:
    assert {key_partition(None, [0, 1, 2, 3], [2]) for _ in range(20)} == {2}
    assert key_partition(None, [0, 1, 2, 3], []) in {0, 1, 2, 3}
