"""Domain errors: what service and query modules raise when a request cannot be done, in the domain's words.

They know nothing of HTTP; the web layer (`courtlink_shared.web.problems.install_problem_handlers`) maps each
to its problem+json answer (404, 409, 403, 422), so a service module never imports the web layer. Bad input
is described field by field as `{field, code, message, message_zh}` (`field_problem`, `field_errors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Chinese wording of pydantic's error types; anything else falls back to a generic sentence.
_ZH = {
    "missing": "必填字段缺失",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为金额数字",
    "decimal_max_places": "金额最多保留两位小数",
    "bool_parsing": "应为布尔值",
    "date_parsing": "日期格式无效，应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式无效，应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式无效",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "too_short": "条目数量不足",
    "too_long": "条目数量过多",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "JSON 格式无效",
    "uuid_parsing": "编号格式无效",
    "value_error": "取值无效",
    "model_type": "应为对象",
    "list_type": "应为列表",
}


def field_problem(
    field: str, message: str, message_zh: str, *, code: str = "invalid", zh_complete: bool = False
) -> dict[str, Any]:
    """One fault of the input as every service reports it, e.g. `field_problem("query.cursor", "not a cursor
    returned by this API", "分页游标无效")`; `field` is a dotted path, `code` a stable machine-readable word.
    `zh_complete` says that `message_zh` says all `message` does (a validator's own wording of this very fault);
    otherwise the Chinese may be a heading ("CSV 文件无法读取") whose English names the fault."""
    return {
        "field": field,
        "code": code,
        "message": message,
        "message_zh": message_zh,
        "message_zh_complete": zh_complete,
    }


def field_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """pydantic errors as `{field, code, message, message_zh}`; field is a dotted path, e.g. body.claim.total."""
    result = []
    for error in errors:
        location = [str(p) for p in error.get("loc", ())]
        # A validator that words its own Chinese (spreadsheet_values.bilingual_error) carries it along, complete.
        own_zh = (error.get("ctx") or {}).get("message_zh")
        result.append(
            field_problem(
                ".".join(location),
                str(error.get("msg", "invalid value")),
                str(own_zh or _ZH.get(error.get("type", ""), "取值无效")),
                code=error.get("type", "invalid"),
                zh_complete=bool(own_zh),
            )
        )
    return result


class DomainError(Exception):
    """A request the domain refuses: `detail` says why; `errors` lists input faults field by field; `extra`
    carries further members of the answer (e.g. the current status)."""

    def __init__(self, detail: str, *, errors: Sequence[dict[str, Any]] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors or [])
        self.extra = extra


class NotFound(DomainError):
    """No such object, or one of another organisation (answered the same, so that its existence does not leak)."""


class Conflict(DomainError):
    """The request contradicts what is already recorded (e.g. a reference reused with different content)."""


class InvalidTransition(DomainError):
    """The object is not in a state that allows this action."""


class NotPermitted(DomainError):
    """The caller's role may act on such objects, but not on this one (e.g. not the officer assigned)."""


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a rule that needs the data; `errors` says which fields."""

    @classmethod
    def on_fields(cls, *faults: tuple[str, str, str]) -> InvalidInput:
        """`(field, message, message_zh)` per fault, e.g.
        `("body.respondents.0", "not a respondent of the case", "不是本案被执行人")`."""
        errors = [field_problem(f, m, zh) for f, m, zh in faults]
        return cls(faults[0][1] if len(faults) == 1 else f"{len(faults)} field(s) are invalid", errors=errors)
