"""Two versions of a judicial advice side by side, with what changed marked (Python's difflib).

Texts are compared character by character: Chinese has no spaces between words, so a word-level diff would mark
whole sentences. Problem–recommendation pairs are aligned by their problems, so a pair added in the middle shows
as added there and the pairs after it still face their earlier versions. Everything here is plain text; the
template escapes it and wraps the changed pieces in <del> and <ins>."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

PieceKind = Literal["same", "del", "ins"]
RowState = Literal["same", "changed", "added", "removed"]

FIELDS = (
    ("title", "标题"),
    ("recipient_name", "被建议单位名称"),
    ("recipient_code", "统一社会信用代码"),
    ("superior_authority", "上级主管部门"),
    ("cc", "抄送单位"),
    ("related_cases", "涉及案件案号"),
    ("background", "基本情况"),
    ("reply_months", "回复期限（月）"),
    ("extended_deadline_basis", "超过两个月的依据"),
    ("contact_person", "联系人"),
    ("contact_phone", "联系电话"),
    ("attachments", "附件"),
)


@dataclass(frozen=True)
class Piece:
    """A run of text that is the same on both sides, only in the earlier one (del) or only in the later (ins)."""

    kind: PieceKind
    text: str


@dataclass(frozen=True)
class Row:
    """One field on both sides: the earlier version's text with deletions marked, the later's with insertions."""

    label: str
    left: list[Piece]
    right: list[Piece]
    state: RowState


@dataclass(frozen=True)
class PairRow:
    """A problem with its recommendation in both versions (a number is None on the side that lacks the pair)."""

    left_number: int | None
    right_number: int | None
    problem: Row
    recommendation: Row
    state: RowState


@dataclass(frozen=True)
class Comparison:
    fields: list[Row]
    pairs: list[PairRow]

    @property
    def changes(self) -> int:
        """How many fields and pairs differ."""
        return sum(r.state != "same" for r in self.fields) + sum(p.state != "same" for p in self.pairs)


def marked(before: str, after: str) -> tuple[list[Piece], list[Piece]]:
    """Both texts cut into pieces: the earlier with what was deleted, the later with what was inserted."""
    left: list[Piece] = []
    right: list[Piece] = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            left.append(Piece("same", before[a1:a2]))
            right.append(Piece("same", after[b1:b2]))
            continue
        if a2 > a1:
            left.append(Piece("del", before[a1:a2]))
        if b2 > b1:
            right.append(Piece("ins", after[b1:b2]))
    return left, right


def row(label: str, before: str | None, after: str | None) -> Row:
    """A field of both versions; None is a side that does not have it (a pair added or removed)."""
    if before is None:
        return Row(label, [], [Piece("ins", after or "")], "added")
    if after is None:
        return Row(label, [Piece("del", before)], [], "removed")
    left, right = marked(before, after)
    return Row(label, left, right, "same" if before == after else "changed")


def text_of(content: dict[str, Any], name: str) -> str:
    """A field of a saved version as the editor shows it (lists one item a line)."""
    value = content.get(name)
    if value is None:
        return ""
    if name == "cc":
        return "\n".join(f"{c.get('name', '')} {c.get('code', '')}".strip() for c in value)
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def pairs_of(content: dict[str, Any]) -> list[tuple[str, str]]:
    """Each problem with the recommendation that answers it, in order."""
    by_problem = {int(r["problem"]): str(r["text"]) for r in content.get("recommendations") or []}
    return [(str(p), by_problem.get(i, "")) for i, p in enumerate(content.get("problems") or [])]


def pair_row(left: tuple[int, tuple[str, str]] | None, right: tuple[int, tuple[str, str]] | None) -> PairRow:
    """One pair of both versions (numbers from 1 as the editor shows them)."""
    problem = row("问题", left[1][0] if left else None, right[1][0] if right else None)
    recommendation = row("建议", left[1][1] if left else None, right[1][1] if right else None)
    if left is None:
        state: RowState = "added"
    elif right is None:
        state = "removed"
    elif problem.state == recommendation.state == "same":
        state = "same"
    else:
        state = "changed"
    return PairRow(left[0] + 1 if left else None, right[0] + 1 if right else None, problem, recommendation, state)


def aligned_pairs(before: list[tuple[str, str]], after: list[tuple[str, str]]) -> list[PairRow]:
    """The pairs of both versions side by side, matched by their problems' text: unchanged problems face each
    other, a rewritten block faces the block it replaced pair by pair, the rest are added or removed."""
    rows: list[PairRow] = []
    matcher = SequenceMatcher(None, [p for p, _ in before], [p for p, _ in after], autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("equal", "replace"):
            for offset in range(max(a2 - a1, b2 - b1)):
                i, j = a1 + offset, b1 + offset
                rows.append(pair_row((i, before[i]) if i < a2 else None, (j, after[j]) if j < b2 else None))
        elif op == "delete":
            rows.extend(pair_row((i, before[i]), None) for i in range(a1, a2))
        else:
            rows.extend(pair_row(None, (j, after[j])) for j in range(b1, b2))
    return rows


def compare(before: dict[str, Any], after: dict[str, Any]) -> Comparison:
    """Two saved versions' contents (the drafts as saved: AdviceIn's fields) side by side."""
    fields = [row(label, text_of(before, name), text_of(after, name)) for name, label in FIELDS]
    shown = [r for r, (name, _) in zip(fields, FIELDS, strict=True) if r.state != "same" or text_of(after, name)]
    return Comparison(fields=shown, pairs=aligned_pairs(pairs_of(before), pairs_of(after)))
