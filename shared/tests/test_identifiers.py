"""Resident ID numbers, credit codes, case numbers and money: published values, faults, properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from courtlink_shared.identifiers.case_number import format_case_number, parse_case_number
from courtlink_shared.identifiers.credit_code import (
    ALPHABET,
    LEGACY_CHECKSUM_WARNING,
    check_credit_code,
    validate_credit_code,
)
from courtlink_shared.identifiers.money import to_money
from courtlink_shared.identifiers.normalise import InvalidIdentifier
from courtlink_shared.identifiers.resident_id import mask_resident_id, validate_resident_id
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc

RIC = "11010519491231002X"
USCC = "91110000600037341L"
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def ric_check(body: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


class TestResidentId:
    def test_accepts_the_published_test_value(self) -> None:
        assert validate_resident_id(RIC) == RIC

    def test_normalises_full_width_blanks_and_lower_case_x(self) -> None:
        assert validate_resident_id(" １１０１０５１９４９１２３１００２ｘ ") == RIC

    @pytest.mark.parametrize(
        ("value", "reason"),
        [
            ("110105194912310021", "checksum"),
            ("11010519491231002", "length"),
            ("11010519491231002X1", "length"),
            ("1101051949123100AX", "format"),
        ],
    )
    def test_rejects_faulty_numbers(self, value: str, reason: str) -> None:
        with pytest.raises(InvalidIdentifier) as err:
            validate_resident_id(value)
        assert err.value.reason == reason

    def test_rejects_impossible_birth_date(self) -> None:
        body = "11010519490231002"  # 31 February
        with pytest.raises(InvalidIdentifier) as err:
            validate_resident_id(body + ric_check(body))
        assert err.value.reason == "component"

    def test_rejects_birth_date_in_the_future(self) -> None:
        body = "11010520300101002"
        with pytest.raises(InvalidIdentifier):
            validate_resident_id(body + ric_check(body), today=date(2026, 11, 24))

    def test_masking_hides_the_birth_date(self) -> None:
        assert mask_resident_id(RIC) == "110105********002X"

    @given(
        st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
        st.integers(min_value=0, max_value=999),
    )
    def test_any_well_formed_number_is_accepted_and_any_other_check_character_is_not(
        self, birth: date, seq: int
    ) -> None:
        body = f"110105{birth:%Y%m%d}{seq:03d}"
        good = body + ric_check(body)
        assert validate_resident_id(good) == good
        for wrong in set("0123456789X") - {good[-1]}:
            with pytest.raises(InvalidIdentifier):
                validate_resident_id(body + wrong)


class TestCreditCode:
    def test_accepts_the_published_test_value(self) -> None:
        assert validate_credit_code(USCC) == USCC
        assert check_credit_code(USCC).checksum_ok

    def test_wrong_checksum_is_rejected_strictly_and_accepted_with_a_warning_as_legacy(self) -> None:
        with pytest.raises(InvalidIdentifier) as err:
            validate_credit_code("91110000600037341M")
        assert err.value.reason == "checksum"
        legacy = check_credit_code("91110000600037341M")
        assert legacy.warning == LEGACY_CHECKSUM_WARNING

    @pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
    def test_rejects_illegal_letters_even_as_legacy(self, letter: str) -> None:
        with pytest.raises(InvalidIdentifier) as err:
            check_credit_code(f"9111000060003734{letter}L")
        assert err.value.reason == "format"

    @pytest.mark.parametrize("value", ["9111000060003734", "91110000600037341LL", ""])
    def test_rejects_wrong_lengths(self, value: str) -> None:
        with pytest.raises(InvalidIdentifier) as err:
            check_credit_code(value)
        assert err.value.reason == "length"

    @given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
    def test_checksum_matches_the_gb_32100_formula(self, body: str) -> None:
        values = [ALPHABET.index(c) for c in body]
        expected = ALPHABET[(31 - sum(v * pow(3, i, 31) for i, v in enumerate(values)) % 31) % 31]
        assert uscc.calc_check_digit(body) == expected
        assert validate_credit_code(body + expected) == body + expected


class TestCaseNumber:
    @pytest.mark.parametrize("text", ["（2026）吉7101民初15号", "(2026)吉7101民初15号", " ( 2026 ) 吉7101民初15号"])
    def test_parses_both_bracket_styles_and_prints_full_width(self, text: str) -> None:
        number = parse_case_number(text)
        assert (number.year, number.court_code, number.type_code, number.n) == (2026, "吉7101", "民初", 15)
        assert str(number) == "（2026）吉7101民初15号"

    def test_prefers_the_longest_type_code(self) -> None:
        assert parse_case_number("（2026）吉7101民诉前调3号").type_code == "民诉前调"

    @pytest.mark.parametrize(
        "text", ["（2026）吉7101刑初1号", "2026吉7101民初1号", "（2026）吉7101民初0号", "（26）吉7101执1号"]
    )
    def test_rejects_malformed_numbers(self, text: str) -> None:
        with pytest.raises(InvalidIdentifier):
            parse_case_number(text)

    @given(
        st.integers(min_value=2000, max_value=2099),
        st.sampled_from(["吉7101", "京0105", "沪01"]),
        st.sampled_from(["民诉前调", "民初", "民特", "执"]),
        st.integers(min_value=1, max_value=10**6),
    )
    def test_format_then_parse_round_trips(self, year: int, court: str, type_code: str, n: int) -> None:
        number = parse_case_number(format_case_number(year, court, type_code, n))
        assert (number.year, number.court_code, number.type_code, number.n) == (year, court, type_code, n)


class TestMoney:
    def test_keeps_two_places(self) -> None:
        assert to_money("12.5") == Decimal("12.50")

    @pytest.mark.parametrize("value", ["1.234", "abc", "NaN", "1.4e308", "-1e20"])  # the huge ones: found by fuzzing
    def test_rejects_bad_amounts(self, value: str) -> None:
        with pytest.raises(ValueError, match=r"."):
            to_money(value)

    def test_refuses_floats(self) -> None:
        with pytest.raises(TypeError):
            to_money(1.5)  # type: ignore[arg-type]
