"""Mediation cases on real PostgreSQL and Kafka: opening from intake's events, assignment and reassignment,
the period and its sweeps (controllable clock, Chinese working days), closing, judicial confirmation, scoping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from courtlink_shared.auth.principal import Role
from courtlink_shared.events import Envelope
from courtlink_shared.events.common import Actor
from courtlink_shared.events.intake import DisputeRouted, DisputeWithdrawn
from courtlink_shared.events.topics import MEDIATION_CASES
from courtlink_shared.testing.kafka_reader import read_topic
from courtlink_shared.testing.waiting import eventually
from mediation_fixtures import BANK_A, BANK_B, COURT, ORG, OTHER_ORG, Api, mediator, publish, routed


async def open_cases(api: Api, kafka_bootstrap: str, topic_prefix: str, *events: DisputeRouted) -> list[dict[str, Any]]:
    await publish(kafka_bootstrap, topic_prefix, *events)
    ids = {e.dispute_id for e in events}
    found: dict[str, dict[str, Any]] = {}

    async def all_open() -> bool:
        for c in (
            await api.client.get("/cases", params={"limit": 500}, headers=api.auth(Role.TRIAL_JUDGE, COURT))
        ).json():
            if c["dispute_id"] in ids:
                found[c["dispute_id"]] = c
        return len(found) == len(ids)

    await eventually(all_open, what="the cases to open")
    return [found[e.dispute_id] for e in events]


async def case(api: Api, case_id: str) -> dict[str, Any]:
    return dict((await api.client.get(f"/cases/{case_id}", headers=api.auth(Role.TRIAL_JUDGE, COURT))).json())


async def accepted_case(api: Api, kafka_bootstrap: str, topic_prefix: str) -> dict[str, Any]:
    await api.roster(mediator("m1"))
    [c] = await open_cases(api, kafka_bootstrap, topic_prefix, routed())
    response = await api.client.post(f"/cases/{c['id']}/accept", headers=api.mediator("m1"))
    assert response.status_code == 200, response.text
    return dict(response.json())


class TestOpeningAndAssignment:
    async def test_a_routed_dispute_opens_a_case_for_the_least_loaded_unaffiliated_specialist(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        await api.roster(
            mediator("affiliated", affiliations=(BANK_A,)),
            mediator("busy", capacity=1),
            mediator("loans-only", specialties=("金融借款合同纠纷",)),
            mediator("free"),
        )
        event = routed()
        [first, second] = await open_cases(api, kafka_bootstrap, topic_prefix, event, routed())
        assert {first["mediator_id"], second["mediator_id"]} == {"busy", "free"}
        # a list says who the case is between and what is claimed, as intake routed it
        assert (first["claimant_name"], first["claim_total"]) == ("示例银行", "10000.00")
        assert first["respondent_names"] == [r.name for r in event.dispute.respondents]
        assert first["status"] == second["status"] == "assigned"
        [third] = await open_cases(api, kafka_bootstrap, topic_prefix, routed())
        assert third["mediator_id"] == "free", "busy is at capacity, the other two never qualify"
        records = await read_topic(kafka_bootstrap, MEDIATION_CASES.physical(topic_prefix), expected=6)
        types = [Envelope.model_validate_json(r.value).type for r in records]
        assert types.count("mediation.case.opened") == types.count("mediation.case.mediator_assigned") == 3

    async def test_a_redelivered_routed_event_opens_nothing_twice(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        await api.roster(mediator("m1"))
        event = routed()
        await publish(kafka_bootstrap, topic_prefix, event)
        await open_cases(api, kafka_bootstrap, topic_prefix, event)  # the same dispute routed again, another event
        consumer = next(c for c in api.runtime.consumers if c.name.endswith("finance-mediation"))

        async def both_handled() -> bool:
            return consumer.handled + consumer.duplicates + consumer.dead_lettered == 2

        await eventually(both_handled, what="both events to be handled or parked")
        cases = (await api.client.get("/cases", headers=api.mediator("m1"))).json()
        assert len(cases) == 1
        assert consumer.dead_lettered == 0, "the second event is handled (it finds the case), not parked as failing"
        records = await read_topic(kafka_bootstrap, MEDIATION_CASES.physical(topic_prefix), expected=2)
        assert [Envelope.model_validate_json(r.value).type for r in records] == [
            "mediation.case.opened",
            "mediation.case.mediator_assigned",
        ]

    async def test_with_nobody_eligible_the_case_waits_in_the_pool_for_a_manual_assignment(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        await api.roster(mediator("affiliated", affiliations=(BANK_A,)), mediator("other"))
        await api.register_with_court()
        await api.client.patch("/mediators/other", json={"available": False}, headers=api.admin())
        [c] = await open_cases(api, kafka_bootstrap, topic_prefix, routed())
        assert (c["status"], c["mediator_id"]) == ("opened", None)
        refused = await api.client.post(
            f"/cases/{c['id']}/assignment", json={"mediator_id": "affiliated"}, headers=api.admin()
        )
        assert refused.status_code == 422, "never a mediator affiliated with the claimant, not even by hand"
        await api.client.patch("/mediators/other", json={"available": True}, headers=api.admin())
        manual = await api.client.post(
            f"/cases/{c['id']}/assignment", json={"mediator_id": "other"}, headers=api.admin()
        )
        assert (manual.json()["status"], manual.json()["mediator_id"]) == ("assigned", "other")

    async def test_only_an_organisation_on_the_courts_roster_is_given_its_cases(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        await api.roster(mediator("m1"), registered=False)
        await api.roster(mediator("elsewhere"), org=OTHER_ORG, registered=False)
        await api.register_with_court(OTHER_ORG, "吉7102")  # on another court's roster only
        [c] = await open_cases(api, kafka_bootstrap, topic_prefix, routed())
        assert (c["status"], c["mediator_id"]) == ("opened", None), "nobody on this court's roster"
        await api.register_with_court(ORG)  # the court's clerk puts the organisation on the roster
        api.clock.advance(timedelta(hours=1))  # the case is offered again an hour later
        assert await api.sweep() == 1
        given = await case(api, c["id"])
        assert (given["status"], given["mediator_id"], given["organisation_code"]) == ("assigned", "m1", ORG)

    async def test_a_case_not_accepted_in_three_working_days_is_reassigned_by_the_sweep(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        await api.roster(mediator("slow"), mediator("quick", capacity=20))
        [c] = await open_cases(api, kafka_bootstrap, topic_prefix, routed())
        first = c["mediator_id"]
        api.clock.advance(timedelta(days=10, hours=10))  # 10 Oct 19:00 Beijing: still the third working day
        assert await api.sweep() == 0
        assert (await case(api, c["id"]))["mediator_id"] == first
        api.clock.advance(timedelta(hours=6))  # past midnight after the adjusted working Saturday
        assert await api.sweep() == 1
        after = await case(api, c["id"])
        assert after["mediator_id"] != first
        assert after["status"] == "assigned"
        records = await read_topic(kafka_bootstrap, MEDIATION_CASES.physical(topic_prefix), expected=3)
        reassigned = Envelope.model_validate_json(records[-1].value).data
        assert reassigned["mode"] == "reassignment"
        assert "not accepted within 3 working days" in reassigned["reason"]
        assert await api.sweep() == 0, "each deadline fires once"

    async def test_a_declining_mediator_is_replaced_and_not_asked_again(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        await api.roster(mediator("a"), mediator("b"))
        [c] = await open_cases(api, kafka_bootstrap, topic_prefix, routed())
        first = c["mediator_id"]
        declined = await api.client.post(
            f"/cases/{c['id']}/decline", json={"reason": "利益冲突"}, headers=api.mediator(first)
        )
        assert declined.json()["mediator_id"] not in (None, first)


class TestMediation:
    async def test_the_period_runs_thirty_days_from_acceptance_and_expires_by_the_sweep(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        c = await accepted_case(api, kafka_bootstrap, topic_prefix)
        assert c["status"] == "in_mediation"
        api.clock.advance(timedelta(days=29))
        assert await api.sweep() == 0
        api.clock.advance(timedelta(days=2))
        assert await api.sweep() == 1
        closed = await case(api, c["id"])
        assert (closed["status"], closed["ground"]) == ("failed", "period_expired")

    async def test_an_extension_needs_every_partys_consent(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        c = await accepted_case(api, kafka_bootstrap, topic_prefix)
        now = api.clock.now().isoformat()
        bank_only = {"days": 10, "consents": [{"party": BANK_A, "consented_at": now}]}
        refused = await api.client.post(f"/cases/{c['id']}/extensions", json=bank_only, headers=api.mediator("m1"))
        assert refused.status_code == 422
        assert c["parties"][1] in refused.json()["errors"][0]["message"]
        everyone = {"days": 10, "consents": [{"party": p, "consented_at": now} for p in c["parties"]]}
        extended = (
            await api.client.post(f"/cases/{c['id']}/extensions", json=everyone, headers=api.mediator("m1"))
        ).json()
        assert extended["extension_days"] == 10
        reused = {"days": 20, "consents": everyone["consents"]}
        refused = await api.client.post(f"/cases/{c['id']}/extensions", json=reused, headers=api.mediator("m1"))
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "consents"
        assert "already given for an extension of 10 days" in refused.json()["errors"][0]["message"]
        api.clock.advance(timedelta(days=35))
        assert await api.sweep() == 0, "the old due date no longer fires"
        api.clock.advance(timedelta(days=6))
        assert await api.sweep() == 1

    async def test_a_second_extension_takes_new_consents_and_a_deadline_in_an_unpublished_year_says_so(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        c = await accepted_case(api, kafka_bootstrap, topic_prefix)
        url = f"/cases/{c['id']}/extensions"
        for days in (60, 60):
            api.clock.advance(timedelta(hours=1))  # the parties consent again, later
            now = api.clock.now().isoformat()
            body = {"days": days, "consents": [{"party": p, "consented_at": now} for p in c["parties"]]}
            extended = (await api.client.post(url, json=body, headers=api.mediator("m1"))).json()
        assert extended["extension_days"] == 120
        assert extended["ends_on"]["due_at"].startswith("2027-")
        assert extended["calendar_warning_zh"] == "2027年节假日安排尚未公布，按法定节假日计算"
        assert extended["calendar_warning"] == (
            "2027: no holiday arrangement published yet; counted on the statutory holidays only"
        )

    async def test_time_suspended_for_appraisal_does_not_count(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        c = await accepted_case(api, kafka_bootstrap, topic_prefix)
        url = f"/cases/{c['id']}"
        await api.client.post(f"{url}/suspension", json={"reason": "抵押物评估"}, headers=api.mediator("m1"))
        api.clock.advance(timedelta(days=20))
        assert await api.sweep() == 0
        resumed = (await api.client.post(f"{url}/resumption", headers=api.mediator("m1"))).json()
        assert resumed["suspended_days"] == "20.00"
        api.clock.advance(timedelta(days=25))
        assert await api.sweep() == 0, "25 of 30 days used: the 20 suspended days do not count"

    async def test_contacts_and_sessions_are_recorded(self, api: Api, kafka_bootstrap: str, topic_prefix: str) -> None:
        c = await accepted_case(api, kafka_bootstrap, topic_prefix)
        at = api.clock.now().isoformat()
        await api.client.post(
            f"/cases/{c['id']}/contacts",
            json={"at": at, "channel": "phone", "party": "客户", "result": "reached"},
            headers=api.mediator("m1"),
        )
        await api.client.post(
            f"/cases/{c['id']}/sessions",
            json={"started_at": at, "channel": "online", "minutes": 45, "summary": "双方就分期方案交换意见"},
            headers=api.mediator("m1"),
        )
        kinds = [a["kind"] for a in (await case(api, c["id"]))["activities"]]
        assert kinds == ["accepted", "contact", "session"]

    async def test_an_agreement_takes_effect_when_the_last_party_signs_then_is_confirmed(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        c = await accepted_case(api, kafka_bootstrap, topic_prefix)
        url = f"/cases/{c['id']}"
        plan: dict[str, Any] = {
            "settled_amount": "9000.00",
            "instalments": [
                {"due_date": "2026-12-01", "amount": "4500.00"},
                {"due_date": "2027-01-01", "amount": "4000.00"},
            ],
        }
        assert (await api.client.post(f"{url}/agreement", json=plan, headers=api.mediator("m1"))).status_code == 422
        plan["instalments"][1]["amount"] = "4500.00"
        assert (await api.client.post(f"{url}/agreement", json=plan, headers=api.mediator("m1"))).status_code == 200
        bank, person = c["parties"]
        one = (await api.client.post(f"{url}/signatures", json={"party": bank}, headers=api.mediator("m1"))).json()
        assert one["status"] == "awaiting_signatures"
        api.clock.advance(timedelta(hours=5))
        two = (await api.client.post(f"{url}/signatures", json={"party": person}, headers=api.mediator("m1"))).json()
        assert two["status"] == "settled"
        assert two["agreement_effective_at"] == api.clock.now().isoformat().replace("+00:00", "Z")

        applied = await api.client.post(
            f"{url}/confirmation", json={"applicants": [bank, person]}, headers=api.auth(Role.BANK_OPERATOR, BANK_A)
        )
        assert applied.json()["confirmation"]["requested_at"] is not None
        api.clock.advance(timedelta(days=4))  # applied on 30 Sep: the third day, 3 Oct, is in the National Day holiday
        in_time = await case(api, c["id"])
        assert in_time["confirmation"]["acceptance_overdue"] is False
        assert in_time["ends_on"]["confirmation_accept_by"] == "2026-10-08"
        api.clock.advance(timedelta(days=4, hours=11))  # 9 Oct, 01:00 Beijing time
        assert (await case(api, c["id"]))["confirmation"]["acceptance_overdue"] is True
        judge = api.auth(Role.TRIAL_JUDGE, COURT)
        await api.client.post(f"{url}/confirmation/acceptance", headers=judge)
        decided = await api.client.post(
            f"{url}/confirmation/decision", json={"decision": "confirmed", "reasons": "协议内容合法"}, headers=judge
        )
        assert decided.json()["confirmation"]["case_number"] == "（2026）吉7101民特1号"
        other_judge = api.auth(Role.TRIAL_JUDGE, "吉7102")
        assert (await api.client.post(f"{url}/confirmation/acceptance", headers=other_judge)).status_code == 404

    async def test_a_failure_closes_the_case_with_its_ground(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        c = await accepted_case(api, kafka_bootstrap, topic_prefix)
        body = {"ground": "party_refused_to_sign", "reason": "被申请人拒绝签字", "claimant_maintains_claim": True}
        failed = await api.client.post(f"/cases/{c['id']}/failure", json=body, headers=api.mediator("m1"))
        assert (failed.json()["status"], failed.json()["ground"]) == ("failed", "party_refused_to_sign")
        again = await api.client.post(f"/cases/{c['id']}/failure", json=body, headers=api.mediator("m1"))
        assert again.status_code == 409

    async def test_a_dispute_withdrawn_at_intake_closes_the_case(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        c = await accepted_case(api, kafka_bootstrap, topic_prefix)
        actor = Actor(subject="alice", organisation=BANK_A, role="bank_operator")
        await publish(
            kafka_bootstrap,
            topic_prefix,
            DisputeWithdrawn(dispute_id=c["dispute_id"], reason="和解", by=actor, withdrawn_at=api.clock.now()),
        )

        async def withdrawn() -> bool:
            return bool((await case(api, c["id"]))["status"] == "withdrawn")

        await eventually(withdrawn, what="the withdrawal")


class TestScoping:
    async def test_a_mediator_acts_only_on_their_own_cases_and_a_bank_reads_only_its_own(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        await api.roster(mediator("m1"), mediator("m2"))
        [c] = await open_cases(api, kafka_bootstrap, topic_prefix, routed(bank=BANK_A))
        other = "m2" if c["mediator_id"] == "m1" else "m1"
        assert (await api.client.post(f"/cases/{c['id']}/accept", headers=api.mediator(other))).status_code == 404
        assert (await api.client.get(f"/cases/{c['id']}", headers=api.mediator(other))).status_code == 404
        assert (await api.client.get("/cases", headers=api.mediator(other))).json() == []
        bank_b = api.auth(Role.BANK_OPERATOR, BANK_B)
        assert (await api.client.get(f"/cases/{c['id']}", headers=bank_b)).status_code == 404
        bank_a = api.auth(Role.BANK_OPERATOR, BANK_A)
        assert (await api.client.get(f"/cases/{c['id']}", headers=bank_a)).status_code == 200
        assert (await api.client.post(f"/cases/{c['id']}/accept", headers=bank_a)).status_code == 403
        other_org_admin = api.admin(OTHER_ORG)
        assert (await api.client.get(f"/cases/{c['id']}", headers=other_org_admin)).status_code == 404
        assert (
            await api.client.patch("/mediators/m1", json={"capacity": 1}, headers=other_org_admin)
        ).status_code == 404

    async def test_the_work_queue_puts_the_nearest_deadline_first_and_the_overview_shows_load(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        await api.roster(mediator("m1"))
        [a] = await open_cases(api, kafka_bootstrap, topic_prefix, routed())
        api.clock.advance(timedelta(days=1))
        [b] = await open_cases(api, kafka_bootstrap, topic_prefix, routed())
        await api.client.post(f"/cases/{a['id']}/accept", headers=api.mediator("m1"))
        queue = (await api.client.get("/cases", headers=api.mediator("m1"))).json()
        assert [c["id"] for c in queue] == [b["id"], a["id"]], "b must be accepted within days, a has 30"
        overview = (await api.client.get("/overview", headers=api.admin(ORG))).json()
        assert overview["mediators"][0]["active_cases"] == 2
        api.clock.advance(timedelta(days=20))
        overview = (await api.client.get("/overview", headers=api.admin(ORG))).json()
        assert [c["id"] for c in overview["overdue_cases"]] == [b["id"]]
