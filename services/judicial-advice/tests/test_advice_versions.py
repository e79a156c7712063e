"""Every saved version of an advice, read back to compare them: the court's staff of its court only (the agency
receives the signed advice, never the drafts); and the advice issued per month of the year."""

from __future__ import annotations

from advice_fixtures import AGENCY, COURT, Api, advice_body
from courtlink_shared.auth.principal import Role


async def test_every_version_is_kept_and_read_by_the_court_only(api: Api) -> None:
    created = await api.client.post("/advices", json=advice_body(), headers=api.as_(Role.TRIAL_JUDGE))
    assert created.status_code == 201, created.text
    aid = created.json()["id"]
    second = advice_body(
        problems=["催收频次过高", "格式条款未提示", "利息计算不透明"],
        recommendations=[
            {"problem": 0, "text": "规范催收频次，每日不超过三次"},
            {"problem": 1, "text": "以显著方式提示格式条款"},
            {"problem": 2, "text": "公开利息计算方法"},
        ],
    )
    revised = await api.client.put(f"/advices/{aid}", json=second, headers=api.as_(Role.ADVICE_MANAGER))
    assert revised.status_code == 200, revised.text

    response = await api.client.get(f"/advices/{aid}/versions", headers=api.as_(Role.JUDICIAL_COMMITTEE))
    assert response.status_code == 200, response.text
    versions = response.json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["content"]["problems"] == ["催收频次过高", "利息计算不透明"]
    assert versions[1]["content"]["recommendations"][0]["text"] == "规范催收频次，每日不超过三次"
    assert versions[0]["saved_by"] == f"{Role.TRIAL_JUDGE.value}@{COURT}"
    assert versions[1]["saved_by"] == f"{Role.ADVICE_MANAGER.value}@{COURT}"

    # Another court: not found. The agency, even once the advice is delivered to it: not its to read (403).
    assert (
        await api.client.get(f"/advices/{aid}/versions", headers=api.as_(Role.ADVICE_MANAGER, "吉7102"))
    ).status_code == 404
    for action, role in (
        ("submission", Role.ADVICE_MANAGER),
        ("approval", Role.JUDICIAL_COMMITTEE),
        ("issue", Role.PRESIDENT),
    ):
        assert (await api.step(aid, action, role)).status_code == 200
    delivered = await api.step(aid, "delivery", Role.ADVICE_MANAGER, method="electronic", proof="回执 1")
    assert delivered.status_code == 200
    agency = api.as_(Role.AGENCY_OFFICER, AGENCY)
    assert (await api.client.get(f"/advices/{aid}", headers=agency)).status_code == 200
    assert (await api.client.get(f"/advices/{aid}/versions", headers=agency)).status_code == 403

    # The advice signed in March 2026 (the test clock) is counted in that month.
    stats = (await api.client.get("/statistics", headers=api.as_(Role.ANALYST))).json()
    assert stats["per_month"] == {"2026-03": {"issued": 1, "replied": 0}}
