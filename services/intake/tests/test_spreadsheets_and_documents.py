"""Spreadsheets as banks export them, reports and documents that cannot attack their reader, invisible
characters, rare characters in names, body size limits, and a notice worded for each dispute type."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from intake.csv_io import HEADERS, parse_batch_csv
from intake.rules import DISPUTE_TYPES
from intake.schemas import DisputeIn
from intake_fixtures import Api, dispute
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pypdf import PdfReader
from test_batches import csv_bytes, csv_row, wait_completed

RARE_NAME = "\U00020000\u4e3d\U0002a6a5"  # 𠀀丽𪚥: two characters of CJK Extension B


def _excel_row(n: int, **cells: str) -> list[str]:
    """A row as a Chinese-locale Excel writes it: dates with slashes, amounts with separators and a yen sign."""
    row = csv_row(dispute(n))
    row[5] = "2026/1/5"
    row[6], row[7], row[8], row[9], row[10] = "10,000.00", "￥523.10", "¥120.00", "0", "10,643.10"
    positions = {"reference": 0, "date": 5, "total": 10, "id_number": 14}
    for name, value in cells.items():
        row[positions[name]] = value
    return row


async def _report(api: Api, rows: list[list[str]]) -> tuple[list[dict[str, Any]], list[list[str]]]:
    response = await api.client.post(
        "/batches", content=csv_bytes(rows, "utf-8-sig"), headers={**api.bank(), "content-type": "text/csv"}
    )
    assert response.status_code == 202, response.text
    batch = await wait_completed(api.client, response.json()["id"], api.bank())
    report = (await api.client.get(batch["report_url"], headers=api.bank())).json()["rows"]
    report_csv = (await api.client.get(batch["report_csv_url"], headers=api.bank())).content.decode("utf-8-sig")
    return report, list(csv.reader(io.StringIO(report_csv)))


class TestSpreadsheets:
    async def test_a_chinese_excel_export_is_accepted_and_its_faults_explained_row_by_row(self, api: Api) -> None:
        rows = [
            _excel_row(70_001),
            _excel_row(70_002, date="2026年1月5日", total="１０，６４３．１０"),
            _excel_row(70_003, id_number="1.10105E+17"),
            _excel_row(70_004, date="03/01/2026"),
            _excel_row(70_005, date="46027"),
        ]
        report, _ = await _report(api, rows)
        assert [r["outcome"] for r in report] == ["accepted", "accepted", "rejected", "rejected", "rejected"]
        [excel_id] = report[2]["errors"]
        assert excel_id["field"] == "respondents.0.id_number"
        assert "Excel" in excel_id["message"]
        assert "as text" in excel_id["message"]
        assert "文本" in excel_id["message_zh"]
        [ambiguous] = report[3]["errors"]
        assert "2026-03-01" in ambiguous["message"]
        assert "月/日" in ambiguous["message_zh"]
        [serial] = report[4]["errors"]
        assert "serial day number" in serial["message"]
        assert "日期序号" in serial["message_zh"]
        disputes = (await api.client.get("/disputes", headers=api.bank())).json()["items"]
        assert {(d["default_date"], d["claim"]["total"]) for d in disputes} == {("2026-01-05", "10643.10")}

    async def test_the_excel_template_keeps_id_numbers_and_references_as_text(self, api: Api) -> None:
        response = await api.client.get("/batches/template.xlsx", headers=api.bank())
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        header = [c.value for c in sheet[1]]
        assert header == HEADERS
        [example] = parse_batch_csv(csv_bytes([[str(c.value or "") for c in sheet[2]]], "utf-8"))
        assert DisputeIn.model_validate(example).bank_reference == "CC-2026-000001"
        for column in ("银行业务编号", "合同编号", "被申请人1证件号码", "被申请人2证件号码", "申请人统一社会信用代码"):
            letter = get_column_letter(header.index(column) + 1)
            assert sheet.column_dimensions[letter].number_format == "@", f"{column}: typed values stay text"
            assert sheet[f"{letter}2"].number_format == "@"


class TestReportsCannotAttackTheirReader:
    async def test_a_reference_that_reads_as_a_formula_is_refused_and_never_written_as_one(self, api: Api) -> None:
        single = await api.client.post(
            "/disputes", json=dispute(70_100, bank_reference='=HYPERLINK("http://evil","x")'), headers=api.bank()
        )
        assert single.status_code == 422
        [error] = single.json()["errors"]
        assert (error["field"], error["code"]) == ("body.bank_reference", "formula_reference")
        assert "公式" in error["message_zh"]
        report, lines = await _report(api, [_excel_row(70_101, reference="@SUM(A1:A9)"), _excel_row(70_102)])
        assert [r["outcome"] for r in report] == ["rejected", "accepted"]
        assert lines[1][1] == "'@SUM(A1:A9)", "the report shows the reference as text, not as a formula"
        assert all(not cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)

    async def test_the_notice_page_runs_nothing_and_is_not_sniffed(self, api: Api) -> None:
        created = (await api.client.post("/disputes", json=dispute(70_200), headers=api.bank())).json()
        page = await api.client.get(created["notice"]["html_url"], headers=api.bank())
        assert page.status_code == 200
        assert page.headers["x-content-type-options"] == "nosniff"
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "script-src" not in policy
        assert "frame-ancestors 'none'" in policy


class TestNamesAndText:
    async def test_a_reference_with_a_zero_width_space_is_the_same_reference(self, api: Api) -> None:
        first = await api.client.post("/disputes", json=dispute(70_300, bank_reference="ZW-1"), headers=api.bank())
        again = await api.client.post(
            "/disputes", json=dispute(70_300, bank_reference="ZW-1\u200b"), headers=api.bank()
        )
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["id"] == first.json()["id"]

    async def test_a_respondent_named_with_invisible_characters_only_is_refused(self, api: Api) -> None:
        body = dispute(70_301)
        body["respondents"][0]["name"] = "\u200b\u200d\ufeff"
        response = await api.client.post("/disputes", json=body, headers=api.bank())
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["body.respondents.0.name"]

    async def test_a_rare_character_of_a_name_is_in_the_notice_pdf(self, api: Api) -> None:
        body = dispute(70_302)
        body["respondents"][0]["name"] = RARE_NAME
        created = (await api.client.post("/disputes", json=body, headers=api.bank())).json()
        assert created["respondents"][0]["name"] == RARE_NAME
        pdf = await api.client.get(created["notice"]["pdf_url"], headers=api.bank())
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert [c for c in RARE_NAME if c not in text] == []


class TestLimits:
    async def test_a_single_dispute_over_the_limit_is_refused_before_it_is_read(self, api: Api) -> None:
        body = dispute(70_400)
        body["respondents"][0]["address"] = "长" * 200_000
        response = await api.client.post("/disputes", json=body, headers=api.bank())
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert str(256 * 1024) in response.json()["detail"]

    async def test_a_streamed_batch_is_cut_off_once_it_passes_the_limit(self, api: Api) -> None:
        sent = 0
        chunk = b"x" * (1024 * 1024)

        async def endless() -> AsyncIterator[bytes]:
            nonlocal sent
            for _ in range(64):
                sent += 1
                yield chunk

        response = await api.client.post(
            "/batches", content=endless(), headers={**api.bank(), "content-type": "text/csv"}
        )
        assert response.status_code == 413
        assert "content-length" not in response.request.headers, "streamed, no declared length"
        assert sent <= 33, f"read {sent} MiB of a 32 MiB limit"


class TestNoticesByDisputeType:
    async def test_each_dispute_type_gets_a_notice_that_fits_it(self, api: Api) -> None:
        wording: dict[str, str] = {}
        for i, dispute_type in enumerate(DISPUTE_TYPES):
            body = dispute(70_500 + i, dispute_type=dispute_type)
            created = (await api.client.post("/disputes", json=body, headers=api.bank())).json()
            page = (await api.client.get(created["notice"]["html_url"], headers=api.bank())).text
            paragraphs = [p.split("</p>")[0] for p in page.split("<p>")[1:]]
            subject = paragraphs[1].split(body["respondents"][0]["name"])[1].split("（合同编号")[0]
            specific = next(p for p in paragraphs if p.startswith("三、"))
            wording[dispute_type] = subject + specific
        assert "信用卡" not in wording["银行卡纠纷"]
        assert "银行卡" in wording["银行卡纠纷"]
        assert "存款" in wording["储蓄存款合同纠纷"]
        assert "信用卡透支" in wording["信用卡纠纷"]
        kinds = {"信用卡纠纷", "银行卡纠纷", "储蓄存款合同纠纷", "保证合同纠纷", "融资租赁合同纠纷", "金融借款合同纠纷"}
        assert len({wording[t] for t in kinds}) == len(kinds), "no two kinds of dispute share their wording"
