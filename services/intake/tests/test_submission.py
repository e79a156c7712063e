"""A bank submits one dispute: validation, idempotency, duplicates, routing with a number and a notice."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from courtlink_shared.auth.principal import Role
from courtlink_shared.events import Envelope
from courtlink_shared.events.topics import INTAKE_DISPUTES
from courtlink_shared.testing.factories import today_in_beijing
from courtlink_shared.testing.kafka_reader import read_topic
from intake_fixtures import BANK_A, BANK_B, COURT, OTHER_COURT, Api, dispute

MEDIATION_NUMBER = re.compile(r"^（\d{4}）吉7101民诉前调\d+号$")


async def submit(api: Api, body: dict[str, Any], org: str = BANK_A) -> Any:
    return await api.client.post("/disputes", json=body, headers=api.bank(org))


class TestSubmittingOneDispute:
    async def test_a_valid_dispute_is_routed_with_a_mediation_number_and_a_notice(self, api: Api) -> None:
        response = await submit(api, dispute())
        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "routed"
        assert MEDIATION_NUMBER.match(body["mediation_number"])
        assert body["notice"]["template"] == "credit_card"
        assert response.headers["location"] == f"/disputes/{body['id']}"
        detail = (await api.client.get(f"/disputes/{body['id']}", headers=api.bank())).json()
        assert [e["kind"] for e in detail["timeline"]] == ["submitted", "routed"]

    async def test_routing_publishes_the_events_mediation_needs(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        body = (await submit(api, dispute())).json()
        records = await read_topic(kafka_bootstrap, INTAKE_DISPUTES.physical(topic_prefix), expected=2)
        envelopes = [Envelope.model_validate_json(r.value) for r in records]
        assert [e.type for e in envelopes] == ["intake.dispute.submitted", "intake.dispute.routed"]
        assert {r.key for r in records} == {body["id"].encode()}
        routed = envelopes[1].data
        assert routed["mediation_number"] == body["mediation_number"]
        assert routed["dispute"]["respondents"][0]["id_number"] == body["respondents"][0]["id_number"]
        assert routed["dispute"]["claim"]["total"] == "10643.10"

    async def test_input_is_normalised_before_it_is_validated(self, api: Api) -> None:
        body = dispute()
        body["respondents"][0]["id_number"] = body["respondents"][0]["id_number"].lower().replace("1", "１")
        body["claim"]["principal"] = "１００００.００"
        response = await submit(api, body)
        assert response.status_code == 201, response.text
        assert response.json()["claim"]["principal"] == "10000.00"

    async def test_numbers_run_without_gaps_per_court(self, api: Api) -> None:
        numbers = [(await submit(api, dispute())).json()["mediation_number"] for _ in range(3)]
        ns = [int(re.search(r"调(\d+)号", n).group(1)) for n in numbers]  # type: ignore[union-attr]
        assert ns == [ns[0], ns[0] + 1, ns[0] + 2]


class TestBadInput:
    async def test_every_fault_is_reported_field_by_field_and_nothing_is_stored(self, api: Api) -> None:
        body = dispute()
        body["dispute_type"] = "离婚纠纷"
        body["respondents"][0]["id_number"] = "110105194912310021"
        body["claim"]["interest"] = "1.234"  # (the sum is only checked once every part is valid)
        body["default_date"] = (today_in_beijing() + timedelta(days=3)).isoformat()
        body["court_code"] = "Court 1"
        response = await submit(api, body)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        fields = {e["field"] for e in response.json()["errors"]}
        assert fields == {
            "body.dispute_type",
            "body.respondents.0.id_number",
            "body.claim.interest",
            "body.default_date",
            "body.court_code",
        }
        assert all(e["message_zh"] for e in response.json()["errors"])
        assert (await api.client.get("/disputes", headers=api.bank())).json()["items"] == []

    async def test_a_total_that_is_not_the_sum_says_so(self, api: Api) -> None:
        body = dispute()
        body["claim"]["total"] = "10000.00"
        error = (await submit(api, body)).json()["errors"][0]
        assert error["field"] == "body.claim.total"
        assert "10643.10" in error["message"]

    async def test_a_bank_cannot_submit_for_another_bank(self, api: Api) -> None:
        response = await submit(api, dispute(bank=BANK_B), org=BANK_A)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "claimant.code"

    async def test_a_legacy_company_code_is_accepted_with_a_warning(self, api: Api) -> None:
        body = dispute()
        body["respondents"] = [{"kind": "company", "name": "某某贸易有限公司", "id_number": "91110000600037341M"}]
        response = await submit(api, body)
        assert response.status_code == 201
        assert response.json()["warnings"] == ["91110000600037341M: legacy credit code (checksum fails), accepted"]


class TestTheAnswer:
    async def test_the_answer_to_a_submission_is_the_dispute_as_stored(self, api: Api) -> None:
        body = dispute()
        body["claim"] = {"principal": "10000", "interest": "523.1", "penalty": "120", "fees": "0", "total": "10643.1"}
        body["respondents"].append({"kind": "company", "name": "某某贸易有限公司", "id_number": "91110000600037341M"})
        routed = await submit(api, body)
        flagged = await submit(api, {**body, "bank_reference": "CC-SAME-CONTRACT"})  # a probable duplicate
        repeated = await submit(api, body)  # answered from the stored dispute
        assert [r.status_code for r in (routed, flagged, repeated)] == [201, 201, 200]
        assert repeated.json() == routed.json()
        for answer in (routed.json(), flagged.json()):
            stored = (await api.client.get(f"/disputes/{answer['id']}", headers=api.bank())).json()
            del stored["timeline"]
            assert answer == stored
        assert routed.json()["claim"]["total"] == "10643.10", "amounts as stored: two decimals"


class TestIdempotencyAndDuplicates:
    async def test_the_same_reference_and_content_returns_the_original(self, api: Api) -> None:
        body = dispute()
        first = await submit(api, body)
        again = await submit(api, body)
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert len((await api.client.get("/disputes", headers=api.bank())).json()["items"]) == 1

    async def test_the_same_reference_with_other_content_is_a_conflict(self, api: Api) -> None:
        body = dispute()
        await submit(api, body)
        changed = {**body, "contract_number": "HT-OTHER"}
        response = await submit(api, changed)
        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "bank_reference"

    async def test_a_new_reference_for_a_known_contract_and_respondent_waits_for_a_clerk(self, api: Api) -> None:
        original = dispute()
        first = (await submit(api, original)).json()
        flagged = (await submit(api, {**original, "bank_reference": "CC-NEW-REF"})).json()
        assert flagged["status"] == "pending_review"
        assert flagged["probable_duplicate_of"] == first["id"]
        assert flagged["mediation_number"] is None

        assert (
            await api.client.post(
                f"/disputes/{flagged['id']}/duplicate-review",
                json={"decision": "reject", "reason": "与已提交纠纷重复"},
                headers=api.bank(),
            )
        ).status_code == 403
        assert (
            await api.client.post(
                f"/disputes/{flagged['id']}/duplicate-review",
                json={"decision": "reject", "reason": "x"},
                headers=api.clerk(OTHER_COURT),
            )
        ).status_code == 404
        rejected = await api.client.post(
            f"/disputes/{flagged['id']}/duplicate-review",
            json={"decision": "reject", "reason": "与已提交纠纷重复"},
            headers=api.clerk(COURT),
        )
        assert rejected.json()["status"] == "rejected"

    async def test_a_clerk_may_route_a_flagged_dispute_after_all(self, api: Api) -> None:
        original = dispute()
        await submit(api, original)
        flagged = (await submit(api, {**original, "bank_reference": "CC-SECOND-LOAN"})).json()
        routed = await api.client.post(
            f"/disputes/{flagged['id']}/duplicate-review",
            json={"decision": "route", "reason": "同一合同项下另一笔借款"},
            headers=api.clerk(),
        )
        assert routed.json()["status"] == "routed"
        assert MEDIATION_NUMBER.match(routed.json()["mediation_number"])


class TestWithdrawal:
    async def test_a_bank_withdraws_before_filing_but_not_twice(self, api: Api) -> None:
        created = (await submit(api, dispute())).json()
        url = f"/disputes/{created['id']}/withdraw"
        first = await api.client.post(url, json={"reason": "已与客户和解"}, headers=api.bank())
        assert first.json()["status"] == "withdrawn"
        again = await api.client.post(url, json={"reason": "again"}, headers=api.bank())
        assert again.status_code == 409
        assert again.json()["title"] == "Action not allowed in the current state"

    async def test_a_clerk_cannot_withdraw_for_the_bank(self, api: Api) -> None:
        created = (await submit(api, dispute())).json()
        response = await api.client.post(
            f"/disputes/{created['id']}/withdraw", json={"reason": "x"}, headers=api.auth(Role.INTAKE_CLERK, COURT)
        )
        assert response.status_code == 403
