"""The console's pure parts: PKCE, redirects that stay on the site, form bodies, field errors, Beijing time."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

from console.backend import ServiceProblem
from console.formatting import beijing, deadline, field_name, yuan
from console.oidc import pkce_pair
from console.pages.bank import content_type_of
from console.pages.cases import beijing_moment, body_of
from console.web import local_path
from starlette.datastructures import FormData


def test_the_pkce_challenge_is_the_s256_of_the_verifier() -> None:
    verifier, challenge = pkce_pair()
    digest = hashlib.sha256(verifier.encode()).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert 43 <= len(verifier) <= 128


def test_a_return_address_off_the_site_becomes_the_start_page() -> None:
    assert local_path("/disputes/1?x=2") == "/disputes/1?x=2"
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "", None, "disputes"):
        assert local_path(target) == "/"


def test_a_deadline_shows_the_day_it_ends_on_at_24_00_not_the_next_midnight() -> None:
    # Stored as 00:00 of 2 December Beijing time (16:00 UTC on 1 December): the period ends at 24:00 on 1 December.
    assert deadline("2026-12-01T16:00:00Z") == "2026-12-01 24:00"
    assert deadline(datetime(2026, 12, 1, 7, 30, tzinfo=UTC)) == "2026-12-01 15:30"
    assert deadline(None) == "—"


def test_times_show_in_beijing_and_typed_times_are_read_as_beijing() -> None:
    assert beijing(datetime(2026, 5, 1, 16, 30, tzinfo=UTC)) == "2026-05-02 00:30"
    assert beijing("2026-05-01T16:30:00Z") == "2026-05-02 00:30"
    assert beijing(None) == "—"
    assert beijing_moment("2026-05-06T09:30") == "2026-05-06T09:30:00+08:00"
    assert beijing_moment(" ") is None


def test_money_and_field_names_read_as_the_bank_writes_them() -> None:
    assert yuan("51500") == "¥51,500.00"
    assert field_name("body.respondents.1.id_number") == "被申请人2证件号码"
    assert field_name("claim.total") == "合计"


def test_an_agreement_form_becomes_the_services_body_without_empty_instalments() -> None:
    form = FormData(
        [
            ("settled_amount", "20000.00"),
            ("instalments.0.due_date", "2026-12-31"),
            ("instalments.0.amount", "10000.00"),
            ("instalments.1.due_date", ""),
            ("instalments.1.amount", ""),
        ]
    )
    assert body_of("agreement", form, []) == {
        "settled_amount": "20000.00",
        "instalments": [{"due_date": "2026-12-31", "amount": "10000.00"}],
    }


def test_an_extension_carries_the_consents_of_the_parties_ticked() -> None:
    form = FormData([("days", "15"), ("consent.1", "yes"), ("consented_at.1", "2026-05-06T10:00")])
    body = body_of("extensions", form, ["BANK", "ID1"])
    assert body == {"days": "15", "consents": [{"party": "ID1", "consented_at": "2026-05-06T10:00:00+08:00"}]}


def test_field_errors_are_keyed_by_the_forms_field_names_in_chinese() -> None:
    problem = ServiceProblem(
        422,
        {
            "errors": [
                {
                    "field": "body.capacity",
                    "message": "Input should be greater than or equal to 1",
                    "message_zh": "数值过小",
                },
                {"field": "body", "message": "bad", "message_zh": "CSV 文件无法读取"},
            ]
        },
    )
    assert problem.field_messages() == {"capacity": "数值过小（应不小于 1）", "": "CSV 文件无法读取（bad）"}


def test_a_field_error_whose_chinese_says_it_all_is_shown_without_its_english() -> None:
    worded = {
        "field": "body.organisation_code",
        "code": "identifier_length",
        "message": "a unified social credit code has 18 characters, not 3",
        "message_zh": "统一社会信用代码应为 18 位，而不是 3 位",
        "message_zh_complete": True,
    }
    heading = {"field": "body.year", "message": "2027: no such year", "message_zh": "节假日安排有误"}
    problem = ServiceProblem(422, {"errors": [worded, heading]})
    assert problem.field_messages() == {
        "organisation_code": "统一社会信用代码应为 18 位，而不是 3 位",
        "year": "节假日安排有误（2027: no such year）",
    }


def test_a_batch_file_is_sent_as_csv_or_json_by_its_name_or_first_character() -> None:
    assert content_type_of("批次.CSV", b"a,b") == "text/csv"
    assert content_type_of("x.json", b"{}") == "application/json"
    assert content_type_of("upload", b'\xef\xbb\xbf {"disputes": []}') == "application/json"
    assert content_type_of("notes.txt", b"hello") is None
