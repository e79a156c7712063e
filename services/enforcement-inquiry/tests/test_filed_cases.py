"""The parties of a case intake filed, looked up by its number while a judge writes the letter on it: known from
intake's event, in the judge's court only; a number that is not one is refused by field; the statistics per month."""

from __future__ import annotations

from urllib.parse import quote

from courtlink_shared.auth.principal import Role
from courtlink_shared.testing.waiting import eventually
from inquiry_fixtures import BANK_A, COURT, OTHER_COURT, Api, filed_case, inquiry_body, person, publish_filed


async def test_a_filed_case_answers_its_parties_to_its_court_only(
    api: Api, kafka_bootstrap: str, topic_prefix: str
) -> None:
    await publish_filed(kafka_bootstrap, topic_prefix, filed_case(31, [person(1), person(2)]))
    await publish_filed(kafka_bootstrap, topic_prefix, filed_case(32, [person(3)], court=OTHER_COURT))
    path = "/filed-cases/" + quote("(2026)吉7101民初31号")  # ASCII brackets, as a judge may type them
    found: dict[str, object] = {}

    async def known() -> bool:
        response = await api.client.get(path, headers=api.judge)
        if response.status_code == 200:
            found.update(response.json())
        return response.status_code == 200

    await eventually(known, what="the filed case known from intake")
    assert found["case_number"] == "（2026）吉7101民初31号"
    assert found["claimant"] == {"name": "甲银行", "code": BANK_A}
    assert found["respondents"] == [person(1), person(2)]
    assert found["claim_total"] == "100000.00"

    # The officer of the court reads it too; the other court's judge does not, nor its own case from here.
    assert (await api.client.get(path, headers=api.officer)).status_code == 200
    other_judge = api.as_(Role.TRIAL_JUDGE, OTHER_COURT)
    assert (await api.client.get(path, headers=other_judge)).status_code == 404

    async def other_known() -> bool:
        response = await api.client.get("/filed-cases/" + quote("（2026）吉7102民初32号"), headers=other_judge)
        return response.status_code == 200

    await eventually(other_known, what="the other court's case known")
    other = await api.client.get("/filed-cases/" + quote("（2026）吉7102民初32号"), headers=api.judge)
    assert other.status_code == 404

    # Unknown in the court: 404; not a case number: 422 naming the field; a bank: 403.
    assert (
        await api.client.get("/filed-cases/" + quote("（2026）吉7101民初99号"), headers=api.judge)
    ).status_code == 404
    bad = await api.client.get("/filed-cases/" + quote("2026吉7101民初"), headers=api.judge)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["path.case_number"]
    assert (await api.client.get(path, headers=api.bank(BANK_A))).status_code == 403


async def test_statistics_count_inquiries_per_month_of_the_letter(api: Api) -> None:
    for n in (41, 42):
        await api.submit(inquiry_body(f"（2026）{COURT}民初{n}号"))
    response = await api.client.get(
        "/statistics", params={"from": "2026-01-01", "to": "2026-12-31"}, headers=api.as_(Role.ANALYST)
    )
    assert response.status_code == 200, response.text
    figures = response.json()
    assert figures["per_month"] == {"2026-03": {"inquiries": 2, "advised": 0, "within_service_level": 0}}
    assert sum(m["inquiries"] for m in figures["per_month"].values()) == figures["inquiries"]
