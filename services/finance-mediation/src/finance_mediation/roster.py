"""The rosters: a mediation organisation's own (registering the organisation, adding and changing its
mediators) and the court's roster of specially invited mediation organisations (特邀调解组织名册), on which the
court's intake clerks (立案庭) register the organisations that serve it; only those see the court's pool.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from courtlink_shared.auth.principal import Principal
from courtlink_shared.errors import Conflict, InvalidTransition, NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from finance_mediation import queries
from finance_mediation.models import CourtRegistration, Mediator, Organisation


async def register_organisation(
    session: AsyncSession, *, principal: Principal, name: str, kind: str, now: datetime
) -> None:
    """Register the caller's organisation, or rename it (a repeat changes name and kind, nothing else)."""
    org = await session.get(Organisation, principal.organisation)
    if org is None:
        session.add(Organisation(code=principal.organisation, name=name, kind=kind, created_at=now))
    else:
        org.name, org.kind = name, kind


async def add_mediator(session: AsyncSession, *, principal: Principal, fields: dict[str, Any]) -> Mediator:
    """Add a mediator to the caller's roster; the organisation must be registered first."""
    if await session.get(Organisation, principal.organisation) is None:
        raise InvalidTransition("register your organisation first (PUT /organisations/me)")
    if await session.get(Mediator, fields["id"]) is not None:
        raise Conflict(f"mediator {fields['id']} already exists")
    mediator = Mediator(organisation_code=principal.organisation, **fields)
    session.add(mediator)
    return mediator


async def change_mediator(
    session: AsyncSession, *, principal: Principal, mediator_id: str, changes: dict[str, Any]
) -> Mediator:
    """Change the given fields of one of the caller's mediators (another organisation's answers NotFound)."""
    mediator = await queries.own_mediator(session, principal=principal, mediator_id=mediator_id)
    for key, value in changes.items():
        setattr(mediator, key, value)
    return mediator


async def register_with_court(
    session: AsyncSession, *, principal: Principal, organisation_code: str, now: datetime
) -> tuple[CourtRegistration, bool]:
    """Put an organisation on the caller's court's roster; a repeat answers the registration there already
    (second member False: nothing was created)."""
    found = await session.get(CourtRegistration, (principal.organisation, organisation_code))
    if found is not None:
        return found, False
    registration = CourtRegistration(
        court_code=principal.organisation,
        organisation_code=organisation_code,
        registered_at=now,
        registered_by=principal.subject,
    )
    session.add(registration)
    return registration, True


async def unregister_from_court(session: AsyncSession, *, principal: Principal, organisation_code: str) -> None:
    """Take an organisation off the caller's court's roster (the cases it holds stay with it)."""
    found = await session.get(CourtRegistration, (principal.organisation, organisation_code))
    if found is None:
        raise NotFound("this organisation is not registered with your court")
    await session.delete(found)
