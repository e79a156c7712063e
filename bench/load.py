"""An open-loop HTTP load generator lean enough to offer hundreds of requests a second from the same 2-core machine.

httpx's pool rescans every queued request on each state change, so with thousands of requests waiting it spends
more CPU than the service under test and the figures measure the client. This one keeps a fixed pool of keep-alive
HTTP/1.1 connections fed from one queue, with the request bytes built before the clock starts.

Open loop: request n is due at start + n / rate whatever the answers do; its latency counts from when it was due,
so time spent waiting for a free connection counts too (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Answer:
    """What one request got: status, body (JSON when it is JSON), latency from when it was due, and when it left."""

    status: int
    body: Any
    seconds: float
    sent_at: float  # time.time() when it was due


@dataclass
class _Request:
    index: int
    raw: bytes
    due: float


@dataclass
class LoadResult:
    answers: list[Answer | None] = field(default_factory=list)
    failures: int = 0  # no answer at all (connection refused or reset)


def request_bytes(url: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> bytes:
    """One POST with a JSON body, as sent on the wire."""
    host = urlsplit(url).netloc
    payload = json.dumps(body, ensure_ascii=False).encode()
    head = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunks.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(c[:-2] for c in chunks)
    else:
        body = await reader.read()
    return status, body, headers.get("connection", "").lower() == "close"


async def offer(url: str, requests: Sequence[bytes], rate: float, connections: int = 256) -> LoadResult:
    """Send `requests` at `rate` per second (open loop) over at most `connections` keep-alive connections."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    queue: asyncio.Queue[_Request | None] = asyncio.Queue()
    result = LoadResult(answers=[None] * len(requests))
    clock_offset = time.time() - time.perf_counter()

    async def connection() -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while (item := await queue.get()) is not None:
            for attempt in range(2):  # a keep-alive connection the server closed meanwhile is opened again once
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection(host, port)
                    assert reader is not None
                    writer.write(item.raw)
                    status, body, close = await _read_response(reader)
                    break
                except (ConnectionError, asyncio.IncompleteReadError, OSError):
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    if attempt == 1:
                        result.failures += 1
                        status = -1
            if status < 0:
                continue
            try:
                parsed: Any = json.loads(body) if body else None
            except ValueError:
                parsed = body.decode(errors="replace")
            result.answers[item.index] = Answer(status, parsed, time.perf_counter() - item.due, item.due + clock_offset)
            if close and writer is not None:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(connections)]
    start = time.perf_counter() + 0.05
    for index, raw in enumerate(requests):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait(_Request(index, raw, due))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return result
