"""Intake's pure rules: the status machine, notices per type, fingerprints, statistics; CSV decoding."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from intake.csv_io import HEADERS, CsvError, decode, parse_batch_csv, template_csv
from intake.rules import (
    DISPUTE_TYPES,
    DisputeStatus,
    IntakeCounts,
    can_transition,
    can_withdraw,
    intake_statistics,
    notice_template_for,
    submission_fingerprint,
)
from intake.timeline import mediation_summary

TERMINAL = {DisputeStatus.FILED, DisputeStatus.WITHDRAWN, DisputeStatus.REJECTED, DisputeStatus.CONFIRMED}


class TestStatusMachine:
    def test_a_bank_may_withdraw_until_the_case_is_filed_or_closed(self) -> None:
        assert can_withdraw(DisputeStatus.ROUTED)
        assert can_withdraw(DisputeStatus.IN_MEDIATION)
        assert not can_withdraw(DisputeStatus.FILED)
        assert not can_withdraw(DisputeStatus.SETTLED)

    def test_only_a_failed_mediation_can_be_filed(self) -> None:
        filable = {s for s in DisputeStatus if can_transition(s, DisputeStatus.FILED)}
        assert filable == {DisputeStatus.MEDIATION_FAILED}

    @given(st.sampled_from(sorted(TERMINAL)), st.sampled_from(list(DisputeStatus)))
    def test_terminal_statuses_never_move(self, terminal: DisputeStatus, target: DisputeStatus) -> None:
        assert not can_transition(terminal, target)

    def test_every_status_is_reachable_from_submission(self) -> None:
        reached, frontier = {DisputeStatus.PENDING_REVIEW}, [DisputeStatus.PENDING_REVIEW]
        while frontier:
            current = frontier.pop()
            for target in DisputeStatus:
                if can_transition(current, target) and target not in reached:
                    reached.add(target)
                    frontier.append(target)
        assert reached == set(DisputeStatus)


def test_every_dispute_type_has_a_notice_template() -> None:
    assert {notice_template_for(t) for t in DISPUTE_TYPES} <= {
        "credit_card",
        "loan",
        "guarantee",
        "financial_leasing",
        "bank_card",
        "deposit",
        "general",
    }


def test_fingerprints_ignore_key_order_but_not_content() -> None:
    assert submission_fingerprint({"a": 1, "b": [1, 2]}) == submission_fingerprint({"b": [1, 2], "a": 1})
    assert submission_fingerprint({"a": 1}) != submission_fingerprint({"a": 2})


def test_statistics_follow_the_definitions() -> None:
    stats = intake_statistics(
        IntakeCounts(accepted=200, routed=190, mediations_closed=100, settled=69, filed_after_failure=25)
    )
    assert stats.diversion_rate == Decimal("0.9500")
    assert stats.mediation_success_rate == Decimal("0.6900")
    assert stats.filing_after_failure_rate == Decimal("0.2500")
    empty = intake_statistics(IntakeCounts(0, 0, 0, 0, 0))
    assert (empty.diversion_rate, empty.mediation_success_rate) == (None, None)


class TestCsv:
    def test_utf8_with_and_without_bom_and_gbk_decode_the_same(self) -> None:
        text = "银行业务编号,纠纷类型\n"
        assert decode(text.encode("utf-8")) == decode(text.encode("utf-8-sig")) == decode(text.encode("gbk")) == text

    def test_the_template_parses_into_one_row_with_a_respondent_and_evidence(self) -> None:
        [row] = parse_batch_csv(template_csv())
        assert row["respondents"] == [
            {
                "kind": "person",
                "name": "张三",
                "id_number": "11010519491231002X",
                "phone": "13800000000",
                "address": "吉林省长春市朝阳区示例路1号",
            }
        ]
        assert row["evidence"][0]["size"] == "20480"
        assert row["claim"]["total"] == "10643.10"

    def test_a_file_without_the_columns_is_refused(self) -> None:
        with pytest.raises(CsvError, match="missing column"):
            parse_batch_csv(b"a,b\n1,2\n")

    def test_binary_garbage_is_refused(self) -> None:
        with pytest.raises(CsvError):
            decode(b"\x81\xff\xfe\x00\x80")

    def test_old_mac_line_endings_and_quoted_line_breaks_are_read(self) -> None:
        header = ",".join(h for h in HEADERS)
        row = 'CC-1,信用卡纠纷,"示例银行\r\n股份有限公司"'
        [parsed] = parse_batch_csv(f"{header}\r{row}\r".encode())
        assert parsed["bank_reference"] == "CC-1"
        assert parsed["claimant"]["name"] == "示例银行\r\n股份有限公司"

    def test_what_the_fuzzer_sent_a_stray_carriage_return_is_read_and_refused_for_its_columns(self) -> None:
        with pytest.raises(CsvError, match="missing column"):
            parse_batch_csv("ß\U000c6d87\r\U000fd428\U000a679f\u00ad·d".encode())

    def test_a_field_over_the_csv_modules_limit_is_a_csv_error_not_a_crash(self) -> None:
        content = (",".join(HEADERS) + "\nCC-1," + "x" * 200_000).encode()
        with pytest.raises(CsvError, match="not well-formed CSV: field larger than field limit"):
            parse_batch_csv(content)

    def test_a_quote_never_closed_keeps_the_rest_of_the_file_in_one_cell_for_validation_to_refuse(self) -> None:
        [row] = parse_batch_csv((",".join(HEADERS) + '\nCC-1,"信用卡纠纷\n,x').encode())
        assert row["dispute_type"] == "信用卡纠纷\n,x"

    def test_nul_characters_are_refused_because_the_database_cannot_store_them(self) -> None:
        with pytest.raises(CsvError, match="NUL"):
            parse_batch_csv(template_csv().replace("张三".encode(), b"\x00"))


def test_the_timeline_names_the_last_day_of_a_mediation_deadline() -> None:
    """A period ends at 24:00 Beijing time of its last day (CPL art. 85): the bank reads that day, not the next."""
    accepted = {"due_at": "2026-12-02T16:00:00Z"}  # 24:00 on 2 December in Beijing
    assert mediation_summary("mediation.case.accepted", accepted) == "调解员已接受，调解期限至2026-12-02 24:00"
    extended = {"due_at": "2026-12-17T16:00:00Z", "extra_days": 15}
    assert mediation_summary("mediation.case.extended", extended).endswith("延长15日至2026-12-17 24:00")
