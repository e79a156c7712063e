"""How Python's cyclic garbage collector runs in a service process once it has started.

CPython's defaults suit short scripts: a young collection every 700 allocations (net of frees), and a full
collection that walks every object the process holds, including the tens of thousands it made while starting
(modules, SQLAlchemy's mappers and compiled statements, pydantic's validators, FastAPI's routes), none of which
ever becomes garbage. Measured in a 10,000-dispute batch (bench/system.py): the collector took 19 % of intake's
CPU and 13 % of mediation's, and each of intake's 17 full collections held its event loop for ~140 ms (a progress
read waiting behind one is the p99). Service processes therefore:

- freeze what exists once they have started (`gc.freeze`): full collections no longer walk it;
- collect less often: a young collection every YOUNG_EVERY allocations. A request or a chunk allocates thousands
  of objects, most freed by reference counting long before a collection; only the cycles among them wait longer
  (intake's peak memory over 100,000 disputes stayed at 266 MB).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_EVERY = 20_000  # allocations net of frees between young collections (CPython: 700)
MIDDLE_EVERY = 20  # young collections between collections of the middle generation (CPython: 10)
OLD_EVERY = 10  # middle collections between full collections (CPython: 10)


@contextmanager
def settled_garbage_collector() -> Iterator[None]:
    """Within: what the process holds now is frozen and the collector runs at the thresholds above. On leaving,
    the frozen objects are handed back to the collector and the thresholds restored (an app started and stopped
    in a test process leaves it as it was)."""
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_EVERY, MIDDLE_EVERY, OLD_EVERY)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
