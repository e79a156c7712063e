"""How finance-mediation's routers show a case: every field, its deadlines as the law states them, and the
parties' ID numbers masked for an organisation that sees it through the court's pool."""

from __future__ import annotations

from datetime import datetime

from courtlink_shared.auth.principal import Principal
from courtlink_shared.deadlines.periods import days_deadlines_end_on, deadline_warning
from courtlink_shared.identifiers.resident_id import mask_resident_id

from finance_mediation import queries, service
from finance_mediation.models import MediationCase
from finance_mediation.rules import CaseStatus
from finance_mediation.schemas import CaseOut, ConfirmationOut


def case_out(case: MediationCase, now: datetime) -> CaseOut:
    return CaseOut(
        id=case.id,
        dispute_id=case.dispute_id,
        mediation_number=case.mediation_number,
        status=CaseStatus(case.status),
        dispute_type=case.dispute_type,
        claimant_code=case.claimant_code,
        court_code=case.court_code,
        mediator_id=case.mediator_id,
        organisation_code=case.organisation_code,
        opened_at=case.opened_at,
        assign_by=case.assign_by,
        assigned_at=case.assigned_at,
        accept_by=case.accept_by,
        accepted_at=case.accepted_at,
        due_at=case.due_at,
        extension_days=case.extension_days,
        suspended_days=queries.suspended_days(case, now),
        agreement=case.agreement,
        signatures=case.signatures,
        agreement_effective_at=case.agreement_effective_at,
        closed_at=case.closed_at,
        outcome=case.outcome,
        ground=case.ground,
        reason=case.reason,
        confirmation=ConfirmationOut(
            requested_at=case.confirmation_requested_at,
            accepted_at=case.confirmation_accepted_at,
            decided_at=case.confirmation_decided_at,
            decision=case.confirmation_decision,
            case_number=case.confirmation_case_number,
            **queries.flags(case, now),
        ),
        overdue=queries.is_overdue(case, now),
        parties=service.parties_of(case),
        ends_on=days_deadlines_end_on(deadlines := queries.deadlines_of(case)),
        calendar_warning=deadline_warning(*deadlines.values()),
    )


def pool_view(out: CaseOut, case: MediationCase, principal: Principal) -> CaseOut:
    """A case as the caller may see it: through the pool, the parties' ID numbers masked."""
    if not queries.seen_through_pool(principal, case):
        return out
    return out.model_copy(update={"parties": [mask_resident_id(p) for p in out.parties]})
