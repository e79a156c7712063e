"""Event contracts: every event has a JSON Schema snapshot, and an incompatible change fails here.

After an additive change, refresh the snapshots with `UPDATE_CONTRACTS=1 ./test shared/tests/test_event_contracts.py`;
an incompatible one is never written: give the event a new dataversion instead.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from courtlink_shared.events import EVENT_TYPES, Envelope, parse_event
from courtlink_shared.events.asyncapi import render
from courtlink_shared.events.common import Claim, Organisation, Party
from courtlink_shared.events.contracts import breaking_changes, event_schemas
from courtlink_shared.events.envelope import make_envelope
from courtlink_shared.events.intake import DisputeRouted, DisputeSnapshot, NoticeRef
from pydantic import ValidationError

SNAPSHOTS = Path(__file__).parent / "contracts"
ASYNCAPI = Path(__file__).parents[2] / "docs" / "asyncapi.json"
UPDATE = os.environ.get("UPDATE_CONTRACTS") == "1"


@pytest.mark.parametrize("name", sorted(event_schemas()))
def test_event_schema_matches_its_snapshot_or_changed_additively(name: str) -> None:
    current = event_schemas()[name]
    path = SNAPSHOTS / f"{name}.json"
    if not path.exists():
        if UPDATE:
            path.write_text(json.dumps(current, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
            return
        pytest.fail(f"{name} has no contract snapshot; write it with UPDATE_CONTRACTS=1")
    stored = json.loads(path.read_text())
    problems = breaking_changes(stored, current)
    assert not problems, f"incompatible change to {name}: {problems}; add a new dataversion instead"
    if current != stored:
        if UPDATE:
            path.write_text(json.dumps(current, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        else:
            pytest.fail(f"{name} changed additively; refresh its snapshot with UPDATE_CONTRACTS=1")


def test_no_snapshot_is_left_without_its_event() -> None:
    orphans = {p.stem for p in SNAPSHOTS.glob("*.json")} - set(event_schemas())
    assert not orphans, f"events removed (a breaking change): {sorted(orphans)}"


def test_every_topic_of_the_architecture_has_its_events() -> None:
    by_topic: dict[str, set[str]] = {}
    for (event_type, _), model in EVENT_TYPES.items():
        by_topic.setdefault(model.topic.name, set()).add(event_type.rsplit(".", 1)[1])
    assert by_topic["intake.disputes"] == {"submitted", "routed", "withdrawn", "filed"}
    assert len(by_topic["mediation.cases"]) == 9
    assert by_topic["enforcement.inquiries"] == {"submitted", "accepted", "advice_issued", "overdue"}
    assert by_topic["enforcement.asset-queries"] == {"requested", "answered", "expired"}
    assert len(by_topic["advice.items"]) == 11


class TestCompatibilityRule:
    base: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"$ref": "#/$defs/B"}},
        "required": ["a"],
        "$defs": {"B": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}},
    }

    def changed(self, **edits: Any) -> dict[str, Any]:
        schema: dict[str, Any] = json.loads(json.dumps(self.base))
        for dotted, value in edits.items():
            *parents, leaf = dotted.split("__")
            target = schema
            for p in parents:
                target = target[p]
            if value is None:
                del target[leaf]
            else:
                target[leaf] = value
        return schema

    def test_adding_an_optional_field_is_compatible(self) -> None:
        assert breaking_changes(self.base, self.changed(properties__c={"type": "string"})) == []

    def test_removing_a_field_breaks(self) -> None:
        assert breaking_changes(self.base, self.changed(properties__a=None)) == ["data.a: removed"]

    def test_changing_a_type_breaks(self) -> None:
        assert breaking_changes(self.base, self.changed(properties__a={"type": "integer"})) == [
            "data.a: schema changed"
        ]

    def test_a_new_required_field_breaks(self) -> None:
        new = self.changed(properties__c={"type": "string"}, required=["a", "c"])
        assert breaking_changes(self.base, new) == ["data.c: newly required"]

    def test_a_nested_change_behind_a_reference_breaks(self) -> None:
        new = self.changed(**{"$defs__B__properties__x": {"type": "string"}})
        assert breaking_changes(self.base, new) == ["data.b.x: schema changed"]


def routed_event() -> DisputeRouted:
    now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    return DisputeRouted(
        dispute_id="d-1",
        mediation_number="（2026）吉7101民诉前调1号",
        notice=NoticeRef(template="credit_card", issued_at=now, url="/disputes/d-1/notice"),
        dispute=DisputeSnapshot(
            bank_reference="CC-1",
            dispute_type="信用卡纠纷",
            claimant=Organisation(name="示例银行", code="91110000600037341L"),
            respondents=[Party(kind="person", name="张三", id_number="11010519491231002X")],
            claim=Claim(
                principal=Decimal("1000.00"),
                interest=Decimal("10.50"),
                penalty=Decimal("0.00"),
                fees=Decimal("0.00"),
                total=Decimal("1010.50"),
            ),
            contract_number="HT-1",
            default_date=date(2026, 1, 5),
            court_code="吉7101",
        ),
        routed_at=now,
    )


def test_an_event_survives_the_wire_with_its_envelope() -> None:
    event = routed_event()
    envelope = make_envelope(event, source="intake", subject="d-1", time=event.routed_at)
    wire = envelope.model_dump_json().encode()
    back = Envelope.model_validate_json(wire)
    assert back.type == "intake.dispute.routed"
    assert back.correlationid == str(back.id)
    assert parse_event(back) == event


def test_readers_ignore_fields_added_later() -> None:
    envelope = make_envelope(routed_event(), source="intake", subject="d-1", time=datetime.now(UTC))
    data = {**envelope.data, "field_from_the_future": 1}
    assert parse_event(envelope.model_copy(update={"data": data})) == routed_event()


def test_money_keeps_its_decimal_places_on_the_wire() -> None:
    envelope = make_envelope(routed_event(), source="intake", subject="d-1", time=datetime.now(UTC))
    assert envelope.data["dispute"]["claim"]["total"] == "1010.50"


def test_invalid_data_is_refused() -> None:
    envelope = make_envelope(routed_event(), source="intake", subject="d-1", time=datetime.now(UTC))
    with pytest.raises(ValidationError):
        parse_event(envelope.model_copy(update={"data": {"dispute_id": "d-1"}}))


def test_the_committed_asyncapi_document_is_current() -> None:
    assert ASYNCAPI.read_text() == render(), (
        "docs/asyncapi.json is stale: uv run python -m courtlink_shared.events.asyncapi > docs/asyncapi.json"
    )
