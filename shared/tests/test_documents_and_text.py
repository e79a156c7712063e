"""What the platform does to text on the way in and out: invisible characters, spreadsheet forms of dates and
amounts, CSV cells a spreadsheet would run, and PDF documents that show every character of a rare name."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import pytest
from courtlink_shared import inputs
from courtlink_shared.document_fonts import embedded_fonts
from courtlink_shared.documents import CourtDocument, render_pdf
from courtlink_shared.identifiers.normalise import normalise_identifier
from courtlink_shared.inputs import Amount, Code, PartyIn, StrictInput, Text
from courtlink_shared.spreadsheet_values import calendar_date
from courtlink_shared.spreadsheets import csv_writer
from courtlink_shared.web.problems import field_errors
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, BeforeValidator, ValidationError
from pypdf import PdfReader

# 𠀀 (U+20000, Extension B), 𪚥 (U+2A6A5, Extension B), 𫝀 (U+2B740, Extension D), 㐀 (U+3400, Extension A)
RARE_NAME = "\U00020000\u4e3d\U0002a6a5\U0002b740\u3400王"


class Form(BaseModel):
    text: Text = ""
    code: Code = ""
    amount: Amount = Decimal("0")
    day: Annotated[date, BeforeValidator(calendar_date)] = date(2000, 1, 1)


def _errors(**fields: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as caught:
        Form.model_validate(fields)
    return field_errors(caught.value.errors())


class TestInvisibleCharacters:
    def test_zero_width_characters_do_not_make_two_references(self) -> None:
        assert normalise_identifier("REF-1\u200b") == normalise_identifier("\ufeffREF\u2060-1\u200d") == "REF-1"
        assert Form.model_validate({"code": "ref-1\u200c"}).code == "REF-1"
        assert Form.model_validate({"code": "2024e001"}).code == "2024E001", "not Excel's scientific notation"

    @given(st.text(alphabet=st.characters(codec="ascii")))
    def test_an_ascii_identifier_is_normalised_as_any_other_text(self, value: str) -> None:
        """ASCII takes a shorter way; it must end where NFKC, blanks out and Cf characters out would."""
        text = unicodedata.normalize("NFKC", value)
        by_definition = "".join(c for c in "".join(text.split()) if unicodedata.category(c) != "Cf").upper()
        assert normalise_identifier(value) == by_definition

    def test_a_name_of_nothing_but_invisible_characters_is_as_blank_as_an_empty_one(self) -> None:
        party = {"kind": "person", "id_number": "11010519491231002X"}
        for name in ("", "\u200b", "\u200b\u200c\u200d\u2060\ufeff", " \u200b "):
            with pytest.raises(ValidationError) as caught:
                PartyIn.model_validate({**party, "name": name})
            [error] = field_errors(caught.value.errors())
            assert (error["field"], error["code"]) == ("name", "string_too_short")
        assert PartyIn.model_validate({**party, "name": "张\u200b三"}).name == "张三"


class _Account(StrictInput):
    number: str


class _Line(StrictInput):
    accounts: list[_Account]
    note: str = ""


class _Answer(StrictInput):
    lines: list[_Line]
    tags: tuple[str, ...] = ()
    first: _Line | None = None


class TestUnstorableTextInNestedBodies:
    """Text the database cannot store is refused where it stands, however deep in a body, and each string is
    looked at once (a body of models within models is not walked again by every model above it)."""

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"lines": [{"accounts": []}, {"accounts": [{"number": "62\x0022"}]}]}, "lines.1.accounts.0.number"),
            ({"lines": [{"accounts": [], "note": "\ud800"}]}, "lines.0.note"),
            ({"lines": [], "first": {"accounts": [{"number": "\x00"}]}}, "first.accounts.0.number"),
            ({"lines": [], "tags": ["ok", "x\x00"]}, "tags"),
        ],
    )
    def test_the_error_names_the_field_that_holds_it(self, body: dict[str, Any], field: str) -> None:
        with pytest.raises(ValidationError) as caught:
            _Answer.model_validate(body)
        [error] = field_errors(caught.value.errors())
        assert error["field"] == field
        assert "NUL" in error["message"] or "surrogate" in error["message"]

    def test_each_string_is_checked_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        checked: list[str] = []
        real = inputs.storable_text

        def storable_text(text: str) -> str | None:
            checked.append(text)
            return real(text)

        monkeypatch.setattr(inputs, "storable_text", storable_text)
        _Answer.model_validate({"lines": [{"accounts": [{"number": "1"}, {"number": "2"}], "note": "n"}]})
        assert sorted(checked) == ["1", "2", "n"]


class TestSpreadsheetValues:
    @pytest.mark.parametrize(
        "written", ["2026-03-01", "2026/3/1", "2026/03/01", "2026.3.1", "2026年3月1日", "20260301", "2026/3/1 0:00"]
    )
    def test_every_unambiguous_date_form_is_read(self, written: str) -> None:
        assert Form.model_validate({"day": written}).day == date(2026, 3, 1)

    def test_a_day_month_order_that_only_one_reading_allows_is_read(self) -> None:
        assert Form.model_validate({"day": "13/01/2026"}).day == date(2026, 1, 13)

    @pytest.mark.parametrize(
        ("written", "code", "hint"),
        [
            ("03/01/2026", "date_ambiguous", "2026-03-01"),
            ("46082", "excel_serial_date", "YYYY-MM-DD"),
            ("2026/2/30", "date_invalid", "2026/2/30"),
        ],
    )
    def test_ambiguous_dates_and_serial_numbers_are_refused_with_the_fix(
        self, written: str, code: str, hint: str
    ) -> None:
        [error] = _errors(day=written)
        assert error["code"] == code
        assert hint in error["message"]
        assert hint in error["message_zh"]

    @pytest.mark.parametrize(
        "written", ["50,000.00", "￥50000.00", "¥50,000.00", "５０，０００．００", "50000.00元", "RMB 50,000.00"]
    )
    def test_amounts_with_currency_signs_and_thousands_separators_are_read(self, written: str) -> None:
        assert Form.model_validate({"amount": written}).amount == Decimal("50000.00")

    @pytest.mark.parametrize("written", ["50,00", "5,0000.00", "1.5E+05"])
    def test_misplaced_separators_and_scientific_amounts_are_refused(self, written: str) -> None:
        [error] = _errors(amount=written)
        assert error["code"] in ("amount_separators", "excel_number")
        assert error["message_zh"] != "取值无效"

    def test_an_id_number_excel_turned_into_a_number_says_so_in_both_languages(self) -> None:
        [error] = _errors(code="1.10105E+17")
        assert error["code"] == "excel_number"
        assert "Excel" in error["message"]
        assert "text" in error["message"]
        assert "Excel" in error["message_zh"]
        assert "文本" in error["message_zh"]


class TestCsvCells:
    @pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2+3", "@SUM(A1)", "\tx", "\rx", "=cmd|' /C calc'!A0"])
    def test_a_cell_a_spreadsheet_would_run_is_written_as_text(self, cell: str) -> None:
        out = io.StringIO()
        csv_writer(out).writerow(["ok", cell, 12, Decimal("-1.50")])
        [row] = list(csv.reader(io.StringIO(out.getvalue())))
        assert row == ["ok", "'" + cell, "12", "-1.50"], "text neutralised; numbers we computed left alone"


class TestPdfDocuments:
    def test_a_name_beyond_the_basic_multilingual_plane_is_embedded_and_extractable(self) -> None:
        assert embedded_fonts(), "install the document fonts: fonts-arphic-uming and fonts-hanazono (README)"
        pdf = render_pdf(CourtDocument("诉前调解告知书", "（2026）吉7101诉前调1号", [f"被申请人：{RARE_NAME}。"]))
        reader = PdfReader(io.BytesIO(pdf))
        text = reader.pages[0].extract_text()
        assert [c for c in RARE_NAME if c not in text] == []
        drawn: set[str] = set()  # characters some embedded font of the page maps to a glyph
        resources: Any = reader.pages[0]["/Resources"]
        for reference in resources["/Font"].values():
            font = reference.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None or "/FontFile2" not in descriptor.get_object() or "/ToUnicode" not in font:
                continue
            cmap = font["/ToUnicode"].get_object().get_data().decode()
            mapped = cmap.split("beginbfchar")[1].split("endbfchar")[0]
            drawn |= {bytes.fromhex(u).decode("utf-16-be") for u in re.findall(r"<[0-9A-F]+> <([0-9A-F]+)>", mapped)}
        assert [c for c in RARE_NAME if c not in drawn] == [], "every character set in an embedded font"
