"""Allocating the next case number of a court, type code and year (no gaps, safe under concurrency)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from courtlink_shared.db.sequences import next_number, next_numbers
from courtlink_shared.identifiers.case_number import CaseNumber, case_number_scope, check_court_and_type


async def allocate_case_number(session: AsyncSession, *, court_code: str, type_code: str, year: int) -> CaseNumber:
    """The next case number, allocated in the session's transaction (it is given back if that rolls back)."""
    check_court_and_type(court_code, type_code)  # before touching the database; the year is our own clock's
    n = await next_number(session, scope=case_number_scope(court_code, type_code), year=year)
    return CaseNumber(year, court_code, type_code, n)


async def allocate_case_numbers(
    session: AsyncSession, *, court_code: str, type_code: str, year: int, count: int
) -> list[CaseNumber]:
    """`count` consecutive case numbers in one statement, in the session's transaction."""
    check_court_and_type(court_code, type_code)
    numbers = await next_numbers(session, scope=case_number_scope(court_code, type_code), year=year, count=count)
    return [CaseNumber(year, court_code, type_code, n) for n in numbers]
