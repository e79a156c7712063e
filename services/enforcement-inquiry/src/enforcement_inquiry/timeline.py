"""The timeline of an inquiry: every step, who took it (None for the system) and its details."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_inquiry.models import Inquiry, TimelineEntry


def record(session: AsyncSession, inquiry: Inquiry, now: datetime, kind: str, actor: str | None, **detail: Any) -> None:
    """Note a step on the inquiry's timeline, in the transaction of the step itself."""
    session.add(TimelineEntry(inquiry_id=inquiry.id, at=now, kind=kind, actor=actor, detail=detail))
