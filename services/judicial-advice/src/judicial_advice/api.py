"""Judicial advice's HTTP routes: parse, authorise, call the service layer; nothing else."""

from __future__ import annotations

from typing import Annotated, Literal

from courtlink_shared.auth.actors import actor_in, actor_of
from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.clock import SHANGHAI
from courtlink_shared.documents import render_html, render_pdf
from courtlink_shared.web.dependencies import ClockDep, OutboxDep, RuntimeDep, SessionDep, require_roles
from courtlink_shared.web.documents import download, html_document
from courtlink_shared.web.problems import NotFound
from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import HTMLResponse

from judicial_advice import queries, service
from judicial_advice.documents import advice_document, annual_report_csv, annual_report_document
from judicial_advice.models import Advice
from judicial_advice.rules import AdviceStatus, drafting_role
from judicial_advice.schemas import (
    AdviceDetailOut,
    AdviceIn,
    AdviceOut,
    CommentsIn,
    DeliveryIn,
    EvaluationIn,
    ReplyIn,
    StatisticsOut,
    VersionOut,
)

router = APIRouter(tags=["judicial advice"])
Drafter = Annotated[Principal, Depends(require_roles(Role.TRIAL_JUDGE, Role.ADVICE_MANAGER))]
Manager = Annotated[Principal, Depends(require_roles(Role.ADVICE_MANAGER))]
Committee = Annotated[Principal, Depends(require_roles(Role.JUDICIAL_COMMITTEE))]
President = Annotated[Principal, Depends(require_roles(Role.PRESIDENT))]
Recipient = Annotated[Principal, Depends(require_roles(*queries.RECIPIENT_ROLES))]
Reader = Annotated[Principal, Depends(require_roles(*queries.COURT_ROLES, *queries.RECIPIENT_ROLES))]
CourtReader = Annotated[Principal, Depends(require_roles(*queries.COURT_ROLES))]


async def _court_advice(session: SessionDep, principal: Principal, advice_id: str) -> Advice:
    return await queries.get_advice(session, principal=principal, advice_id=advice_id, for_update=True)


async def _addressed_advice(session: SessionDep, principal: Principal, advice_id: str) -> Advice:
    """Only the recipient acts on an advice (a copied unit reads it)."""
    advice = await queries.get_advice(session, principal=principal, advice_id=advice_id, for_update=True)
    if not queries.is_recipient(advice, principal):
        raise NotFound("advice not found")
    return advice


@router.post("/advices", status_code=201, response_model=AdviceOut, summary="Draft judicial advice")
async def draft(
    body: AdviceIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, runtime: RuntimeDep, principal: Drafter
) -> AdviceOut:
    places: dict[str, str] = getattr(runtime.settings, "court_places", {})
    actor = actor_of(principal, drafting_role(principal.roles))
    advice = await service.draft(session, outbox=outbox, now=clock.now(), actor=actor, court_places=places, body=body)
    await session.commit()
    return AdviceOut.of(advice, clock.now())


@router.put("/advices/{advice_id}", response_model=AdviceOut, summary="Revise a draft (a new version is kept)")
async def revise(
    advice_id: str, body: AdviceIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Drafter
) -> AdviceOut:
    advice = await _court_advice(session, principal, advice_id)
    await service.revise(
        session,
        outbox=outbox,
        now=clock.now(),
        actor=actor_of(principal, drafting_role(principal.roles)),
        advice=advice,
        body=body,
    )
    await session.commit()
    return AdviceOut.of(advice, clock.now())


@router.post("/advices/{advice_id}/submission", response_model=AdviceOut, summary="Submit for review")
async def submit(
    advice_id: str, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Drafter
) -> AdviceOut:
    advice = await _court_advice(session, principal, advice_id)
    await service.submit(
        session,
        outbox=outbox,
        now=clock.now(),
        actor=actor_of(principal, drafting_role(principal.roles)),
        advice=advice,
    )
    await session.commit()
    return AdviceOut.of(advice, clock.now())


@router.post("/advices/{advice_id}/return", response_model=AdviceOut, summary="The committee returns it with comments")
async def return_(
    advice_id: str, body: CommentsIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Committee
) -> AdviceOut:
    advice = await _court_advice(session, principal, advice_id)
    await service.return_for_revision(
        session,
        outbox=outbox,
        now=clock.now(),
        actor=actor_of(principal, Role.JUDICIAL_COMMITTEE),
        advice=advice,
        comments=body.comments,
    )
    await session.commit()
    return AdviceOut.of(advice, clock.now())


@router.post("/advices/{advice_id}/approval", response_model=AdviceOut, summary="The judicial committee approves")
async def approve(
    advice_id: str, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Committee
) -> AdviceOut:
    advice = await _court_advice(session, principal, advice_id)
    await service.approve(
        session, outbox=outbox, now=clock.now(), actor=actor_of(principal, Role.JUDICIAL_COMMITTEE), advice=advice
    )
    await session.commit()
    return AdviceOut.of(advice, clock.now())


@router.post("/advices/{advice_id}/issue", response_model=AdviceOut, summary="The president signs; it is numbered")
async def issue(
    advice_id: str, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: President
) -> AdviceOut:
    advice = await _court_advice(session, principal, advice_id)
    await service.issue(
        session, outbox=outbox, now=clock.now(), actor=actor_of(principal, Role.PRESIDENT), advice=advice
    )
    await session.commit()
    return AdviceOut.of(advice, clock.now())


@router.post("/advices/{advice_id}/delivery", response_model=AdviceOut, summary="Record delivery; the deadline runs")
async def deliver(
    advice_id: str, body: DeliveryIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Manager
) -> AdviceOut:
    advice = await _court_advice(session, principal, advice_id)
    await service.deliver(
        session,
        outbox=outbox,
        now=clock.now(),
        actor=actor_of(principal, Role.ADVICE_MANAGER),
        advice=advice,
        method=body.method,
        proof=body.proof,
    )
    await session.commit()
    return AdviceOut.of(advice, clock.now())


@router.post("/advices/{advice_id}/acknowledgement", response_model=AdviceOut, summary="The recipient signs for it")
async def acknowledge(
    advice_id: str, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Recipient
) -> AdviceOut:
    advice = await _addressed_advice(session, principal, advice_id)
    await service.acknowledge(
        session,
        outbox=outbox,
        now=clock.now(),
        actor=actor_in(principal, Role.AGENCY_OFFICER, Role.BANK_OPERATOR),
        advice=advice,
    )
    await session.commit()
    return AdviceOut.of(advice, clock.now())


@router.post("/advices/{advice_id}/replies", response_model=AdviceOut, summary="The recipient's written reply")
async def reply(
    advice_id: str, body: ReplyIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Recipient
) -> AdviceOut:
    advice = await _addressed_advice(session, principal, advice_id)
    await service.reply(
        session,
        outbox=outbox,
        now=clock.now(),
        actor=actor_in(principal, Role.AGENCY_OFFICER, Role.BANK_OPERATOR),
        advice=advice,
        adoption=body.adoption,
        measures=body.measures,
        reasons=body.reasons,
        attachments=body.attachments,
        final=body.final,
    )
    await session.commit()
    return AdviceOut.of(advice, clock.now())


@router.post(
    "/advices/{advice_id}/evaluation", response_model=AdviceOut, summary="Evaluate the reply, record the return visit"
)
async def evaluate(
    advice_id: str, body: EvaluationIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Manager
) -> AdviceOut:
    advice = await _court_advice(session, principal, advice_id)
    await service.evaluate(
        session,
        outbox=outbox,
        now=clock.now(),
        actor=actor_of(principal, Role.ADVICE_MANAGER),
        advice=advice,
        effectiveness=body.effectiveness,
        return_visit=body.return_visit,
    )
    await session.commit()
    return AdviceOut.of(advice, clock.now())


@router.post("/advices/{advice_id}/archive", response_model=AdviceOut, summary="Archive the file")
async def archive(
    advice_id: str, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Manager
) -> AdviceOut:
    advice = await _court_advice(session, principal, advice_id)
    await service.archive(
        session, outbox=outbox, now=clock.now(), actor=actor_of(principal, Role.ADVICE_MANAGER), advice=advice
    )
    await session.commit()
    return AdviceOut.of(advice, clock.now())


@router.post(
    "/advices/{advice_id}/escalation",
    response_model=AdviceOut,
    summary="Copy the advice to the recipient's superior authority",
)
async def escalate(
    advice_id: str, body: CommentsIn, session: SessionDep, clock: ClockDep, principal: Manager
) -> AdviceOut:
    advice = await _court_advice(session, principal, advice_id)
    await service.escalate(
        session, now=clock.now(), actor=actor_of(principal, Role.ADVICE_MANAGER), advice=advice, reason=body.comments
    )
    await session.commit()
    return AdviceOut.of(advice, clock.now())


@router.get("/advices", response_model=list[AdviceOut], summary="Your court's advice, or the advice addressed to you")
async def list_advice(
    session: SessionDep, clock: ClockDep, principal: Reader, status: AdviceStatus | None = None
) -> list[AdviceOut]:
    now = clock.now()
    return [AdviceOut.of(a, now) for a in await queries.list_advice(session, principal=principal, status=status)]


@router.get("/advices/{advice_id}", response_model=AdviceDetailOut, summary="One advice with its timeline")
async def get_advice(advice_id: str, session: SessionDep, clock: ClockDep, principal: Reader) -> AdviceDetailOut:
    advice = await queries.get_advice(session, principal=principal, advice_id=advice_id)
    timeline = await queries.timeline_of(session, advice.id)
    return AdviceDetailOut.of(advice, clock.now(), timeline=timeline, versions=advice.version)


@router.get(
    "/advices/{advice_id}/versions",
    response_model=list[VersionOut],
    summary="Every saved version of an advice, to compare them (the court's staff only)",
)
async def versions(advice_id: str, session: SessionDep, principal: CourtReader) -> list[VersionOut]:
    # The court's staff only: the drafts before the one delivered are the court's internal work, not the agency's.
    advice = await queries.get_advice(session, principal=principal, advice_id=advice_id)
    return [
        VersionOut(version=v.version, content=v.content, saved_by=v.saved_by, saved_at=v.saved_at)
        for v in await queries.versions_of(session, advice.id)
    ]


@router.get("/statistics", response_model=StatisticsOut, summary="Issued, delivered, reply rates, overdue list")
async def statistics(
    session: SessionDep,
    clock: ClockDep,
    principal: CourtReader,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> StatisticsOut:
    now = clock.now()
    year = year or now.astimezone(SHANGHAI).year
    figures, overdue, recipients, months = await queries.year_statistics(
        session, court_code=principal.organisation, year=year, now=now
    )
    return StatisticsOut(
        per_recipient=recipients,
        per_month=months,
        court_code=principal.organisation,
        year=year,
        **vars(figures),
        overdue=[AdviceOut.of(a, now) for a in overdue],
    )


@router.get("/advices/{advice_id}/document", response_class=HTMLResponse, summary="The 司法建议书 (HTML)")
async def document_html(advice_id: str, session: SessionDep, runtime: RuntimeDep, principal: Reader) -> HTMLResponse:
    advice = await queries.get_advice(session, principal=principal, advice_id=advice_id)
    return html_document(
        render_html(advice_document(advice, court_name=runtime.settings.court_name(advice.court_code)))
    )


@router.get(
    "/advices/{advice_id}/document.pdf",
    response_class=Response,
    summary="The 司法建议书 (PDF)",
    responses={200: {"content": {"application/pdf": {}}}},
)
async def document_pdf(advice_id: str, session: SessionDep, runtime: RuntimeDep, principal: Reader) -> Response:
    advice = await queries.get_advice(session, principal=principal, advice_id=advice_id)
    pdf = render_pdf(advice_document(advice, court_name=runtime.settings.court_name(advice.court_code)))
    return download(pdf, media_type="application/pdf", filename=f"advice-{advice.id}.pdf")


@router.get(
    "/reports/annual.{fmt}",
    response_class=Response,
    summary="The annual report to the people's congress",
    responses={200: {"content": {"text/csv": {}, "application/pdf": {}}}},
)
async def annual_report(
    fmt: Literal["csv", "pdf"],
    session: SessionDep,
    clock: ClockDep,
    runtime: RuntimeDep,
    principal: CourtReader,
    year: Annotated[int, Query(ge=2000, le=2100)],
) -> Response:
    advices = await queries.issued_in(session, court_code=principal.organisation, year=year)
    # The report's figures are the statistics' own (kept with the writes), not counted again from the list.
    figures, *_ = await queries.year_statistics(session, court_code=principal.organisation, year=year, now=clock.now())
    if fmt == "csv":
        return download(
            annual_report_csv(advices), media_type="text/csv; charset=utf-8", filename=f"judicial-advice-{year}.csv"
        )
    document = annual_report_document(
        advices, figures, court_name=runtime.settings.court_name(principal.organisation), year=year
    )
    return download(render_pdf(document), media_type="application/pdf", filename=f"judicial-advice-{year}.pdf")
