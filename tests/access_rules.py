"""The declared access rules of every endpoint of every service: which roles may call it. The authorisation matrix
test checks each service's OpenAPI document against this table (an endpoint without a rule fails) and every
endpoint against every role, with and without a token, in the caller's own organisation and in another."""

from __future__ import annotations

from courtlink_shared.auth.principal import Role
from courtlink_shared.testing.factories import credit_code

PUBLIC = frozenset[Role]()  # no token needed: probes and metrics (scraped from inside the network)
BANK, CLERK, ANALYST = Role.BANK_OPERATOR, Role.INTAKE_CLERK, Role.ANALYST
MEDIATOR, ORG_ADMIN, JUDGE = Role.MEDIATOR, Role.MEDIATION_ORG_ADMIN, Role.TRIAL_JUDGE
OFFICER, MANAGER, COMMITTEE = Role.ENFORCEMENT_OFFICER, Role.ADVICE_MANAGER, Role.JUDICIAL_COMMITTEE
PRESIDENT, AGENCY = Role.PRESIDENT, Role.AGENCY_OFFICER
COURT_ADMIN = Role.COURT_ADMIN
ADVICE_COURT = frozenset({JUDGE, MANAGER, COMMITTEE, PRESIDENT, ANALYST})
ADVICE_RECIPIENTS = frozenset({AGENCY, BANK})  # the organisation an advice is addressed or copied to

COURT, OTHER_COURT = "吉7101", "吉7102"
BANK_A, BANK_B = "91110000600037341L", credit_code(71)
MEDIATION_ORG_A, MEDIATION_ORG_B = credit_code(5, prefix="52220101"), credit_code(72, prefix="52220101")
AGENCY_A, AGENCY_B = credit_code(73, prefix="11220000"), credit_code(74, prefix="11220000")
ORGANISATIONS: dict[Role, tuple[str, str]] = {
    **dict.fromkeys((CLERK, JUDGE, OFFICER, MANAGER, COMMITTEE, PRESIDENT, ANALYST, COURT_ADMIN), (COURT, OTHER_COURT)),
    BANK: (BANK_A, BANK_B),
    MEDIATOR: (MEDIATION_ORG_A, MEDIATION_ORG_B),
    ORG_ADMIN: (MEDIATION_ORG_A, MEDIATION_ORG_B),
    AGENCY: (AGENCY_A, AGENCY_B),
}
"""Each role's own organisation (A) and another one (B) of the same kind."""

PROBES = {
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /metrics": PUBLIC,
    # The official calendar, mounted by every service: national reference data, read by anyone signed in.
    "GET /calendar/years": frozenset(Role),
    "PUT /calendar/years/{year}": frozenset({COURT_ADMIN}),
}

RULES: dict[str, dict[str, frozenset[Role]]] = {
    "intake": {
        **PROBES,
        "GET /batches/template.csv": frozenset({BANK}),
        "GET /batches/template.xlsx": frozenset({BANK}),
        "POST /batches": frozenset({BANK}),
        "GET /batches/{batch_id}": frozenset({BANK}),
        "GET /batches/{batch_id}/report": frozenset({BANK}),
        "GET /batches/{batch_id}/report.csv": frozenset({BANK}),
        "POST /disputes": frozenset({BANK}),
        "GET /disputes": frozenset({BANK, CLERK}),
        "GET /disputes/{dispute_id}": frozenset({BANK, CLERK}),
        "GET /disputes/{dispute_id}/notice": frozenset({BANK, CLERK}),
        "GET /disputes/{dispute_id}/notice.pdf": frozenset({BANK, CLERK}),
        "POST /disputes/{dispute_id}/withdraw": frozenset({BANK}),
        "POST /disputes/{dispute_id}/duplicate-review": frozenset({CLERK}),
        "GET /statistics": frozenset({BANK, CLERK, ANALYST}),
    },
    "finance-mediation": {
        **PROBES,
        "PUT /organisations/me": frozenset({ORG_ADMIN}),
        "GET /mediators": frozenset({ORG_ADMIN}),
        "POST /mediators": frozenset({ORG_ADMIN}),
        "PATCH /mediators/{mediator_id}": frozenset({ORG_ADMIN}),
        "GET /overview": frozenset({ORG_ADMIN}),
        "GET /cases": frozenset({MEDIATOR, ORG_ADMIN, BANK, JUDGE}),
        "GET /cases/{case_id}": frozenset({MEDIATOR, ORG_ADMIN, BANK, JUDGE}),
        "POST /cases/{case_id}/assignment": frozenset({ORG_ADMIN}),
        "POST /cases/{case_id}/accept": frozenset({MEDIATOR}),
        "POST /cases/{case_id}/decline": frozenset({MEDIATOR}),
        "POST /cases/{case_id}/contacts": frozenset({MEDIATOR}),
        "POST /cases/{case_id}/sessions": frozenset({MEDIATOR}),
        "POST /cases/{case_id}/extensions": frozenset({MEDIATOR}),
        "POST /cases/{case_id}/suspension": frozenset({MEDIATOR}),
        "POST /cases/{case_id}/resumption": frozenset({MEDIATOR}),
        "POST /cases/{case_id}/agreement": frozenset({MEDIATOR}),
        "POST /cases/{case_id}/signatures": frozenset({MEDIATOR}),
        "POST /cases/{case_id}/failure": frozenset({MEDIATOR}),
        "POST /cases/{case_id}/confirmation": frozenset({MEDIATOR, BANK}),
        "POST /cases/{case_id}/confirmation/acceptance": frozenset({JUDGE}),
        "POST /cases/{case_id}/confirmation/decision": frozenset({JUDGE}),
        "GET /statistics": frozenset({ANALYST, ORG_ADMIN, BANK}),
        "GET /courts/me/organisations": frozenset({CLERK}),
        "POST /courts/me/organisations": frozenset({CLERK}),
        "DELETE /courts/me/organisations/{organisation_code}": frozenset({CLERK}),
    },
    "enforcement-inquiry": {
        **PROBES,
        "POST /inquiries": frozenset({JUDGE}),
        "GET /inquiries": frozenset({JUDGE, OFFICER}),
        "GET /inquiries/{inquiry_id}": frozenset({JUDGE, OFFICER}),
        "POST /inquiries/{inquiry_id}/acceptance": frozenset({OFFICER}),
        "POST /inquiries/{inquiry_id}/asset-queries": frozenset({OFFICER}),
        "POST /inquiries/{inquiry_id}/advice": frozenset({OFFICER}),
        "POST /inquiries/{inquiry_id}/acknowledgement": frozenset({JUDGE}),
        "GET /inquiries/{inquiry_id}/{kind}.html": frozenset({JUDGE, OFFICER}),
        "GET /inquiries/{inquiry_id}/{kind}.pdf": frozenset({JUDGE, OFFICER}),
        "GET /statistics": frozenset({JUDGE, OFFICER, ANALYST}),
        "GET /filed-cases/{case_number}": frozenset({JUDGE, OFFICER}),
        "GET /asset-queries": frozenset({BANK}),
        "GET /asset-queries/{query_id}": frozenset({BANK}),
        "POST /asset-queries/{query_id}/answer": frozenset({BANK}),
    },
    "judicial-advice": {
        **PROBES,
        "POST /advices": frozenset({JUDGE, MANAGER}),
        "GET /advices": ADVICE_COURT | ADVICE_RECIPIENTS,
        "PUT /advices/{advice_id}": frozenset({JUDGE, MANAGER}),
        "GET /advices/{advice_id}": ADVICE_COURT | ADVICE_RECIPIENTS,
        "GET /advices/{advice_id}/versions": ADVICE_COURT,
        "POST /advices/{advice_id}/submission": frozenset({JUDGE, MANAGER}),
        "POST /advices/{advice_id}/return": frozenset({COMMITTEE}),
        "POST /advices/{advice_id}/approval": frozenset({COMMITTEE}),
        "POST /advices/{advice_id}/issue": frozenset({PRESIDENT}),
        "POST /advices/{advice_id}/delivery": frozenset({MANAGER}),
        "POST /advices/{advice_id}/acknowledgement": ADVICE_RECIPIENTS,
        "POST /advices/{advice_id}/replies": ADVICE_RECIPIENTS,
        "POST /advices/{advice_id}/evaluation": frozenset({MANAGER}),
        "POST /advices/{advice_id}/archive": frozenset({MANAGER}),
        "POST /advices/{advice_id}/escalation": frozenset({MANAGER}),
        "GET /statistics": ADVICE_COURT,
        "GET /advices/{advice_id}/document": ADVICE_COURT | ADVICE_RECIPIENTS,
        "GET /advices/{advice_id}/document.pdf": ADVICE_COURT | ADVICE_RECIPIENTS,
        "GET /reports/annual.{fmt}": ADVICE_COURT,
    },
}

# The mediation pool (finance-mediation's unassigned cases): who sees an unassigned case of COURT, and how much.
# MEDIATION_ORG_A is registered by COURT's intake clerk to serve it; MEDIATION_ORG_B serves no court. "full" is
# the whole case with the parties' ID numbers and phones; "pool" only what it takes to decide on taking it.
POOL_REGISTERED, POOL_UNREGISTERED = MEDIATION_ORG_A, MEDIATION_ORG_B
POOL: dict[tuple[Role, str], str | None] = {
    (ORG_ADMIN, POOL_REGISTERED): "pool",
    (ORG_ADMIN, POOL_UNREGISTERED): None,
    (JUDGE, COURT): "full",
    (JUDGE, OTHER_COURT): None,
    (BANK, BANK_A): "full",  # the claimant
    (BANK, BANK_B): None,
    (MEDIATOR, MEDIATION_ORG_A): None,  # a mediator sees only the cases given to them
}
"""(role, organisation) → what GET /cases and GET /cases/{id} show of a pool case (None: not listed, 404)."""
