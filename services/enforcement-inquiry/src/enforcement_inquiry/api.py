"""Enforcement inquiry's HTTP routes: parse, authorise, call the service layer; nothing else.

Judges send inquiries and read the advice; enforcement officers accept, query banks and advise; banks see and
answer only the queries addressed to them; analysts read statistics. Everything is scoped to the caller's court
(or bank): another organisation's objects are "not found"."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.deadlines.periods import days_deadlines_end_on, deadline_warning
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
from enforcement_inquiry.models import AssetQuery, Inquiry, QueryLine
from enforcement_inquiry.rules import InquiryStatus, QueryStatus
from enforcement_inquiry.schemas import (
    AcceptanceIn,
    AccountOut,
    AdviceIn,
    AdviceOut,
    AnswerIn,
    AssetQueryOut,
    AssetQueryRequestIn,
    CaseNumberText,
    DocumentKind,
    FiledCaseOut,
    InquiryDetailOut,
    InquiryIn,
    InquiryOut,
    PartyOut,
    QueryLineOut,
    StatisticsOut,
    SubjectOut,
    TimelineOut,
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


def _settings(runtime: RuntimeDep) -> Settings:
    assert isinstance(runtime.settings, Settings)
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(_settings)]


def _party(party: dict[str, str]) -> PartyOut:
    return PartyOut(kind=party["kind"], name=party["name"], id_number=party["id_number"])


def inquiry_out(inquiry: Inquiry, lines: list[QueryLine], now: datetime) -> InquiryOut:
    advice = AdviceOut.model_validate(inquiry.advice) if inquiry.advice else None
    return InquiryOut(
        id=inquiry.id,
        court_code=inquiry.court_code,
        case_number=inquiry.case_number,
        parties_from_intake=inquiry.parties_from_intake,
        status=InquiryStatus(inquiry.status),
        urgent=inquiry.urgent,
        judge=inquiry.judge,
        respondents=[_party(p) for p in inquiry.respondents],
        claim_amount=inquiry.claim_amount,
        terms=inquiry.terms,
        questions=inquiry.questions,
        property_leads=inquiry.property_leads,
        submitted_at=inquiry.submitted_at,
        due_at=inquiry.due_at,
        overdue=inquiry.overdue_at is not None or (inquiry.advised_at is None and inquiry.due_at < now),
        ends_on=days_deadlines_end_on({"due_at": inquiry.due_at}),
        calendar_warning=deadline_warning(inquiry.due_at),
        officer=inquiry.officer,
        accepted_at=inquiry.accepted_at,
        assets_ready_at=inquiry.assets_ready_at,
        recoverable_estimate=service.estimate(inquiry, lines),
        advice=advice,
        acknowledged_at=inquiry.acknowledged_at,
    )


def line_out(line: QueryLine) -> QueryLineOut:
    return QueryLineOut(
        line_id=line.id,
        bank_code=line.bank_code,
        bank_name=line.bank_name,
        party=_party(line.party),
        status=line.status,
        query_id=line.query_id,
        accounts=None if line.accounts is None else [AccountOut.model_validate(a) for a in line.accounts],
        resolved_at=line.resolved_at,
    )


async def _detail(session: AsyncSession, inquiry: Inquiry, now: datetime) -> InquiryDetailOut:
    lines = await bank_queries.lines_of_inquiry(session, inquiry.id)
    timeline = [
        TimelineOut(at=e.at, kind=e.kind, actor=e.actor, detail=e.detail)
        for e in await queries.timeline_of(session, inquiry.id)
    ]
    return InquiryDetailOut(
        **inquiry_out(inquiry, lines, now).model_dump(), lines=[line_out(x) for x in lines], timeline=timeline
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
        court_code=principal.organisation,
        judge=principal.subject,
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
    return [inquiry_out(i, lines.get(i.id, []), now) for i in found]


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
        by=principal.subject,
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
        by=principal.subject,
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
    await service.issue_advice(
        session, outbox=outbox, now=clock.now(), inquiry=inquiry, officer=principal.subject, body=body
    )
    await session.commit()
    return await _detail(session, inquiry, clock.now())


@router.post(
    "/inquiries/{inquiry_id}/acknowledgement", response_model=InquiryDetailOut, summary="The judge has read the advice"
)
async def acknowledge(inquiry_id: str, session: SessionDep, clock: ClockDep, principal: Judge) -> InquiryDetailOut:
    inquiry = await queries.get_inquiry(session, principal=principal, inquiry_id=inquiry_id, for_update=True)
    service.acknowledge(session, now=clock.now(), inquiry=inquiry, judge=principal.subject)
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
    return FiledCaseOut(
        case_number=filed.case_number,
        court_code=filed.court_code,
        claimant=filed.claimant,
        respondents=[_party(p) for p in filed.respondents],
        claim_total=filed.claim_total,
        filed_at=filed.filed_at,
    )


@router.get("/statistics", response_model=StatisticsOut, summary="Turnaround, advice by conclusion, bank answer times")
async def statistics(
    session: SessionDep, clock: ClockDep, principal: StatsReader, reporting: PeriodDep
) -> StatisticsOut:
    return await queries.statistics(session, court_code=principal.organisation, period=reporting, now=clock.now())


async def _query_out(session: AsyncSession, asset_query: AssetQuery) -> AssetQueryOut:
    lines = await bank_queries.lines_of_query(session, asset_query.id)
    return AssetQueryOut(
        id=asset_query.id,
        court_code=asset_query.court_code,
        bank_code=asset_query.bank_code,
        bank_name=asset_query.bank_name,
        status=QueryStatus(asset_query.status),
        requested_at=asset_query.requested_at,
        expires_at=asset_query.expires_at,
        answered_at=asset_query.answered_at,
        subjects=[SubjectOut(line_id=line.id, party=_party(line.party)) for line in lines],
    )


@bank_router.get("/asset-queries", response_model=list[AssetQueryOut], summary="Queries addressed to your bank")
async def list_asset_queries(
    session: SessionDep, principal: Bank, status: QueryStatus | None = QueryStatus.OPEN, limit: Limit = 100
) -> list[AssetQueryOut]:
    found = await queries.list_asset_queries(session, principal=principal, status=status, limit=limit)
    return [await _query_out(session, q) for q in found]


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
    await bank_queries.answer(
        session, outbox=outbox, now=clock.now(), asset_query=asset_query, by=principal.subject, body=body
    )
    await session.commit()
    return await _query_out(session, asset_query)
