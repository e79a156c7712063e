"""Judicial advice on real PostgreSQL and Kafka: a full life from draft to archive, illegal steps refused,
agencies scoped to what is addressed to them, overdue once by the sweep, numbers without gaps."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from typing import Any

from advice_fixtures import AGENCY, CC_UNIT, COURT, OTHER_AGENCY, Api, advice_body
from courtlink_shared.auth.principal import Role
from courtlink_shared.events import Envelope
from courtlink_shared.events.topics import ADVICE_ITEMS
from courtlink_shared.testing.kafka_reader import read_topic
from pypdf import PdfReader

MANAGER, COMMITTEE, PRESIDENT, AGENCY_ROLE = (
    Role.ADVICE_MANAGER,
    Role.JUDICIAL_COMMITTEE,
    Role.PRESIDENT,
    Role.AGENCY_OFFICER,
)


async def drafted(api: Api, **overrides: Any) -> dict[str, Any]:
    response = await api.client.post("/advices", json=advice_body(**overrides), headers=api.as_(Role.TRIAL_JUDGE))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def delivered(api: Api) -> dict[str, Any]:
    a = await drafted(api)
    for action, role in (("submission", MANAGER), ("approval", COMMITTEE), ("issue", PRESIDENT)):
        assert (await api.step(a["id"], action, role)).status_code == 200
    response = await api.step(a["id"], "delivery", MANAGER, method="electronic", proof="电子送达回执 0001")
    return dict(response.json())


async def test_a_full_life_with_every_event_and_the_timeline_saying_who_did_what(
    api: Api, kafka_bootstrap: str, topic_prefix: str
) -> None:
    a = await drafted(api)
    aid = a["id"]
    assert (await api.step(aid, "submission", MANAGER)).json()["status"] == "submitted"
    returned = await api.step(aid, "return", COMMITTEE, comments="建议补充案例数据")
    assert returned.json()["status"] == "returned"
    revised = await api.client.put(
        f"/advices/{aid}",
        json=advice_body(background="补充：2025年以来共审理此类案件312件。"),
        headers=api.as_(MANAGER),
    )
    assert revised.json()["version"] == 2
    await api.step(aid, "submission", MANAGER)
    await api.step(aid, "approval", COMMITTEE)
    issued = (await api.step(aid, "issue", PRESIDENT)).json()
    assert issued["number"] == "长铁法建〔2026〕1号"
    sent = (await api.step(aid, "delivery", MANAGER, method="in_person", proof="签收单 0001")).json()
    # Two months from delivery on 2 March: 2 May falls in the Labour Day holiday (1–5 May), so 24:00 of 6 May.
    assert sent["reply_deadline"] == "2026-05-06T16:00:00Z"
    assert sent["ends_on"] == {"reply_deadline": "2026-05-06"}
    assert (await api.step(aid, "acknowledgement", AGENCY_ROLE, AGENCY)).json()["status"] == "acknowledged"
    replied = await api.step(
        aid,
        "replies",
        AGENCY_ROLE,
        AGENCY,
        adoption="partly_adopted",
        measures="已开展专项整治",
        reasons="部分建议需上级批准",
    )
    assert (replied.json()["status"], replied.json()["adoption"]) == ("replied", "partly_adopted")
    await api.step(aid, "evaluation", MANAGER, effectiveness="partly_effective", return_visit="回访：投诉量下降三成")
    archived = (await api.step(aid, "archive", MANAGER)).json()
    assert archived["status"] == "archived"

    detail = (await api.client.get(f"/advices/{aid}", headers=api.as_(MANAGER))).json()
    kinds = [(e["kind"], e["organisation"]) for e in detail["timeline"]]
    assert kinds == [
        ("drafted", COURT),
        ("submitted", COURT),
        ("returned", COURT),
        ("revised", COURT),
        ("submitted", COURT),
        ("approved", COURT),
        ("issued", COURT),
        ("delivered", COURT),
        ("acknowledged", AGENCY),
        ("replied", AGENCY),
        ("evaluated", COURT),
        ("archived", COURT),
    ]
    records = await read_topic(kafka_bootstrap, ADVICE_ITEMS.physical(topic_prefix), expected=11)
    types = [Envelope.model_validate_json(r.value).type.rsplit(".", 1)[1] for r in records]
    assert types == [
        "drafted",
        "submitted",
        "returned",
        "submitted",
        "approved",
        "issued",
        "delivered",
        "acknowledged",
        "replied",
        "evaluated",
        "archived",
    ]


async def test_illegal_steps_are_refused_and_change_nothing(api: Api) -> None:
    a = await drafted(api)
    assert (await api.step(a["id"], "issue", PRESIDENT)).status_code == 409, "an unapproved draft is not issued"
    d = await delivered(api)
    edit = await api.client.put(f"/advices/{d['id']}", json=advice_body(title="改"), headers=api.as_(MANAGER))
    assert edit.status_code == 409, "an issued advice is never edited"
    fresh = await drafted(api)
    await api.step(fresh["id"], "submission", MANAGER)
    await api.step(fresh["id"], "approval", COMMITTEE)
    await api.step(fresh["id"], "issue", PRESIDENT)
    early = await api.step(fresh["id"], "replies", AGENCY_ROLE, AGENCY, adoption="adopted", measures="x")
    assert early.status_code == 404, "not delivered: the agency cannot see it yet"
    other = await api.step(d["id"], "replies", AGENCY_ROLE, OTHER_AGENCY, adoption="adopted", measures="x")
    assert other.status_code == 404, "another agency's advice does not exist for it"
    copied = await api.step(d["id"], "replies", AGENCY_ROLE, CC_UNIT, adoption="adopted", measures="x")
    assert copied.status_code == 404, "a copied unit reads, it does not reply"
    assert (await api.client.get(f"/advices/{d['id']}", headers=api.as_(AGENCY_ROLE, CC_UNIT))).status_code == 200
    assert (await api.step(d["id"], "approval", Role.TRIAL_JUDGE)).status_code == 403
    unchanged = (await api.client.get(f"/advices/{d['id']}", headers=api.as_(MANAGER))).json()
    assert (unchanged["status"], unchanged["title"], unchanged["final_reply_at"]) == (
        "delivered",
        advice_body()["title"],
        None,
    )


async def test_content_rules_recommendations_match_problems_and_longer_deadlines_need_a_basis(api: Api) -> None:
    mismatch = await api.client.post(
        "/advices", json=advice_body(recommendations=[{"problem": 0, "text": "x"}]), headers=api.as_(Role.TRIAL_JUDGE)
    )
    assert mismatch.status_code == 422
    longer = await api.client.post("/advices", json=advice_body(reply_months=3), headers=api.as_(Role.TRIAL_JUDGE))
    assert longer.status_code == 422
    with_basis = await api.client.post(
        "/advices",
        json=advice_body(reply_months=3, extended_deadline_basis="涉及多部门协调"),
        headers=api.as_(Role.TRIAL_JUDGE),
    )
    assert with_basis.status_code == 201


async def test_an_unanswered_advice_becomes_overdue_once_and_the_rates_follow(api: Api) -> None:
    late = await delivered(api)
    prompt = await delivered(api)
    await api.step(prompt["id"], "replies", AGENCY_ROLE, AGENCY, adoption="adopted", measures="已整改")
    stats = (await api.client.get("/statistics", headers=api.as_(Role.ANALYST))).json()
    assert (stats["due_or_replied"], stats["replied"], stats["reply_rate"]) == (1, 1, "1.0000")

    api.clock.advance(timedelta(days=66))  # past the deadline (6 May, 2 May being a holiday); the reminder too
    assert await api.sweep() == 2
    assert await api.sweep() == 0, "overdue (and reminded) exactly once"
    stats = (await api.client.get("/statistics", headers=api.as_(Role.ANALYST))).json()
    assert (stats["issued"], stats["due_or_replied"], stats["replied"]) == (2, 2, 1)
    assert (stats["reply_rate"], stats["on_time_rate"], stats["adoption_rate"]) == ("0.5000", "1.0000", "1.0000")
    assert [a["id"] for a in stats["overdue"]] == [late["id"]]
    assert stats["per_recipient"] == {"某市金融监督管理局": {"issued": 2, "replied": 1}}
    api.clock.advance(timedelta(days=7))
    assert await api.sweep() == 1, "a second reminder a week after the deadline"
    escalated = await api.step(late["id"], "escalation", MANAGER, comments="逾期未复函")
    assert escalated.status_code == 200
    timeline = (await api.client.get(f"/advices/{late['id']}", headers=api.as_(MANAGER))).json()["timeline"]
    kinds = [e["kind"] for e in timeline]
    assert (kinds.count("overdue"), kinds.count("reminded"), kinds.count("escalated")) == (1, 2, 1)
    assert timeline[-1]["detail"]["to"] == "某省金融监督管理局"
    prompt_timeline = (await api.client.get(f"/advices/{prompt['id']}", headers=api.as_(MANAGER))).json()["timeline"]
    assert "reminded" not in [e["kind"] for e in prompt_timeline], "no reminder after a final reply"

    await api.step(
        late["id"], "replies", AGENCY_ROLE, AGENCY, adoption="not_adopted", measures="无", reasons="职权所限"
    )
    stats = (await api.client.get("/statistics", headers=api.as_(Role.ANALYST))).json()
    assert (stats["replied"], stats["replied_on_time"], stats["on_time_rate"]) == (2, 1, "0.5000")


async def test_twenty_advices_issued_at_once_get_twenty_consecutive_numbers(api: Api) -> None:
    ids = []
    for _ in range(20):
        a = await drafted(api)
        await api.step(a["id"], "submission", MANAGER)
        await api.step(a["id"], "approval", COMMITTEE)
        ids.append(a["id"])
    responses = await asyncio.gather(*(api.step(aid, "issue", PRESIDENT) for aid in ids))
    numbers = sorted(int(r.json()["number"].split("〕")[1].rstrip("号")) for r in responses)
    assert numbers == list(range(1, 21))


async def test_the_advice_document_and_the_annual_report(api: Api) -> None:
    d = await delivered(api)
    html = (await api.client.get(f"/advices/{d['id']}/document", headers=api.as_(AGENCY_ROLE, AGENCY))).text
    assert "司法建议书" in html
    assert d["number"] in html
    assert "一、催收频次过高" in html
    assert "针对问题二：公开利息计算方法" in html
    assert "2个月内（即2026年05月06日前）" in html  # the last day: 2 May falls in the Labour Day holiday
    assert "抄送：某市银行业协会" in html
    pdf = await api.client.get(f"/advices/{d['id']}/document.pdf", headers=api.as_(MANAGER))
    assert pdf.content.startswith(b"%PDF")
    other = await api.client.get(f"/advices/{d['id']}/document", headers=api.as_(AGENCY_ROLE, OTHER_AGENCY))
    assert other.status_code == 404

    await api.step(d["id"], "replies", AGENCY_ROLE, AGENCY, adoption="adopted", measures="已整改")
    report = await api.client.get("/reports/annual.csv", params={"year": 2026}, headers=api.as_(Role.ANALYST))
    lines = report.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(f"{d['number']},")
    assert ",2026-05-06," in lines[1]  # the reply deadline's last day
    assert ",是,采纳," in lines[1]
    pdf_report = await api.client.get("/reports/annual.pdf", params={"year": 2026}, headers=api.as_(Role.ANALYST))
    assert pdf_report.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_report.content)).pages)
    assert "共发出司法建议1件，已送达1件" in "".join(text.split()), "the figures the statistics report"
    assert "采纳率（含部分采纳）100.0%" in "".join(text.split())
    forbidden = await api.client.get("/reports/annual.csv", params={"year": 2026}, headers=api.as_(AGENCY_ROLE, AGENCY))
    assert forbidden.status_code == 403


async def test_the_annual_report_and_the_document_cannot_attack_their_reader(api: Api) -> None:
    """A title an agency or judge typed that a spreadsheet would run as a formula is written as text in the CSV;
    the HTML document runs no script and is not sniffed."""
    a = await drafted(api, title='=HYPERLINK("http://evil.example","点此查看")', recipient_name="@SUM(1+1)")
    await api.step(a["id"], "submission", MANAGER)
    await api.step(a["id"], "approval", COMMITTEE)
    await api.step(a["id"], "issue", PRESIDENT)
    report = await api.client.get("/reports/annual.csv", params={"year": 2026}, headers=api.as_(Role.ANALYST))
    [_, line] = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert line[1] == '\'=HYPERLINK("http://evil.example","点此查看")'
    assert line[2] == "'@SUM(1+1)"
    page = await api.client.get(f"/advices/{a['id']}/document", headers=api.as_(MANAGER))
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
