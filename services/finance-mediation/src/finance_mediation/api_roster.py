"""Finance-mediation's HTTP routes for a mediation organisation's own roster and overview: parse, authorise,
call the service layer; nothing else."""

from __future__ import annotations

from courtlink_shared.web.dependencies import ClockDep, SessionDep
from fastapi import APIRouter

from finance_mediation import queries, roster
from finance_mediation.api import OrgAdmin
from finance_mediation.api_views import case_out, pool_view
from finance_mediation.schemas import MediatorIn, MediatorOut, MediatorPatch, OrganisationIn, OverviewOut

roster_router = APIRouter(tags=["roster"])


# --- roster ----------------------------------------------------------------------------------------------------


@roster_router.put("/organisations/me", summary="Register or rename your mediation organisation")
async def register_organisation(
    body: OrganisationIn, session: SessionDep, clock: ClockDep, principal: OrgAdmin
) -> dict[str, str]:
    await roster.register_organisation(session, principal=principal, name=body.name, kind=body.kind, now=clock.now())
    await session.commit()
    return {"code": principal.organisation, "name": body.name, "kind": body.kind}


@roster_router.post("/mediators", status_code=201, response_model=MediatorOut, summary="Add a mediator to your roster")
async def add_mediator(body: MediatorIn, session: SessionDep, principal: OrgAdmin) -> MediatorOut:
    mediator = await roster.add_mediator(session, principal=principal, fields=body.model_dump())
    await session.commit()
    return MediatorOut.from_row(mediator, active_cases=0)


@roster_router.patch("/mediators/{mediator_id}", response_model=MediatorOut, summary="Change a mediator's roster entry")
async def change_mediator(
    mediator_id: str, body: MediatorPatch, session: SessionDep, principal: OrgAdmin
) -> MediatorOut:
    mediator = await roster.change_mediator(
        session, principal=principal, mediator_id=mediator_id, changes=body.model_dump(exclude_none=True)
    )
    await session.commit()
    return MediatorOut.from_row(mediator, active_cases=await queries.load_of(session, mediator))


@roster_router.get("/mediators", response_model=list[MediatorOut], summary="Your organisation's roster with loads")
async def list_mediators(session: SessionDep, principal: OrgAdmin) -> list[MediatorOut]:
    loads = await queries.mediators_with_loads(session, principal=principal)
    return [MediatorOut.from_row(mediator, active_cases=active) for mediator, active in loads]


@roster_router.get("/overview", response_model=OverviewOut, summary="Your organisation's load and overdue cases")
async def overview(session: SessionDep, clock: ClockDep, principal: OrgAdmin) -> OverviewOut:
    now = clock.now()
    mediators = await list_mediators(session, principal)
    overdue = [
        pool_view(case_out(c, now), c, principal)
        for c in await queries.overdue_cases(session, principal=principal, now=now)
    ]
    return OverviewOut(organisation_code=principal.organisation, mediators=mediators, overdue_cases=overdue)
