"""Which partition a keyed event goes to: the Java client's default (murmur2 of the key), computed faster.

Every producer of a topic must put a key on the same partition, or one dispute's events could be read out of
order; so this is exactly the hash of Kafka's `Utils.murmur2` (as aiokafka's `DefaultPartitioner` computes it),
read four bytes at a time instead of byte by byte, and remembered for the keys seen last: a dispute's events
follow one another within milliseconds.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Sequence
from functools import lru_cache

_SEED = 0x9747B28C
_M = 0x5BD1E995
_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """MurmurHash2 of the bytes, as Kafka's Java client computes it (org.apache.kafka.common.utils.Utils)."""
    length = len(data)
    h = _SEED ^ length
    whole = length - length % 4
    for k in struct.unpack_from(f"<{whole // 4}I", data):
        k = (k * _M) & _MASK
        k ^= k >> 24
        h = ((h * _M) & _MASK) ^ ((k * _M) & _MASK)
    tail = data[whole:]
    if tail:
        if len(tail) == 3:
            h ^= tail[2] << 16
        if len(tail) >= 2:
            h ^= tail[1] << 8
        h = ((h ^ tail[0]) * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    return h ^ (h >> 15)


@lru_cache(maxsize=16_384)
def _positive_hash(key: bytes) -> int:
    return murmur2(key) & 0x7FFFFFFF


def key_partition(key: bytes | None, all_partitions: Sequence[int], available: Sequence[int]) -> int:
    """The partition of a key (aiokafka's partitioner interface): murmur2 like the Java client; a record without
    a key goes to any available partition."""
    if key is None:
        return random.choice(list(available) or list(all_partitions))
    return all_partitions[_positive_hash(key) % len(all_partitions)]
