"""The court's roster of specially invited mediation organisations (特邀调解组织名册): the court's intake clerks
(立案庭) register the organisations that serve it; only those see the court's unassigned cases (the pool)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.inputs import Code, StrictInput, check_organisation_code
from courtlink_shared.responses import RowOut
from courtlink_shared.web.dependencies import ClockDep, SessionDep, require_roles
from courtlink_shared.web.problems import UnprocessableInput
from fastapi import APIRouter, Depends, Response, status
from pydantic import Field, field_validator

from finance_mediation import queries, roster

court_router = APIRouter(tags=["court roster"])
CourtClerk = Annotated[Principal, Depends(require_roles(Role.INTAKE_CLERK))]


class CourtRegistrationIn(StrictInput):
    organisation_code: Code = Field(description="The mediation organisation's unified social credit code.")

    @field_validator("organisation_code")
    @classmethod
    def _credit_code(cls, value: str) -> str:
        return check_organisation_code(value)


class CourtRegistrationOut(RowOut):
    court_code: str
    organisation_code: str
    organisation_name: str | None = Field(None, description="The organisation's name, once it has entered it")
    registered_at: datetime
    registered_by: str


def _code(organisation_code: str) -> str:
    try:
        return check_organisation_code(organisation_code)
    except ValueError as exc:
        raise UnprocessableInput.on_fields(("path.organisation_code", str(exc), "统一社会信用代码无效")) from exc


@court_router.get(
    "/courts/me/organisations",
    response_model=list[CourtRegistrationOut],
    summary="The mediation organisations registered to serve your court",
)
async def list_registrations(session: SessionDep, principal: CourtClerk) -> list[CourtRegistrationOut]:
    registrations = await queries.court_registrations(session, principal=principal)
    return [CourtRegistrationOut.from_row(r, organisation_name=name) for r, name in registrations]


@court_router.post(
    "/courts/me/organisations",
    status_code=status.HTTP_201_CREATED,
    response_model=CourtRegistrationOut,
    summary="Register a mediation organisation to serve your court (it then sees the court's pool)",
    responses={200: {"model": CourtRegistrationOut, "description": "Registered already: the same registration"}},
)
async def register(
    body: CourtRegistrationIn, response: Response, session: SessionDep, clock: ClockDep, principal: CourtClerk
) -> CourtRegistrationOut:
    registration, created = await roster.register_with_court(
        session, principal=principal, organisation_code=body.organisation_code, now=clock.now()
    )
    if not created:
        response.status_code = status.HTTP_200_OK  # registered already: the same registration
        return CourtRegistrationOut.from_row(registration)
    await session.commit()
    return CourtRegistrationOut.from_row(registration)


@court_router.delete(
    "/courts/me/organisations/{organisation_code}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Take a mediation organisation off your court's roster (cases it holds stay with it)",
)
async def unregister(organisation_code: str, session: SessionDep, principal: CourtClerk) -> Response:
    await roster.unregister_from_court(session, principal=principal, organisation_code=_code(organisation_code))
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
