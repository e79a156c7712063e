"""Two versions of an advice compared: pairs aligned by their problems, changes marked character by character,
and the picked versions checked (pure functions, no browser)."""

from __future__ import annotations

from typing import Any

from console.compare import Piece, compare, marked
from console.pages.advice import chosen_versions


def content(pairs: list[tuple[str, str]], **fields: Any) -> dict[str, Any]:
    return {
        "title": "关于规范催收行为的司法建议",
        "background": "背景",
        "problems": [p for p, _ in pairs],
        "recommendations": [{"problem": i, "text": r} for i, (_, r) in enumerate(pairs)],
        **fields,
    }


def test_changed_text_is_marked_where_it_changed() -> None:
    left, right = marked("每日催收不超过五次", "每日催收不超过三次")
    assert left == [Piece("same", "每日催收不超过"), Piece("del", "五"), Piece("same", "次")]
    assert right == [Piece("same", "每日催收不超过"), Piece("ins", "三"), Piece("same", "次")]


def test_a_pair_inserted_in_the_middle_leaves_the_others_facing_their_earlier_versions() -> None:
    before = content([("催收频次过高", "规范催收频次"), ("利息不透明", "公开利息计算方法")])
    after = content(
        [
            ("催收频次过高", "规范催收频次"),
            ("格式条款未提示", "显著提示格式条款"),
            ("利息不透明", "公开利息的计算方法"),
        ],
        title="关于规范信用卡催收行为的司法建议",
    )
    result = compare(before, after)
    states = [(p.left_number, p.right_number, p.state) for p in result.pairs]
    assert states == [(1, 1, "same"), (None, 2, "added"), (2, 3, "changed")]
    assert result.pairs[2].problem.state == "same"
    assert Piece("ins", "的") in result.pairs[2].recommendation.right
    assert [(r.label, r.state) for r in result.fields if r.state != "same"] == [("标题", "changed")]
    assert result.changes == 3


def test_a_removed_pair_shows_on_the_earlier_side_only() -> None:
    result = compare(content([("甲", "一"), ("乙", "二")]), content([("乙", "二")]))
    assert [(p.left_number, p.right_number, p.state) for p in result.pairs] == [(1, None, "removed"), (2, 1, "same")]
    assert result.pairs[0].problem.right == []


def test_two_different_saved_versions_must_be_picked() -> None:
    assert chosen_versions({}, [1, 2, 3]) == ({"a": "2", "b": "3"}, {})
    assert chosen_versions({"a": "1", "b": "3"}, [1, 2, 3]) == ({"a": "1", "b": "3"}, {})
    _, errors = chosen_versions({"a": "2", "b": "2"}, [1, 2, 3])
    assert errors == {"b": "请选择另一个版本（两侧不能是同一版本）"}
    _, errors = chosen_versions({"a": "9", "b": "x"}, [1, 2])
    assert set(errors) == {"a", "b"}
