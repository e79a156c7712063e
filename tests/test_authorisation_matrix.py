"""The authorisation matrix: every endpoint of every service (read from its OpenAPI document) × every role × no
token / own organisation / another organisation, against the rules declared in access_rules.py.

- An endpoint without a declared rule (or a rule for an endpoint that no longer exists) fails the suite.
- Without a token: 401. A role the rule does not name: 403. A role it names: neither 401 nor 403, never 5xx.
- On real objects of organisation A (a dispute, a batch, a mediation case, an inquiry, a bank query, an advice):
  every reading endpoint answers the allowed roles of A with 200 and the same roles of organisation B with 404;
  every action without a body answers organisation B with 404 (the same subject name in another organisation
  gets no further).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from access_rules import AGENCY_A as AGENCY
from access_rules import COURT, ORGANISATIONS, OTHER_COURT, POOL, POOL_REGISTERED, PUBLIC, RULES
from courtlink_shared.auth.principal import Role
from courtlink_shared.testing.factories import resident_id
from courtlink_shared.testing.waiting import eventually
from fastapi import FastAPI
from system_fixtures import BANK, StartInProcess, bearer, dispute

FAKE = "00000000-0000-0000-0000-000000000000"
FAKE_PARAMS = {"kind": "letter", "fmt": "csv", "mediator_id": "nobody"}
UNHANDLED_TYPE = "保证合同纠纷"  # no seeded mediator handles it: such a case waits in the pool


@dataclass
class Service:
    name: str
    app: FastAPI
    client: httpx.AsyncClient

    def operations(self) -> list[tuple[str, str, bool]]:
        """(method, path template, has a request body) for every operation of the OpenAPI document."""
        spec = self.app.openapi()
        return [
            (method.upper(), path, "requestBody" in op)
            for path, ops in spec["paths"].items()
            for method, op in ops.items()
        ]


@dataclass
class System:
    services: dict[str, Service]
    keys_dir: Path
    objects: dict[str, str]
    tokens: dict[tuple[Role, bool], dict[str, str]] = field(default_factory=dict)

    def token(self, role: Role, *, own: bool) -> dict[str, str]:
        """A token of `role` in organisation A (own) or B; the same subject name in both (minted once)."""
        if (role, own) not in self.tokens:
            org = ORGANISATIONS[role][0 if own else 1]
            subject = "m1" if role is Role.MEDIATOR else f"{role.value}-1"
            self.tokens[role, own] = bearer(self.keys_dir, role, org, subject)
        return self.tokens[role, own]

    async def call(
        self, service: str, method: str, path: str, headers: dict[str, str] | None, body: bool
    ) -> httpx.Response:
        kwargs: dict[str, Any] = {"json": {}} if body else {}
        return await self.services[service].client.request(method, path, headers=headers or {}, **kwargs)


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), FAKE), path)


@pytest.fixture
async def system(in_process: StartInProcess, keys_dir: Path) -> System:
    started = await in_process(
        {
            "intake": {},
            "finance-mediation": {},
            "enforcement-inquiry": {"sweep_interval_seconds": 0.2, "asset_query_window_seconds": 0.2},
            "judicial-advice": {"court_places": {COURT: "长铁", OTHER_COURT: "吉铁"}},
        }
    )
    services = {name: Service(name, service.app, service.client) for name, service in started.items()}
    return System(services, keys_dir, {})


async def _seed(system: System) -> None:
    """One object of each kind, owned by organisation A (and court 吉7101)."""
    s, own = system.services, {role: system.token(role, own=True) for role in ORGANISATIONS}
    org = {"name": "调解室", "kind": "financial_dispute_mediation_room"}
    await s["finance-mediation"].client.put("/organisations/me", json=org, headers=own[Role.MEDIATION_ORG_ADMIN])
    mediator = {"id": "m1", "name": "王调解", "specialties": ["金融借款合同纠纷"], "capacity": 10}
    await s["finance-mediation"].client.post("/mediators", json=mediator, headers=own[Role.MEDIATION_ORG_ADMIN])
    # The court's roster before the dispute: a case that finds no organisation serving its court waits an hour.
    clerk = own[Role.INTAKE_CLERK]
    registration = {"organisation_code": POOL_REGISTERED}
    await s["finance-mediation"].client.post("/courts/me/organisations", json=registration, headers=clerk)
    system.objects["organisation_code"] = POOL_REGISTERED
    bank = own[Role.BANK_OPERATOR]
    system.objects["dispute_id"] = (await s["intake"].client.post("/disputes", json=dispute(60), headers=bank)).json()[
        "id"
    ]
    batch = await s["intake"].client.post("/batches", json={"disputes": [dispute(61)]}, headers=bank)
    system.objects["batch_id"] = batch.json()["id"]
    system.objects["mediator_id"] = "m1"

    async def case_assigned() -> bool:
        cases = (await s["finance-mediation"].client.get("/cases", headers=own[Role.MEDIATOR])).json()
        found = [c for c in cases if c["dispute_id"] == system.objects["dispute_id"] and c["status"] == "assigned"]
        if found:
            system.objects["case_id"] = found[0]["id"]
        return bool(found)

    await eventually(case_assigned, what="the seeded dispute's case assigned")
    await _seed_filed_case(system, own)

    letter = {
        "case_number": "（2026）吉7101民初900号",
        "respondents": [{"kind": "person", "name": "被执行人", "id_number": resident_id(900)}],
        "terms": {"amount": "1000.00"},
        "questions": ["可否执行？"],
        "property_leads": [{"kind": "bank_account", "description": "账户", "bank": {"code": BANK, "name": "甲银行"}}],
    }
    inquiry = await s["enforcement-inquiry"].client.post("/inquiries", json=letter, headers=own[Role.TRIAL_JUDGE])
    system.objects["inquiry_id"] = inquiry.json()["id"]
    await s["enforcement-inquiry"].client.post(
        f"/inquiries/{system.objects['inquiry_id']}/acceptance", json={}, headers=own[Role.ENFORCEMENT_OFFICER]
    )

    async def query_sent() -> bool:
        queries = (await s["enforcement-inquiry"].client.get("/asset-queries", headers=bank)).json()
        if queries:
            system.objects["query_id"] = queries[0]["id"]
        return bool(queries)

    await eventually(query_sent, what="the seeded inquiry's bank query")

    advice = {
        "title": "司法建议",
        "recipient_name": "某局",
        "recipient_code": AGENCY,
        "cc": [{"name": "甲银行", "code": ORGANISATIONS[Role.BANK_OPERATOR][0]}],  # a bank reads what is copied to it
        "background": "背景",
        "problems": ["问题"],
        "recommendations": [{"problem": 0, "text": "建议"}],
        "contact_person": "李法官",
        "contact_phone": "0431-88888888",
    }
    c = s["judicial-advice"].client
    advice_id = (await c.post("/advices", json=advice, headers=own[Role.ADVICE_MANAGER])).json()["id"]
    await c.post(f"/advices/{advice_id}/submission", headers=own[Role.ADVICE_MANAGER])
    await c.post(f"/advices/{advice_id}/approval", headers=own[Role.JUDICIAL_COMMITTEE])
    await c.post(f"/advices/{advice_id}/issue", headers=own[Role.PRESIDENT])
    delivery = {"method": "electronic", "proof": "回执"}
    delivered = await c.post(f"/advices/{advice_id}/delivery", json=delivery, headers=own[Role.ADVICE_MANAGER])
    assert delivered.json()["status"] == "delivered", delivered.text
    system.objects["advice_id"] = advice_id
    system.objects.update({"kind": "letter", "fmt": "csv"})


async def _seed_filed_case(system: System, own: dict[Role, dict[str, str]]) -> None:
    """The batch's dispute fails in mediation, the bank maintaining its claim: intake files it and enforcement-inquiry
    learns the case's parties (GET /filed-cases/{case_number})."""
    s, mediator, bank = system.services, own[Role.MEDIATOR], own[Role.BANK_OPERATOR]
    case: dict[str, Any] = {}

    async def assigned() -> bool:
        report = await s["intake"].client.get(f"/batches/{system.objects['batch_id']}/report", headers=bank)
        rows = report.json().get("rows", []) if report.status_code == 200 else []
        ids = {r["dispute_id"] for r in rows if r.get("dispute_id")}
        cases = (await s["finance-mediation"].client.get("/cases", headers=mediator)).json()
        case.update(next((c for c in cases if c["dispute_id"] in ids and c["status"] == "assigned"), {}))
        return bool(case)

    await eventually(assigned, what="the batch dispute's case assigned")
    await s["finance-mediation"].client.post(f"/cases/{case['id']}/accept", headers=mediator)
    failure = {"ground": "positions_too_far_apart", "reason": "分歧较大", "claimant_maintains_claim": True}
    await s["finance-mediation"].client.post(f"/cases/{case['id']}/failure", json=failure, headers=mediator)

    async def known_to_enforcement() -> bool:
        seen = await s["intake"].client.get(f"/disputes/{case['dispute_id']}", headers=bank)
        number = seen.json().get("case_number")
        if not number:
            return False
        path = f"/filed-cases/{number}"
        known = await s["enforcement-inquiry"].client.get(path, headers=own[Role.TRIAL_JUDGE])
        system.objects["case_number"] = number
        return known.status_code == 200

    await eventually(known_to_enforcement, what="the filed case known to enforcement-inquiry")


def _rule(service: str, method: str, path: str) -> frozenset[Role]:
    return RULES[service][f"{method} {path}"]


async def test_every_endpoint_has_a_declared_rule_and_every_rule_an_endpoint(system: System) -> None:
    for name, service in system.services.items():
        live = {f"{method} {path}" for method, path, _ in service.operations()}
        assert sorted(live - set(RULES[name])) == [], f"{name}: endpoints without a declared access rule"
        assert sorted(set(RULES[name]) - live) == [], f"{name}: rules for endpoints that do not exist"


async def test_each_endpoint_answers_each_role_as_declared(system: System) -> None:
    """No token 401, an undeclared role 403, a declared role neither (on unknown objects: 404/422, never 5xx)."""
    checked = 0
    faults: list[str] = []
    for name, service in system.services.items():
        for method, template, body in service.operations():
            rule, path = _rule(name, method, template), _fill(template, FAKE_PARAMS)
            anonymous = await system.call(name, method, path, None, body)
            if rule is PUBLIC:
                if anonymous.status_code in (401, 403) or (anonymous.status_code >= 500 and template != "/readyz"):
                    faults.append(f"{name} {method} {template}: public but {anonymous.status_code}")
                continue
            if anonymous.status_code != 401:
                faults.append(f"{name} {method} {template}: no token → {anonymous.status_code}")
            for role in ORGANISATIONS:
                status = (await system.call(name, method, path, system.token(role, own=True), body)).status_code
                expected_denied = role not in rule
                if expected_denied and status != 403:
                    faults.append(f"{name} {method} {template} as {role.value}: {status}, expected 403")
                if not expected_denied and (status in (401, 403) or status >= 500):
                    faults.append(f"{name} {method} {template} as {role.value}: {status}, expected to pass")
                checked += 1
    assert faults == [], "\n".join(faults)
    assert checked > 500


async def test_objects_of_one_organisation_are_not_found_by_another(system: System) -> None:
    """Reading endpoints: 200 for the allowed roles of the owner, 404 for the same roles elsewhere. Actions
    without a body: 404 elsewhere (and the object stays as it was)."""
    await _seed(system)
    faults: list[str] = []
    checked = 0
    for name, service in system.services.items():
        for method, template, body in service.operations():
            if "{" not in template or body or template.endswith("annual.{fmt}"):
                continue
            path = _fill(template, system.objects)
            for role in _rule(name, method, template):
                if method == "GET":
                    own = (await system.call(name, method, path, system.token(role, own=True), False)).status_code
                    if own != 200:
                        faults.append(f"{name} {method} {template} as {role.value} of the owner: {own}")
                other = (await system.call(name, method, path, system.token(role, own=False), False)).status_code
                if other != 404:
                    faults.append(f"{name} {method} {template} as {role.value} of another organisation: {other}")
                checked += 1
    assert faults == [], "\n".join(faults)
    assert checked > 40
    # The actions tried from elsewhere changed nothing.
    own_officer = system.token(Role.ENFORCEMENT_OFFICER, own=True)
    inquiry_path = f"/inquiries/{system.objects['inquiry_id']}"
    inquiry = await system.call("enforcement-inquiry", "GET", inquiry_path, own_officer, False)
    assert inquiry.json()["status"] == "accepted"
    case_path = f"/cases/{system.objects['case_id']}"
    case = await system.call("finance-mediation", "GET", case_path, system.token(Role.MEDIATOR, own=True), False)
    assert case.json()["status"] == "assigned"
    advice_path = f"/advices/{system.objects['advice_id']}"
    advice = await system.call(
        "judicial-advice", "GET", advice_path, system.token(Role.ADVICE_MANAGER, own=True), False
    )
    assert advice.json()["status"] == "delivered"


async def test_the_mediation_pool_is_seen_as_declared(system: System) -> None:
    """An unassigned case is seen by the organisations registered to serve its court, without the parties' ID
    numbers and phones; by the court's judges and the claimant in full; by nobody else (404, not listed)."""
    await _seed(system)
    s = system.services
    bank = system.token(Role.BANK_OPERATOR, own=True)
    pooled = {**dispute(62), "dispute_type": UNHANDLED_TYPE}
    pooled["respondents"][0]["phone"] = "13912345678"
    dispute_id = (await s["intake"].client.post("/disputes", json=pooled, headers=bank)).json()["id"]
    judge = system.token(Role.TRIAL_JUDGE, own=True)
    found: dict[str, str] = {}

    async def in_the_pool() -> bool:
        for c in (await s["finance-mediation"].client.get("/cases", headers=judge)).json():
            if c["dispute_id"] == dispute_id and c["status"] == "opened":
                found["id"] = c["id"]
        return bool(found)

    await eventually(in_the_pool, what="the case waiting in the pool")
    id_number, phone = pooled["respondents"][0]["id_number"], pooled["respondents"][0]["phone"]
    faults = []
    for (role, organisation), shown in POOL.items():
        own = organisation == ORGANISATIONS[role][0]
        if not own:
            assert organisation == ORGANISATIONS[role][1]
        headers = system.token(role, own=own)
        listed = (await s["finance-mediation"].client.get("/cases", headers=headers)).json()
        detail = await s["finance-mediation"].client.get(f"/cases/{found['id']}", headers=headers)
        in_list = any(c["id"] == found["id"] for c in listed)
        if shown is None:
            if in_list or detail.status_code != 404:
                faults.append(f"{role.value} of {organisation}: listed={in_list}, detail {detail.status_code}")
            continue
        if not in_list or detail.status_code != 200:
            faults.append(f"{role.value} of {organisation}: listed={in_list}, detail {detail.status_code}")
            continue
        text = detail.text + str([c for c in listed if c["id"] == found["id"]])
        if shown == "pool" and (id_number in text or phone in text):
            faults.append(f"{role.value} of {organisation} sees the respondent's ID number or phone in the pool")
        if shown == "full" and id_number not in detail.text:
            faults.append(f"{role.value} of {organisation} does not see the respondent's ID number")
    assert faults == [], "\n".join(faults)
