"""Who is calling: the token's subject, roles and organisation."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The roles of DOMAIN.md's users."""

    BANK_OPERATOR = "bank_operator"
    INTAKE_CLERK = "intake_clerk"
    MEDIATOR = "mediator"
    MEDIATION_ORG_ADMIN = "mediation_org_admin"
    TRIAL_JUDGE = "trial_judge"
    ENFORCEMENT_OFFICER = "enforcement_officer"
    ADVICE_MANAGER = "advice_manager"
    JUDICIAL_COMMITTEE = "judicial_committee"
    PRESIDENT = "president"
    AGENCY_OFFICER = "agency_officer"
    ANALYST = "analyst"
    COURT_ADMIN = "court_admin"  # maintains the platform's reference data: the official calendar


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. `organisation` is a bank's or agency's credit code, or a court's code."""

    subject: str
    roles: frozenset[Role]
    organisation: str
    name: str | None = None

    def has_any(self, roles: frozenset[Role]) -> bool:
        return bool(self.roles & roles)
