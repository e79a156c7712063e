"""Batch submission: a batch is stored whole when it arrives (nothing accepted is lost), then processed row by
row in chunks by a background worker, so that a batch of 10,000 never blocks other users. A restart resumes
where the last committed chunk ended; sending the same batch again returns the first one."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from courtlink_shared.auth.principal import Principal
from courtlink_shared.db.bulk_insert import insert_rows
from courtlink_shared.db.engine import is_postgres
from courtlink_shared.errors import Conflict, field_errors
from courtlink_shared.events.common import Actor
from courtlink_shared.runtime import ServiceRuntime
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from intake.models import Batch, BatchInput, BatchRow
from intake.queries import batch_inputs
from intake.schemas import DisputeIn
from intake.service import accept_disputes, claimant_errors

log = logging.getLogger(__name__)
CHUNK_ROWS = 500


def batch_fingerprint(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


async def create_batch(
    session: AsyncSession, *, principal: Principal, rows: list[dict[str, Any]], source: str, now: datetime
) -> Batch:
    """Store a batch with its rows (or return the same batch sent before by this bank). The caller commits."""
    fingerprint = batch_fingerprint(rows)
    existing = (
        await session.execute(
            select(Batch).where(Batch.bank_code == principal.organisation, Batch.fingerprint == fingerprint)
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    batch = Batch(
        id=str(uuid.uuid4()),
        bank_code=principal.organisation,
        submitted_by=principal.subject,
        source=source,
        fingerprint=fingerprint,
        total_rows=len(rows),
        processed_rows=0,
        accepted=0,
        existing=0,
        probable_duplicates=0,
        rejected=0,
        status="processing",
        created_at=now,
    )
    session.add(batch)
    await session.flush()
    await insert_rows(
        session, BatchInput, [{"batch_id": batch.id, "position": i, "data": row} for i, row in enumerate(rows)]
    )
    return batch


async def store_batch(
    session: AsyncSession, *, principal: Principal, rows: list[dict[str, Any]], source: str, now: datetime
) -> Batch:
    """Store and commit the batch, or return the same batch sent before by this bank.

    Identical batches sent at the same moment all find no batch yet and race for the unique fingerprint: the
    losers roll back and, on the next round, read the winner's batch (committed before their insert failed)."""
    for _attempt in range(3):
        try:
            batch = await create_batch(session, principal=principal, rows=rows, source=source, now=now)
            await session.commit()
            return batch
        except IntegrityError:
            await session.rollback()
    raise Conflict("the same batch is being submitted concurrently; retry")


def first_row_number(batch: Batch) -> int:
    """How the bank numbers its rows: CSV lines count the header (data starts on line 2), JSON items from 1."""
    return 2 if batch.source == "csv" else 1


def _validate(row: dict[str, Any], bank_code: str) -> tuple[DisputeIn | None, list[dict[str, Any]]]:
    try:
        item = DisputeIn.model_validate(row)
    except ValidationError as exc:
        return None, field_errors(exc.errors())
    errors = claimant_errors(item, bank_code)
    return (None, errors) if errors else (item, [])


async def _validate_all(
    rows: list[dict[str, Any]], bank_code: str
) -> list[tuple[DisputeIn | None, list[dict[str, Any]]]]:
    """Every row validated, letting other requests in every VALIDATE_SLICE rows: a progress bar's read or a
    single submission does not wait for a whole chunk's validation."""
    validated = []
    for start in range(0, len(rows), VALIDATE_SLICE):
        validated += [_validate(row, bank_code) for row in rows[start : start + VALIDATE_SLICE]]
        await asyncio.sleep(0)
    return validated


@dataclass(frozen=True)
class _Chunk:
    """Stored rows of a batch from `start`, each with its validated dispute or its errors."""

    start: int
    rows: list[dict[str, Any]]
    validated: list[tuple[DisputeIn | None, list[dict[str, Any]]]]


VALIDATE_SLICE = 50
RESCAN_SECONDS = 1.0  # how soon a batch stored by another process (BACKGROUND_WORK=worker) is taken up
CONCURRENT_BATCHES = 2
UPLOADS_AT_ONCE = 2

# Which of the batch's counters a row's outcome adds to.
COUNTER_OF_OUTCOME = {
    "accepted": "accepted",
    "existing": "existing",
    "probable_duplicate": "probable_duplicates",
    "rejected": "rejected",
}


class BatchProcessor:
    """Processes stored batches in the background, one chunk per transaction."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        # Uploads read, parsed and stored at once: each holds its whole batch in memory meanwhile (tens of MB for
        # 10,000 rows), so more banks uploading together wait their turn instead of growing the process.
        self.uploads = asyncio.Semaphore(UPLOADS_AT_ONCE)
        self.running = False

    def submit(self, batch_id: str) -> None:
        """Process this batch soon (safe to call for a batch already done or in progress): at once when the batch
        worker runs in this process, else the worker process finds it within RESCAN_SECONDS."""
        if self.running:
            self._queue.put_nowait(batch_id)

    async def run(self, stop: asyncio.Event) -> None:
        """Resume unfinished batches, then take new ones until stop is set, CONCURRENT_BATCHES at a time (while one
        batch's chunk waits for the database, another's rows are validated). While idle, look for unfinished
        batches again every RESCAN_SECONDS: a batch stored by an HTTP process without the worker is taken up, and
        one whose replica died is finished by another (a chunk is taken under a lock with SKIP LOCKED, so two
        workers never take the same chunk)."""
        self.running = True
        await self._resume_unfinished()
        # SQLite has one writer: a second batch transaction would only wait for (or fail to upgrade past) the first
        concurrent = CONCURRENT_BATCHES if is_postgres(self._runtime.engine) else 1
        await asyncio.gather(*(self._take_batches(stop) for _ in range(concurrent)))

    async def _take_batches(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            getter = asyncio.ensure_future(self._queue.get())
            stopper = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait([getter, stopper], timeout=RESCAN_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if getter not in done:
                getter.cancel()
                if stop.is_set():
                    return
                await self._resume_unfinished()
                continue
            batch_id = getter.result()
            try:
                await self.process(batch_id, stop)
            except Exception:
                log.exception("batch %s failed; it resumes at the next start", batch_id)

    async def _resume_unfinished(self) -> None:
        async with self._runtime.session_factory() as session:
            unfinished = (await session.execute(select(Batch.id).where(Batch.status == "processing"))).scalars()
            for batch_id in unfinished:
                self.submit(batch_id)

    async def process(self, batch_id: str, stop: asyncio.Event | None = None) -> None:
        """Process the batch chunk by chunk until done (or until stop). The next chunk is read and validated while
        the current one is written, so that the CPU work of one overlaps the other's waits for the database."""
        ahead: asyncio.Task[_Chunk] | None = None
        try:
            while stop is None or not stop.is_set():
                more, ahead = await self._process_chunk(batch_id, ahead)
                if not more:
                    return
                await asyncio.sleep(0)  # let requests of other users in between chunks
        finally:
            if ahead is not None:
                ahead.cancel()
                await asyncio.gather(ahead, return_exceptions=True)

    async def _read_chunk(self, batch_id: str, bank_code: str, start: int) -> _Chunk:
        """Rows from `start`, read in a session of their own and validated (stored rows never change)."""
        async with self._runtime.session_factory() as session:
            rows = await batch_inputs(session, batch_id, start=start, count=CHUNK_ROWS)
        return _Chunk(start, rows, await _validate_all(rows, bank_code))

    async def _process_chunk(
        self, batch_id: str, ahead: asyncio.Task[_Chunk] | None
    ) -> tuple[bool, asyncio.Task[_Chunk] | None]:
        """One chunk in one transaction: whether rows are left, and the next chunk, being read meanwhile. `ahead`
        is the chunk read during the last one; it is used only if it starts where this chunk starts (another
        replica may have taken chunks in between)."""
        runtime = self._runtime
        following: asyncio.Task[_Chunk] | None = None
        try:
            async with runtime.session_factory() as session, session.begin():
                query = select(Batch).where(Batch.id == batch_id, Batch.status == "processing")
                if runtime.engine.dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True)  # another replica is on it
                batch = (await session.execute(query)).scalar_one_or_none()
                if batch is None:
                    return False, ahead
                start = batch.processed_rows
                chunk = await _finished(ahead)
                if chunk is None or chunk.start != start:
                    chunk = await self._read_chunk(batch.id, batch.bank_code, start)
                following = self._read_ahead(batch, start + len(chunk.rows))
                more = await self._write_chunk(session, batch, chunk)
        except BaseException:
            if following is not None:
                following.cancel()
            raise
        return more, following

    def _read_ahead(self, batch: Batch, start: int) -> asyncio.Task[_Chunk] | None:
        """The chunk from `start` read and validated in the background, if rows are left. PostgreSQL only: SQLite
        has one writer, the batch, so there is no wait to fill, and its in-memory database is one connection that
        two sessions cannot use at once."""
        if start >= batch.total_rows or not is_postgres(self._runtime.engine):
            return None
        return asyncio.create_task(self._read_chunk(batch.id, batch.bank_code, start))

    async def _write_chunk(self, session: AsyncSession, batch: Batch, chunk: _Chunk) -> bool:
        """Accept the chunk's valid rows, report every row, advance the batch; whether rows are left."""
        runtime = self._runtime
        rows, validated, start = chunk.rows, chunk.validated, chunk.start
        now = runtime.clock.now()
        items = [item for item, _ in validated if item is not None]
        outcomes = iter(
            await accept_disputes(
                session, outbox=runtime.outbox, now=now, actor=uploader_of(batch), items=items, batch_id=batch.id
            )
            if items
            else []
        )
        report: list[dict[str, Any]] = []
        for offset, (row, (item, errors)) in enumerate(zip(rows, validated, strict=True)):
            accepted = next(outcomes) if item is not None else None
            kind = accepted.outcome if accepted else "rejected"
            report.append(
                {
                    "batch_id": batch.id,
                    "row_number": first_row_number(batch) + start + offset,
                    "bank_reference": str(row.get("bank_reference") or "")[:64] or None,
                    "outcome": kind,
                    "dispute_id": accepted.dispute_id if accepted else None,
                    "errors": accepted.errors if accepted else errors,
                }
            )
            counter = COUNTER_OF_OUTCOME[kind]
            setattr(batch, counter, getattr(batch, counter) + 1)
        await insert_rows(session, BatchRow, report)
        batch.processed_rows = start + len(rows)
        if batch.processed_rows >= batch.total_rows:
            batch.status = "completed"
            batch.completed_at = now
        return batch.status == "processing"


async def _finished(ahead: asyncio.Task[_Chunk] | None) -> _Chunk | None:
    """The chunk read ahead, or None when there is none or its read failed (the chunk is then read again, in the
    chunk's own transaction, where a lasting failure fails the chunk as it always did)."""
    if ahead is None:
        return None
    try:
        return await ahead
    except Exception:
        log.warning("reading a batch's next chunk ahead failed; reading it again", exc_info=True)
        return None


def uploader_of(batch: Batch) -> Actor:
    """The actor recorded for a batch's disputes: the bank operator who uploaded it."""
    return Actor(subject=batch.submitted_by, organisation=batch.bank_code, role="bank_operator")
