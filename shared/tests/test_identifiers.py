"""Resident ID numbers, credit codes, case numbers and money: published values, faults, properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from courtlink_shared.identifiers.case_number import (
    FIRST_YEAR,
    PROVINCE_ABBREVIATIONS,
    SUPREME_COURT,
    TYPE_CODES,
    format_case_number,
    parse_case_number,
)
from courtlink_shared.identifiers.credit_code import (
    ALPHABET,
    DEPARTMENTS,
    LEGACY_CHECKSUM_WARNING,
    LEGACY_ORGANISATION_CODE_WARNING,
    PROVINCE_PREFIXES,
    check_credit_code,
    organisation_code_check,
    validate_credit_code,
)
from courtlink_shared.identifiers.money import to_money
from courtlink_shared.identifiers.normalise import InvalidIdentifier
from courtlink_shared.identifiers.resident_id import mask_resident_id, validate_resident_id
from courtlink_shared.testing.factories import credit_code
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumValidationError

RIC = "11010519491231002X"
USCC = "91110000600037341L"
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
TODAY = date(2026, 11, 24)
_NOT_00 = st.integers(min_value=1, max_value=99).map(lambda i: f"{i:02d}")
COURT_CODES = st.one_of(
    st.just(SUPREME_COURT),
    st.sampled_from(PROVINCE_ABBREVIATIONS),
    st.tuples(st.sampled_from(PROVINCE_ABBREVIATIONS), _NOT_00).map("".join),
    st.tuples(st.sampled_from(PROVINCE_ABBREVIATIONS), _NOT_00, _NOT_00).map("".join),
)
"""Court codes of every level (SPC provisions on case numbers, 2015, annex: 各级法院代字表)."""
CANONICAL_CASE_NUMBER = (
    r"（20(1[6-9]|2[0-7])）(最高法|["
    + PROVINCE_ABBREVIATIONS
    + r"]((0[1-9]|[1-9][0-9]){1,2})?)(民诉前调|民初|民特|执)[1-9][0-9]{0,6}号"
)


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

    @pytest.mark.parametrize(
        ("area", "year", "valid"),
        [
            ("110103", 2010, True),  # 北京市崇文区, a code in use until 2010
            ("110103", 2011, False),
            ("110112", 1996, False),  # 北京市通州区, a code in use from 1997
            ("110112", 1997, True),
            ("990105", 1980, False),  # no such area
        ],
    )
    def test_the_area_code_must_have_named_a_county_in_the_year_of_birth(
        self, area: str, year: int, valid: bool
    ) -> None:
        body = f"{area}{year}0101002"
        number = body + ric_check(body)
        if valid:
            assert validate_resident_id(number) == number
        else:
            with pytest.raises(InvalidIdentifier) as err:
                validate_resident_id(number)
            assert err.value.reason == "component"

    def test_digits_of_other_scripts_are_not_digits_of_an_id_number(self) -> None:
        arabic_indic = RIC[:17].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) + "X"
        with pytest.raises(InvalidIdentifier) as err:
            validate_resident_id(arabic_indic)
        assert err.value.reason == "format"

    @given(
        st.sampled_from(["110101", "110103", "110112", "220102", "320583", "440305", "990105", "110100", "000000"]),
        st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
        st.integers(min_value=0, max_value=999),
    )
    def test_agrees_with_python_stdnum_on_every_well_formed_number(self, area: str, birth: date, seq: int) -> None:
        """The checks are python-stdnum's (ric.validate), done once per number instead of once per step."""
        body = f"{area}{birth:%Y%m%d}{seq:03d}"
        number = body + ric_check(body)
        try:
            ric.validate(number)
            stdnum_valid = True
        except StdnumValidationError:
            stdnum_valid = False
        try:
            validate_resident_id(number, today=TODAY)
            ours_valid = True
        except InvalidIdentifier:
            ours_valid = False
        assert ours_valid == stdnum_valid

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
    """GB 32100-2015 (法人和其他组织统一社会信用代码编码规则) and its amendments; the embedded organisation code by
    GB 11714-1997 (全国组织机构代码编制规则)."""

    def test_accepts_the_published_test_value(self) -> None:
        assert validate_credit_code(USCC) == USCC
        checked = check_credit_code(USCC)
        assert checked.checksum_ok
        assert (checked.department, checked.organisation_type) == ("工商", "企业")

    def test_wrong_checksum_is_rejected_strictly_and_accepted_with_a_warning_as_legacy(self) -> None:
        with pytest.raises(InvalidIdentifier) as err:
            validate_credit_code("91110000600037341M")
        assert err.value.reason == "checksum"
        legacy = check_credit_code("91110000600037341M")
        assert legacy.warning == LEGACY_CHECKSUM_WARNING

    def test_a_failing_embedded_organisation_code_is_accepted_with_a_warning_as_legacy(self) -> None:
        """GB 11714-1997: 60003734 has the check character 1; a 2 there (with GB 32100's own check character made
        right) is the organisation code's fault alone."""
        body = "9111000060003734" + "2"
        code = body + uscc.calc_check_digit(body)
        checked = check_credit_code(code)
        assert checked.warnings == (LEGACY_ORGANISATION_CODE_WARNING,)
        assert not checked.checksum_ok
        with pytest.raises(InvalidIdentifier) as err:
            validate_credit_code(code)
        assert err.value.reason == "organisation_code"

    @pytest.mark.parametrize(
        ("body", "check"),
        [("60003734", "1"), ("13214923", "7"), ("D2143569", "X"), ("00000000", "0"), ("12345678", "8")],
    )
    def test_organisation_code_check_character_follows_gb_11714(self, body: str, check: str) -> None:
        """GB 11714-1997 clause 5: C9 = 11 − Σ(Ci × Wi) mod 11 with W = 3 7 9 10 5 8 4 2, letters A–Z worth
        10–35; 10 is written X and 11 is written 0."""
        assert organisation_code_check(body) == check

    @pytest.mark.parametrize(
        ("code", "reason", "says"),
        [
            ("B1110000600037341L", "department", "registration department code (1st character) B"),
            ("01110000600037341L", "department", "registration department code (1st character) 0"),
            ("94110000600037341L", "organisation_type", "type (2nd character) 4 is not allowed under department 9"),
            ("99110000600037341L", "organisation_type", "GB 32100 allows 1 企业, 2 个体工商户, 3 农民专业合作社"),
            ("54110000600037341L", "organisation_type", "under department 5 民政"),
            ("Y2110000600037341L", "organisation_type", "under department Y 其他"),
            ("911A0000600037341L", "division", "must be six digits"),
            ("91160000600037341L", "division", "does not start with a province-level code"),
            ("91000000600037341L", "division", "does not start with a province-level code"),
            ("91720000600037341L", "division", "does not start with a province-level code"),
        ],
    )
    def test_a_code_of_the_wrong_structure_is_refused_saying_which_part(
        self, code: str, reason: str, says: str
    ) -> None:
        """GB 32100 clause 4 and table A.1: the department, a type allowed under it, and a GB/T 2260 division."""
        with pytest.raises(InvalidIdentifier) as err:
            check_credit_code(code)
        assert err.value.reason == reason
        assert says in str(err.value)

    @pytest.mark.parametrize(
        "prefix",
        [
            "11110000",  # 机构编制, 机关, Beijing
            "21310000",  # 外交, 外国常驻新闻机构, Shanghai
            "33440300",  # 司法行政, 基层法律服务所, Shenzhen
            "52220101",  # 民政, 民办非企业单位, Changchun
            "81650000",  # 工会, 基层工会, Xinjiang
            "93370000",  # 工商, 农民专业合作社, Shandong
            "A1110000",  # 中央军委改革和编制办公室 (amendment), 军队事业单位
            "N2540000",  # 农业 (amendment), 村级集体经济组织, Tibet
            "Y1820000",  # 其他, Macao
            "91710000",  # Taiwan
        ],
    )
    def test_every_department_of_the_standard_and_its_amendments_is_known(self, prefix: str) -> None:
        code = credit_code(1, prefix=prefix)
        assert validate_credit_code(code) == code

    def test_every_department_has_its_types_as_the_standard_tables_them(self) -> None:
        """GB 32100 table A.1 with the amendments' A and N; Y has the single type 1."""
        assert {d: "".join(types) for d, (_, types) in DEPARTMENTS.items()} == {
            "1": "1239",
            "2": "19",
            "3": "123459",
            "4": "19",
            "5": "1239",
            "6": "129",
            "7": "129",
            "8": "19",
            "9": "123",
            "A": "19",
            "N": "1239",
            "Y": "1",
        }

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

    @given(
        st.sampled_from([d + t for d, (_, types) in DEPARTMENTS.items() for t in types]),
        st.sampled_from(sorted(PROVINCE_PREFIXES)),
        st.text(alphabet="0123456789", min_size=4, max_size=4),
        st.text(alphabet=ALPHABET, min_size=9, max_size=9),
    )
    def test_checksum_matches_the_gb_32100_formula(self, kind: str, province: str, rest: str, subject: str) -> None:
        """GB 32100 clause 5 (ISO 7064 MOD 31-3): weights 3^i mod 31, check = (31 − Σ mod 31) mod 31. A code of the
        right structure is never refused for its check characters, only warned about."""
        body = kind + province + rest + subject
        values = [ALPHABET.index(c) for c in body]
        expected = ALPHABET[(31 - sum(v * pow(3, i, 31) for i, v in enumerate(values)) % 31) % 31]
        assert uscc.calc_check_digit(body) == expected
        checked = check_credit_code(body + expected)
        assert LEGACY_CHECKSUM_WARNING not in checked.warnings
        assert (LEGACY_ORGANISATION_CODE_WARNING in checked.warnings) == (
            organisation_code_check(subject[:8]) != subject[8]
        )
        for wrong in set(ALPHABET) - {expected}:
            assert LEGACY_CHECKSUM_WARNING in check_credit_code(body + wrong).warnings

    @pytest.mark.parametrize(
        "code",
        [
            "91110000600037341L",
            "91310000132149237G",
            "11220000MA0000000X",
            credit_code(0),
            credit_code(5, prefix="52220101"),
            credit_code(300, prefix="11220000"),
        ],
    )
    def test_the_codes_of_fixtures_and_the_demo_have_the_right_structure(self, code: str) -> None:
        check_credit_code(code)  # raises on a structural fault


class TestCaseNumber:
    """最高人民法院关于人民法院案件案号的若干规定 (法〔2015〕137号) and its annexes: 法院代字, year, 类型代字,
    number."""

    @pytest.mark.parametrize("text", ["（2026）吉7101民初15号", "(2026)吉7101民初15号", " ( 2026 ) 吉7101民初15号"])
    def test_parses_both_bracket_styles_and_prints_full_width(self, text: str) -> None:
        number = parse_case_number(text)
        assert (number.year, number.court_code, number.type_code, number.n) == (2026, "吉7101", "民初", 15)
        assert str(number) == "（2026）吉7101民初15号"

    def test_prefers_the_longest_type_code(self) -> None:
        assert parse_case_number("（2026）吉7101民诉前调3号").type_code == "民诉前调"

    @pytest.mark.parametrize(
        "text",
        [
            "（2026）最高法民初1号",  # the Supreme People's Court
            "（2026）吉民初1号",  # a high court: the province abbreviation alone
            "（2026）吉71民特1号",  # an intermediate court (the railway intermediate court of Changchun)
            "（2026）沪72民初1号",  # a maritime court (Shanghai)
            "（2026）京0105执1号",  # a basic court
            "（2026）兵0101民初1号",  # a court of the Xinjiang Production and Construction Corps
        ],
    )
    def test_accepts_every_level_of_court(self, text: str) -> None:
        assert str(parse_case_number(text)) == text

    @pytest.mark.parametrize(
        "text",
        [
            "（2026）吉7101刑初1号",  # a type code we do not handle
            "2026吉7101民初1号",  # no brackets
            "（2026）吉7101民初0号",  # numbers start at 1
            "（2026）吉7101民初01号",  # no leading zero
            "（26）吉7101执1号",  # a two-digit year
            "（2026）吉710民初1号",  # three digits: no court level has them
            "（2026）吉7民初1号",  # one digit
            "（2026）吉71011民初1号",  # five digits
            "（2026）长7101民初1号",  # not a province abbreviation
            "（2026）A7101民初1号",
            "（2026）最高民初1号",
            "（2026）吉00民初1号",  # courts are numbered from 01
            "（2026）吉7100民初1号",
            "（٢٠٢٦）吉7101民初1号",  # digits must be ASCII (or full-width, which NFKC folds)
        ],
    )
    def test_rejects_malformed_numbers(self, text: str) -> None:
        with pytest.raises(InvalidIdentifier):
            parse_case_number(text)

    @pytest.mark.parametrize(("year", "ok"), [(2015, False), (2016, True), (2026, True), (2027, True), (2028, False)])
    def test_the_year_is_between_2016_and_next_year(self, year: int, ok: bool) -> None:
        """The 2015 provisions number cases this way from 1 January 2016; a case is not received after next year."""
        text = f"（{year}）吉7101民初1号"
        if ok:
            assert parse_case_number(text, today=date(2026, 11, 24)).year == year
        else:
            with pytest.raises(InvalidIdentifier) as err:
                parse_case_number(text, today=date(2026, 11, 24))
            assert err.value.reason == "year"

    @pytest.mark.parametrize("n", [0, -1])
    def test_a_formatter_refuses_a_sequence_number_below_one(self, n: int) -> None:
        with pytest.raises(InvalidIdentifier) as err:
            format_case_number(2026, "吉7101", "民初", n)
        assert err.value.reason == "sequence"

    @pytest.mark.parametrize(("court", "reason"), [("吉710", "court_code"), ("7101", "court_code"), ("吉7101", None)])
    def test_a_formatter_refuses_a_court_code_of_the_wrong_shape(self, court: str, reason: str | None) -> None:
        if reason is None:
            assert format_case_number(2026, court, "执", 1) == f"（2026）{court}执1号"
        else:
            with pytest.raises(InvalidIdentifier) as err:
                format_case_number(2026, court, "执", 1)
            assert err.value.reason == reason

    @given(
        st.integers(min_value=FIRST_YEAR, max_value=2027),
        COURT_CODES,
        st.sampled_from(TYPE_CODES),
        st.integers(min_value=1, max_value=10**9),
    )
    def test_format_then_parse_round_trips(self, year: int, court: str, type_code: str, n: int) -> None:
        text = format_case_number(year, court, type_code, n, today=TODAY)
        number = parse_case_number(text, today=TODAY)
        assert (number.year, number.court_code, number.type_code, number.n) == (year, court, type_code, n)
        assert str(number) == text

    @given(st.from_regex(CANONICAL_CASE_NUMBER, fullmatch=True))
    def test_a_parsed_number_prints_back_exactly_as_it_was_read(self, text: str) -> None:
        """Any text of the canonical shape (full-width brackets, a year in range) prints back character for
        character."""
        assert str(parse_case_number(text, today=TODAY)) == text

    @given(st.text(alphabet="（）()0123456789 吉京最高法民初特诉前调执号７１", max_size=24))
    def test_whatever_parses_prints_as_its_canonical_form_which_parses_to_the_same(self, text: str) -> None:
        try:
            number = parse_case_number(text, today=TODAY)
        except InvalidIdentifier:
            return
        assert parse_case_number(str(number), today=TODAY) == number


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
