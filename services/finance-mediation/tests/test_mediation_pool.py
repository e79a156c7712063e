"""The pool of unassigned cases: seen only by the organisations a court registered to serve it (and by the
court's own staff), and before assignment only what it takes to decide on the case."""

from __future__ import annotations

from courtlink_shared.auth.principal import Role
from courtlink_shared.identifiers.resident_id import mask_resident_id
from mediation_fixtures import COURT, ORG, OTHER_ORG, Api, mediator, routed
from test_mediation_cases import open_cases

OTHER_COURT = "吉7102"


async def _pool_case(api: Api, kafka_bootstrap: str, topic_prefix: str) -> tuple[dict[str, object], str]:
    """A case nobody can take automatically (the only mediator is unavailable): it waits in the pool."""
    await api.roster(mediator("m1"), registered=False)
    await api.roster(org=OTHER_ORG, registered=False)
    await api.client.patch("/mediators/m1", json={"available": False}, headers=api.admin())
    event = routed()
    [c] = await open_cases(api, kafka_bootstrap, topic_prefix, event)
    assert (c["status"], c["mediator_id"]) == ("opened", None)
    return c, event.dispute.respondents[0].id_number


class TestPoolScope:
    async def test_an_organisation_never_registered_with_the_court_sees_nothing_of_its_pool(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        c, _ = await _pool_case(api, kafka_bootstrap, topic_prefix)
        await api.register_with_court(OTHER_ORG, OTHER_COURT)  # registered, but with another court
        for org in (ORG, OTHER_ORG):
            assert (await api.client.get("/cases", headers=api.admin(org))).json() == []
            assert (await api.client.get(f"/cases/{c['id']}", headers=api.admin(org))).status_code == 404
            assignment = await api.client.post(
                f"/cases/{c['id']}/assignment", json={"mediator_id": "m1"}, headers=api.admin(org)
            )
            assert assignment.status_code == 404

    async def test_a_registered_organisation_sees_the_case_without_the_parties_identifiers(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        c, id_number = await _pool_case(api, kafka_bootstrap, topic_prefix)
        await api.register_with_court(ORG, COURT)
        [listed] = (await api.client.get("/cases", headers=api.admin())).json()
        detail = await api.client.get(f"/cases/{c['id']}", headers=api.admin())
        assert listed["id"] == detail.json()["id"] == c["id"]
        assert id_number not in detail.text
        assert id_number not in str(listed)
        assert mask_resident_id(id_number) in listed["parties"]
        shown = detail.json()["dispute"]
        assert shown["respondents"][0]["name"]
        assert shown["claim"]["total"]
        assert shown["dispute_type"]
        assert detail.json()["activities"] == []
        judge = await api.client.get(f"/cases/{c['id']}", headers=api.auth(Role.TRIAL_JUDGE, COURT))
        assert id_number in judge.text, "the court's own judges see the whole case"
        await api.client.patch("/mediators/m1", json={"available": True}, headers=api.admin())
        taken = await api.client.post(f"/cases/{c['id']}/assignment", json={"mediator_id": "m1"}, headers=api.admin())
        assert taken.status_code == 200, taken.text
        assigned = await api.client.get(f"/cases/{c['id']}", headers=api.admin())
        assert id_number in assigned.text, "once the case is the organisation's, it sees the parties"

    async def test_the_court_keeps_its_roster_and_only_its_own(
        self, api: Api, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        c, _ = await _pool_case(api, kafka_bootstrap, topic_prefix)
        clerk, other_clerk = api.auth(Role.INTAKE_CLERK, COURT), api.auth(Role.INTAKE_CLERK, OTHER_COURT)
        first = await api.client.post("/courts/me/organisations", json={"organisation_code": ORG}, headers=clerk)
        again = await api.client.post("/courts/me/organisations", json={"organisation_code": ORG}, headers=clerk)
        assert (first.status_code, again.status_code) == (201, 200)
        listed = (await api.client.get("/courts/me/organisations", headers=clerk)).json()
        assert [(r["organisation_code"], r["organisation_name"]) for r in listed] == [(ORG, "长春金融纠纷调解室")]
        assert (await api.client.get("/courts/me/organisations", headers=other_clerk)).json() == []
        assert (await api.client.delete(f"/courts/me/organisations/{ORG}", headers=other_clerk)).status_code == 404
        bad = await api.client.post("/courts/me/organisations", json={"organisation_code": "123"}, headers=clerk)
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "body.organisation_code"
        assert len((await api.client.get("/cases", headers=api.admin())).json()) == 1
        assert (await api.client.delete(f"/courts/me/organisations/{ORG}", headers=clerk)).status_code == 204
        assert (await api.client.get("/cases", headers=api.admin())).json() == []
        assert (await api.client.get(f"/cases/{c['id']}", headers=api.admin())).status_code == 404
