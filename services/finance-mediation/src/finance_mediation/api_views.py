"""How finance-mediation's routers show a case: every field, its deadlines as the law states them, and the
parties' ID numbers masked for an organisation that sees it through the court's pool."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from courtlink_shared.auth.principal import Principal
from courtlink_shared.identifiers.resident_id import mask_resident_id
from courtlink_shared.responses import deadline_fields

from finance_mediation import queries, service
from finance_mediation.models import MediationCase
from finance_mediation.schemas import CaseOut, ConfirmationOut


def case_out(case: MediationCase, now: datetime) -> CaseOut:
    """The case as the API shows it at `now`: its row, and what the clock and the rules derive from it."""
    return CaseOut.from_row(
        case,
        suspended_days=queries.suspended_days(case, now),
        confirmation=ConfirmationOut.from_row(case, **queries.flags(case, now)),
        overdue=queries.is_overdue(case, now),
        parties=service.parties_of(case),
        **_names_and_claim(case.dispute),
        **deadline_fields(**queries.deadlines_of(case)),
    )


def _names_and_claim(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Who the case is between and what is claimed, from the dispute as intake routed it (what a work queue
    shows, so that a mediator knows a case without opening it)."""
    total = (snapshot.get("claim") or {}).get("total")
    return {
        "claimant_name": (snapshot.get("claimant") or {}).get("name"),
        "respondent_names": [str(r["name"]) for r in snapshot.get("respondents") or [] if r.get("name")],
        "claim_total": Decimal(str(total)) if total is not None else None,
    }


def pool_view(out: CaseOut, case: MediationCase, principal: Principal) -> CaseOut:
    """A case as the caller may see it: through the pool, the parties' ID numbers masked."""
    if not queries.seen_through_pool(principal, case):
        return out
    return out.model_copy(update={"parties": [mask_resident_id(p) for p in out.parties]})
