"""The bank follows its dispute through mediation to filing; one bank never sees another's disputes; notices,
search and statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aiokafka import AIOKafkaProducer
from courtlink_shared.auth.principal import Role
from courtlink_shared.events import Envelope
from courtlink_shared.events.envelope import EventData, make_envelope
from courtlink_shared.events.mediation import (
    Agreement,
    MediationAccepted,
    MediationFailed,
    MediationOpened,
    MediationSettled,
    MediatorAssigned,
)
from courtlink_shared.events.topics import INTAKE_DISPUTES, MEDIATION_CASES
from courtlink_shared.testing.factories import today_in_beijing
from courtlink_shared.testing.kafka_reader import read_topic
from courtlink_shared.testing.waiting import eventually
from intake_fixtures import BANK_A, BANK_B, COURT, OTHER_COURT, Api, dispute


async def submit(api: Api, org: str = BANK_A, **overrides: Any) -> dict[str, Any]:
    response = await api.client.post("/disputes", json=dispute(bank=org, **overrides), headers=api.bank(org))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def publish(kafka_bootstrap: str, topic_prefix: str, dispute_id: str, events: list[EventData]) -> None:
    """What finance-mediation publishes, sent on the real topic."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for event in events:
            envelope = make_envelope(event, source="finance-mediation", subject=dispute_id, time=datetime.now(UTC))
            await producer.send_and_wait(
                MEDIATION_CASES.physical(topic_prefix), envelope.model_dump_json().encode(), key=dispute_id.encode()
            )
    finally:
        await producer.stop()


def mediation_steps(dispute_id: str, number: str) -> list[EventData]:
    now = datetime.now(UTC)
    case = {"dispute_id": dispute_id, "case_id": f"case-{dispute_id}"}
    return [
        MediationOpened(**case, mediation_number=number, opened_at=now),
        MediatorAssigned(
            **case,
            mediator_id="m-1",
            mediator_name="李调解",
            organisation_code="org-1",
            mode="automatic",
            reason="specialty match, least loaded",
            accept_by=now + timedelta(days=3),
            assigned_at=now,
        ),
        MediationAccepted(**case, mediator_id="m-1", accepted_at=now, due_at=now + timedelta(days=30)),
    ]


async def detail(api: Api, dispute_id: str, org: str = BANK_A) -> dict[str, Any]:
    return dict((await api.client.get(f"/disputes/{dispute_id}", headers=api.bank(org))).json())


class TestFollowingMediation:
    async def test_a_failed_mediation_the_bank_maintains_is_filed_with_a_case_number(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        created = await submit(api)
        steps = mediation_steps(created["id"], created["mediation_number"])
        await publish(kafka_bootstrap, topic_prefix, created["id"], steps)
        await eventually(lambda: _status(api, created["id"], "in_mediation"), what="in mediation")

        failed = MediationFailed(
            dispute_id=created["id"],
            case_id=f"case-{created['id']}",
            ground="positions_too_far_apart",
            reason="被申请人无还款意愿",
            claimant_maintains_claim=True,
            failed_at=datetime.now(UTC),
        )
        await publish(kafka_bootstrap, topic_prefix, created["id"], [failed])
        await eventually(lambda: _status(api, created["id"], "filed"), what="filing")

        seen = await detail(api, created["id"])
        assert seen["case_number"].startswith(f"（{datetime.now(UTC).year}）吉7101民初")
        kinds = [e["kind"] for e in seen["timeline"]]
        assert kinds == [
            "submitted",
            "routed",
            "mediation.case.opened",
            "mediation.case.mediator_assigned",
            "mediation.case.accepted",
            "mediation.case.failed",
            "filed",
        ]
        assert "李调解" in seen["timeline"][3]["summary"]
        assert "双方分歧过大" in seen["timeline"][5]["summary"]

        records = await read_topic(kafka_bootstrap, INTAKE_DISPUTES.physical(topic_prefix), expected=3)
        filed = [Envelope.model_validate_json(r.value) for r in records][-1]
        assert filed.type == "intake.dispute.filed"
        assert filed.data["case_number"] == seen["case_number"]
        assert filed.causationid is not None, "the filing names the mediation event that caused it"

    async def test_a_settlement_shows_as_settled(self, api: Api, kafka_bootstrap: str, topic_prefix: str) -> None:
        created = await submit(api)
        now = datetime.now(UTC)
        settled = MediationSettled(
            dispute_id=created["id"],
            case_id="c",
            settled_at=now,
            agreement=Agreement(settled_amount=Decimal("9000.00"), instalments=[], effective_at=now),
        )
        await publish(kafka_bootstrap, topic_prefix, created["id"], [*mediation_steps(created["id"], "n"), settled])
        await eventually(lambda: _status(api, created["id"], "settled"), what="settlement")
        stats = (
            await api.client.get(
                "/statistics",
                params={"from": str(today_in_beijing() - timedelta(days=1)), "to": str(today_in_beijing())},
                headers=api.auth(Role.ANALYST, COURT),
            )
        ).json()
        assert (stats["accepted"], stats["routed"], stats["mediations_closed"], stats["settled"]) == (1, 1, 1, 1)
        assert stats["diversion_rate"] == "1.0000"
        assert stats["mediation_success_rate"] == "1.0000"

    async def test_a_withdrawn_dispute_stays_withdrawn_when_mediation_closes(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        created = await submit(api)
        await api.client.post(f"/disputes/{created['id']}/withdraw", json={"reason": "和解"}, headers=api.bank())
        failed = MediationFailed(
            dispute_id=created["id"],
            case_id="c",
            ground="other",
            reason="撤回",
            claimant_maintains_claim=True,
            failed_at=datetime.now(UTC),
        )
        await publish(kafka_bootstrap, topic_prefix, created["id"], [failed])
        await eventually(lambda: _timeline_has(api, created["id"], "mediation.case.failed"), what="the late event")
        seen = await detail(api, created["id"])
        assert seen["status"] == "withdrawn"
        assert seen["case_number"] is None, "a withdrawn dispute is never filed"


async def _status(api: Api, dispute_id: str, status: str) -> bool:
    return bool((await detail(api, dispute_id))["status"] == status)


async def _timeline_has(api: Api, dispute_id: str, kind: str) -> bool:
    return kind in [e["kind"] for e in (await detail(api, dispute_id))["timeline"]]


class TestOneBankNeverSeesAnother:
    async def test_another_banks_dispute_cannot_be_read_searched_counted_or_withdrawn(self, api: Api) -> None:
        mine = await submit(api, BANK_A)
        other = api.bank(BANK_B)
        assert (await api.client.get(f"/disputes/{mine['id']}", headers=other)).status_code == 404
        assert (await api.client.get(f"/disputes/{mine['id']}/notice", headers=other)).status_code == 404
        assert (await api.client.get(f"/disputes/{mine['id']}/notice.pdf", headers=other)).status_code == 404
        withdraw = await api.client.post(f"/disputes/{mine['id']}/withdraw", json={"reason": "x"}, headers=other)
        assert withdraw.status_code == 404
        for params in (
            {},
            {"bank_reference": mine["bank_reference"]},
            {"respondent": mine["respondents"][0]["id_number"]},
        ):
            assert (await api.client.get("/disputes", params=params, headers=other)).json()["items"] == []
        today = str(today_in_beijing())
        stats = (await api.client.get("/statistics", params={"from": today, "to": today}, headers=other)).json()
        assert stats["accepted"] == 0
        assert (await detail(api, mine["id"]))["status"] == "routed", "nothing changed"

    async def test_a_clerk_sees_their_courts_disputes_only(self, api: Api) -> None:
        mine = await submit(api, BANK_A)
        ours = await api.client.get(f"/disputes/{mine['id']}", headers=api.clerk(COURT))
        theirs = await api.client.get(f"/disputes/{mine['id']}", headers=api.clerk(OTHER_COURT))
        assert (ours.status_code, theirs.status_code) == (200, 404)

    async def test_roles_without_business_here_are_refused(self, api: Api) -> None:
        assert (await api.client.get("/disputes")).status_code == 401
        for role in (Role.MEDIATOR, Role.AGENCY_OFFICER, Role.ANALYST):
            assert (await api.client.get("/disputes", headers=api.auth(role, COURT))).status_code == 403
        body = dispute()
        assert (await api.client.post("/disputes", json=body, headers=api.clerk())).status_code == 403


class TestFindingAndReading:
    async def test_search_by_respondent_reference_type_and_status_with_pages(self, api: Api) -> None:
        created = [await submit(api) for _ in range(5)]
        target = created[2]
        by_name = await api.client.get(
            "/disputes", params={"respondent": target["respondents"][0]["name"]}, headers=api.bank()
        )
        assert [d["id"] for d in by_name.json()["items"]] == [target["id"]]
        by_id = await api.client.get(
            "/disputes", params={"respondent": target["respondents"][0]["id_number"].lower()}, headers=api.bank()
        )
        assert [d["id"] for d in by_id.json()["items"]] == [target["id"]]
        by_ref = await api.client.get(
            "/disputes", params={"bank_reference": target["bank_reference"]}, headers=api.bank()
        )
        assert [d["id"] for d in by_ref.json()["items"]] == [target["id"]]
        first = (
            await api.client.get(
                "/disputes", params={"limit": 2, "status": "routed", "dispute_type": "信用卡纠纷"}, headers=api.bank()
            )
        ).json()
        second = (
            await api.client.get(
                "/disputes",
                params={"limit": 2, "status": "routed", "cursor": first["next_cursor"], "dispute_type": "信用卡纠纷"},
                headers=api.bank(),
            )
        ).json()
        ids = [d["id"] for d in first["items"] + second["items"]]
        assert ids == [d["id"] for d in reversed(created)][:4]
        assert (await api.client.get("/disputes", params={"cursor": "garbage"}, headers=api.bank())).status_code == 422

    async def test_the_notice_reads_as_a_chinese_court_document_in_html_and_pdf(self, api: Api) -> None:
        created = await submit(api)
        html = (await api.client.get(f"/disputes/{created['id']}/notice", headers=api.bank())).text
        assert "诉前调解告知书" in html
        assert created["mediation_number"] in html
        assert "长春市示例区人民法院" in html
        assert "三十日" in html
        pdf = await api.client.get(f"/disputes/{created['id']}/notice.pdf", headers=api.bank())
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        assert b"UMingCN" in pdf.content, "the Chinese font is embedded"

    async def test_statistics_refuse_a_backwards_period(self, api: Api) -> None:
        response = await api.client.get(
            "/statistics", params={"from": "2026-02-01", "to": "2026-01-01"}, headers=api.clerk()
        )
        assert response.status_code == 422
