"""Single submissions committed in groups (group commit).

Every routed dispute takes the next gap-free mediation number of its court, and the number's row stays locked
until the transaction commits: one transaction per submission would queue every bank's submissions behind one
another, a commit (and its disk flush) apiece. Instead, submissions that arrive while a group is being committed
wait for the next group, and each group is one transaction: one lock, one flush, for all of them. Under a light
load a group is one submission and nothing waits; under a heavy one the groups grow with it.

A group that fails (a concurrent submission elsewhere took a reference first) is tried again one submission at a
time, so that one submission's failure is never another's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from courtlink_shared.errors import Conflict, InvalidInput
from courtlink_shared.events.common import Actor
from courtlink_shared.runtime import ServiceRuntime
from sqlalchemy.exc import IntegrityError

from intake.schemas import DisputeIn
from intake.service import RowOutcome, accept_disputes, claimant_errors

log = logging.getLogger(__name__)

MAX_GROUP = 200  # submissions per transaction at most
ATTEMPTS_ALONE = 3  # a submission alone that loses a race for its unique key is tried again (it then sees the winner)


@dataclass
class _Waiting:
    actor: Actor
    item: DisputeIn
    answer: asyncio.Future[RowOutcome]


async def submit_dispute(groups: SubmissionGroups, *, actor: Actor, item: DisputeIn) -> RowOutcome:
    """One dispute submitted by a bank operator, committed with its group; the claimant must be their bank."""
    errors = claimant_errors(item, actor.organisation)
    if errors:
        raise InvalidInput("the claimant is not your bank", errors=errors)
    return await groups.submit(actor, item)


class SubmissionGroups:
    """The intake worker that commits single submissions in groups; `submit` is what the API awaits."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime
        self._waiting: list[_Waiting] = []
        self._arrived = asyncio.Event()

    async def submit(self, actor: Actor, item: DisputeIn) -> RowOutcome:
        """Accept one validated dispute; returns once it is committed (or raises Conflict / the failure)."""
        answer: asyncio.Future[RowOutcome] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(actor, item, answer))
        self._arrived.set()
        return await answer

    async def run(self, stop: asyncio.Event) -> None:
        """Commit what is waiting, group after group, until stop is set (what waits then is committed first)."""
        while True:
            if not self._waiting:
                if stop.is_set():
                    return
                await _first_of(self._arrived.wait(), stop.wait())
                self._arrived.clear()
                continue
            group, self._waiting = self._waiting[:MAX_GROUP], self._waiting[MAX_GROUP:]
            await self._commit_group(group)

    async def _commit_group(self, group: list[_Waiting]) -> None:
        try:
            outcomes = await self._accept(group)
        except Exception as exc:
            if len(group) == 1:
                await self._commit_alone(group[0], exc)
                return
            log.info("a group of %d submissions failed (%r); committing them one by one", len(group), exc)
            for waiting in group:
                await self._commit_group([waiting])
            return
        for waiting, outcome in zip(group, outcomes, strict=True):
            if not waiting.answer.done():
                waiting.answer.set_result(outcome)

    async def _commit_alone(self, waiting: _Waiting, failure: Exception) -> None:
        for _attempt in range(ATTEMPTS_ALONE - 1):
            if not isinstance(failure, IntegrityError):
                break
            try:
                [outcome] = await self._accept([waiting])
            except Exception as exc:
                failure = exc
                continue
            if not waiting.answer.done():
                waiting.answer.set_result(outcome)
            return
        if isinstance(failure, IntegrityError):
            failure = Conflict("the same dispute is being submitted concurrently; retry")
        if not waiting.answer.done():
            waiting.answer.set_exception(failure)

    async def _accept(self, group: list[_Waiting]) -> list[RowOutcome]:
        """The group in one transaction, each submitter's submissions together (in arrival order)."""
        runtime = self._runtime
        outcomes: dict[int, RowOutcome] = {}

        def by_submitter(i: int) -> tuple[str, str]:
            return group[i].actor.organisation, group[i].actor.subject

        ordered = sorted(range(len(group)), key=by_submitter)
        async with runtime.session_factory() as session:
            now = runtime.clock.now()
            for _submitter, members in groupby(ordered, key=by_submitter):
                indexes = list(members)
                accepted = await accept_disputes(
                    session,
                    outbox=runtime.outbox,
                    now=now,
                    actor=group[indexes[0]].actor,
                    items=[group[i].item for i in indexes],
                )
                outcomes.update(zip(indexes, accepted, strict=True))
            await session.commit()
        return [outcomes[i] for i in range(len(group))]


async def _first_of(*waits: Coroutine[Any, Any, Any]) -> None:
    """Until the first of these finishes; the others are cancelled."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
