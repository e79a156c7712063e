"""Enforcement inquiry's HTTP routes: parse, authorise, call the service layer; nothing else.

Judges send inquiries and read the advice; enforcement officers accept, query banks and advise; banks see and
answer only the queries addressed to them; analysts read statistics. Everything is scoped to the caller's court
(or bank): another organisation's objects are "not found"."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from courtlink_shared.auth.actors import actor_of
from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.documents import CourtDocument, render_html, render_pdf
from courtlink_shared.web.dependencies import ClockDep, OutboxDep, RuntimeDep, SessionDep, require_roles
from courtlink_shared.web.documents import download, html_document
from courtlink_shared.web.periods import PeriodDep
from courtlink_shared.web.problems import NotFound
from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_inquiry import bank_queries, queries, service
from enforcement_inquiry.documents import advice_document, letter_document
from enforcement_inquiry.models import AssetQuery, Inquiry
from enforcement_inquiry.rules import InquiryStatus, QueryStatus
from enforcement_inquiry.schemas import (
    AcceptanceIn,
    AdviceIn,
    AnswerIn,
    AssetQueryOut,
    AssetQueryRequestIn,
    CaseNumberText,
    DocumentKind,
    FiledCaseOut,
    InquiryDetailOut,
    InquiryIn,
    InquiryOut,
    StatisticsOut,
)
from enforcement_inquiry.settings import Settings

router = APIRouter(tags=["enforcement inquiry"])
bank_router = APIRouter(tags=["bank asset queries"])
Judge = Annotated[Principal, Depends(require_roles(Role.TRIAL_JUDGE))]
Officer = Annotated[Principal, Depends(require_roles(Role.ENFORCEMENT_OFFICER))]
CourtReader = Annotated[Principal, Depends(require_roles(Role.TRIAL_JUDGE, Role.ENFORCEMENT_OFFICER))]
StatsReader = Annotated[Principal, Depends(require_roles(*queries.COURT_ROLES))]
Bank = Annotated[Principal, Depends(require_roles(Role.BANK_OPERATOR))]
Limit = Annotated[int, Query(ge=1, le=500)]


async def _settings(runtime: RuntimeDep) -> Settings:
    assert isinstance(runtime.settings, Settings)
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(_settings)]


async def _detail(session: AsyncSession, inquiry: Inquiry, now: datetime) -> InquiryDetailOut:
    lines = await bank_queries.lines_of_inquiry(session, inquiry.id)
    return InquiryDetailOut.of(
        inquiry,
        now=now,
        recoverable_estimate=service.estimate(inquiry, lines),
        lines=lines,
        timeline=await queries.timeline_of(session, inquiry.id),
    )


@router.post(
    "/inquiries", status_code=201, response_model=InquiryDetailOut, summary="Send an inquiry letter (执行咨询函)"
)
async def submit(
    body: InquiryIn,
    session: SessionDep,
    outbox: OutboxDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Judge,
) -> InquiryDetailOut:
    inquiry = await service.submit(
        session,
        outbox=outbox,
        now=clock.now(),
        actor=actor_of(principal, Role.TRIAL_JUDGE),
        body=body,
        service_level_days=settings.service_level_days,
        urgent_service_level_days=settings.urgent_service_level_days,
    )
    await session.commit()
    return await _detail(session, inquiry, clock.now())


@router.get("/inquiries", response_model=list[InquiryOut], summary="Your court's inquiries, nearest deadline first")
async def list_inquiries(
    session: SessionDep,
    clock: ClockDep,
    principal: CourtReader,
    status: InquiryStatus | None = None,
    mine: Annotated[bool, Query(description="Only those I sent (judge) or that are assigned to me (officer)")] = False,
    limit: Limit = 100,
) -> list[InquiryOut]:
    now = clock.now()
    found = await queries.list_inquiries(session, principal=principal, status=status, mine=mine, limit=limit)
    lines = await bank_queries.lines_of_inquiries(session, [i.id for i in found])
    return [InquiryOut.of(i, now=now, recoverable_estimate=service.estimate(i, lines.get(i.id, []))) for i in found]


@router.get("/inquiries/{inquiry_id}", response_model=InquiryDetailOut, summary="One inquiry: banks, answers, advice")
async def get_inquiry(
    inquiry_id: str, session: SessionDep, clock: ClockDep, principal: CourtReader
) -> InquiryDetailOut:
    inquiry = await queries.get_inquiry(session, principal=principal, inquiry_id=inquiry_id)
    return await _detail(session, inquiry, clock.now())


@router.post("/inquiries/{inquiry_id}/acceptance", response_model=InquiryDetailOut, summary="Accept, assign an officer")
async def accept(
    inquiry_id: str,
    body: AcceptanceIn,
    session: SessionDep,
    outbox: OutboxDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Officer,
) -> InquiryDetailOut:
    inquiry = await queries.get_inquiry(session, principal=principal, inquiry_id=inquiry_id, for_update=True)
    await service.accept(
        session,
        outbox=outbox,
        now=clock.now(),
        inquiry=inquiry,
        actor=actor_of(principal, Role.ENFORCEMENT_OFFICER),
        officer=body.officer or principal.subject,
        banks=service.lead_banks(inquiry) if body.banks is None else body.banks,
        window=timedelta(seconds=settings.asset_query_window_seconds),
    )
    await session.commit()
    return await _detail(session, inquiry, clock.now())


@router.post(
    "/inquiries/{inquiry_id}/asset-queries",
    response_model=InquiryDetailOut,
    summary="Ask more banks about the respondents (sent in each bank's next consolidated query)",
)
async def ask_banks(
    inquiry_id: str,
    body: AssetQueryRequestIn,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Officer,
) -> InquiryDetailOut:
    inquiry = await queries.get_inquiry(session, principal=principal, inquiry_id=inquiry_id, for_update=True)
    await bank_queries.ask_banks(
        session,
        now=clock.now(),
        inquiry=inquiry,
        actor=actor_of(principal, Role.ENFORCEMENT_OFFICER),
        banks=body.banks,
        respondents=body.respondents,
        window=timedelta(seconds=settings.asset_query_window_seconds),
    )
    await session.commit()
    return await _detail(session, inquiry, clock.now())


@router.post("/inquiries/{inquiry_id}/advice", response_model=InquiryDetailOut, summary="Issue the advice (执行建议)")
async def issue_advice(
    inquiry_id: str, body: AdviceIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Officer
) -> InquiryDetailOut:
    inquiry = await queries.get_inquiry(session, principal=principal, inquiry_id=inquiry_id, for_update=True)
    actor = actor_of(principal, Role.ENFORCEMENT_OFFICER)
    await service.issue_advice(session, outbox=outbox, now=clock.now(), inquiry=inquiry, actor=actor, body=body)
    await session.commit()
    return await _detail(session, inquiry, clock.now())


@router.post(
    "/inquiries/{inquiry_id}/acknowledgement", response_model=InquiryDetailOut, summary="The judge has read the advice"
)
async def acknowledge(inquiry_id: str, session: SessionDep, clock: ClockDep, principal: Judge) -> InquiryDetailOut:
    inquiry = await queries.get_inquiry(session, principal=principal, inquiry_id=inquiry_id, for_update=True)
    service.acknowledge(session, now=clock.now(), inquiry=inquiry, actor=actor_of(principal, Role.TRIAL_JUDGE))
    await session.commit()
    return await _detail(session, inquiry, clock.now())


async def _document(
    session: AsyncSession, settings: Settings, principal: Principal, inquiry_id: str, kind: str
) -> CourtDocument:
    inquiry = await queries.get_inquiry(session, principal=principal, inquiry_id=inquiry_id)
    court_name = settings.court_name(inquiry.court_code)
    if kind == "letter":
        return letter_document(inquiry, court_name=court_name)
    if inquiry.advice is None:
        raise NotFound("no advice has been issued on this inquiry yet")
    return advice_document(inquiry, await bank_queries.lines_of_inquiry(session, inquiry.id), court_name=court_name)


@router.get(
    "/inquiries/{inquiry_id}/{kind}.html",
    response_class=HTMLResponse,
    summary="The inquiry letter or the advice as HTML",
)
async def document_html(
    inquiry_id: str, kind: DocumentKind, session: SessionDep, settings: SettingsDep, principal: CourtReader
) -> HTMLResponse:
    return html_document(render_html(await _document(session, settings, principal, inquiry_id, kind)))


@router.get(
    "/inquiries/{inquiry_id}/{kind}.pdf",
    response_class=Response,
    summary="The inquiry letter or the advice as PDF",
    responses={200: {"content": {"application/pdf": {}}}},
)
async def document_pdf(
    inquiry_id: str, kind: DocumentKind, session: SessionDep, settings: SettingsDep, principal: CourtReader
) -> Response:
    pdf = render_pdf(await _document(session, settings, principal, inquiry_id, kind))
    return download(pdf, media_type="application/pdf", filename=f"inquiry-{inquiry_id}-{kind}.pdf")


@router.get(
    "/filed-cases/{case_number}",
    response_model=FiledCaseOut,
    summary="The parties of a case intake filed in your court (for the letter on it)",
)
async def get_filed_case(case_number: CaseNumberText, session: SessionDep, principal: CourtReader) -> FiledCaseOut:
    filed = await queries.filed_case(session, principal=principal, case_number=case_number)
    return FiledCaseOut.from_row(filed)


@router.get("/statistics", response_model=StatisticsOut, summary="Turnaround, advice by conclusion, bank answer times")
async def statistics(
    session: SessionDep, clock: ClockDep, principal: StatsReader, reporting: PeriodDep
) -> StatisticsOut:
    return await queries.statistics(session, court_code=principal.organisation, period=reporting, now=clock.now())


async def _query_out(session: AsyncSession, asset_query: AssetQuery) -> AssetQueryOut:
    return AssetQueryOut.from_row(asset_query, subjects=await bank_queries.lines_of_query(session, asset_query.id))


@bank_router.get("/asset-queries", response_model=list[AssetQueryOut], summary="Queries addressed to your bank")
async def list_asset_queries(
    session: SessionDep, principal: Bank, status: QueryStatus | None = QueryStatus.OPEN, limit: Limit = 100
) -> list[AssetQueryOut]:
    found = await queries.list_asset_queries(session, principal=principal, status=status, limit=limit)
    lines = await bank_queries.lines_of_queries(session, [q.id for q in found])
    return [AssetQueryOut.from_row(q, subjects=lines.get(q.id, [])) for q in found]


@bank_router.get("/asset-queries/{query_id}", response_model=AssetQueryOut, summary="One query to your bank")
async def get_asset_query(query_id: str, session: SessionDep, principal: Bank) -> AssetQueryOut:
    return await _query_out(session, await queries.get_asset_query(session, principal=principal, query_id=query_id))


@bank_router.post(
    "/asset-queries/{query_id}/answer",
    response_model=AssetQueryOut,
    summary="Answer the whole query: accounts, balances and freezes per respondent",
)
async def answer(
    query_id: str, body: AnswerIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Bank
) -> AssetQueryOut:
    asset_query = await queries.get_asset_query(session, principal=principal, query_id=query_id, for_update=True)
    actor = actor_of(principal, Role.BANK_OPERATOR)
    lines = await bank_queries.answer(
        session, outbox=outbox, now=clock.now(), asset_query=asset_query, actor=actor, body=body
    )
    await session.commit()
    return AssetQueryOut.from_row(asset_query, subjects=lines)
