"""Values as a Chinese-locale spreadsheet writes them: dates such as `2026/3/1` or `2026年3月1日`, amounts such as
`50,000.00` or `￥50000.00`. Every unambiguous form is read; what Excel did to a value that cannot be read back
(an ID number turned into `1.10105E+17`, a date turned into its serial day number, `03/01/2026` that is 1 March
or 3 January) is refused with a message, in English and Chinese, saying what happened and how to fix it."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from pydantic_core import PydanticCustomError

from courtlink_shared.identifiers.normalise import normalise_identifier, strip_zero_width

# How Excel shows a number too long for its cell: one digit, maybe decimals, `E+` and the exponent. Only that
# form: a reference such as `2024E001` is a reference, not a number.
_SCIENTIFIC = re.compile(r"^-?\d(\.\d+)?E\+\d{2,3}$")
_YEAR_FIRST = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|年(\d{1,2})月(\d{1,2})日?)$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEAR_LAST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_MIDNIGHT = re.compile(r"\s+0?0:00(:00)?$")  # Excel's date cells exported with a time of day
_SERIAL_DAY = re.compile(r"^\d{5}(\.\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CURRENCY = re.compile(r"^(¥|RMB|CNY)|元$")


def bilingual_error(code: str, message: str, message_zh: str, **context: Any) -> PydanticCustomError:
    """A validation error whose Chinese wording travels with it (the problem's `message_zh`)."""
    return PydanticCustomError(code, message, {**context, "message_zh": message_zh.format(**context)})


def excel_number_error(value: str) -> PydanticCustomError:
    """An identifier Excel displayed in scientific notation: its last digits are gone for good."""
    return bilingual_error(
        "excel_number",
        "Excel turned this value into a number ({value}) and dropped its last digits: format the column as text "
        "(Format Cells → Text) in the spreadsheet, type the value again and export again",
        "该值被 Excel 转成了数字（{value}），末尾数字已丢失："
        "请在表格中把该列的单元格格式设置为“文本”，重新录入后再导出",
        value=value,
    )


def identifier_text(value: Any) -> Any:
    """An identifier normalised (NFKC, blanks and zero-width characters removed, upper-case); one that Excel
    wrote in scientific notation is refused with the way to fix it."""
    if not isinstance(value, str):
        return value
    code = normalise_identifier(value)
    if _SCIENTIFIC.match(code):
        raise excel_number_error(code)
    return code


def _date_or_error(year: int, month: int, day: int, text: str) -> str:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise bilingual_error(
            "date_invalid", "{value} is not a date of the calendar", "日期 {value} 不存在，请核对年月日", value=text
        ) from None


def calendar_date(value: Any) -> Any:
    """A date in any unambiguous form (`2026-03-01`, `2026/3/1`, `2026.3.1`, `2026年3月1日`, `20260301`, with a
    midnight time as Excel appends) as ISO text; Excel serial day numbers and day/month orders that could be
    read both ways are refused. Anything else is left for the date type to refuse."""
    if not isinstance(value, str):
        return value
    text = _MIDNIGHT.sub("", strip_zero_width(unicodedata.normalize("NFKC", value)).strip())
    text = "".join(text.split())
    if m := _YEAR_FIRST.match(text):
        year, month, day = (int(g) for g in m.groups() if g is not None)
        return _date_or_error(year, month, day, text)
    if (m := _COMPACT_DATE.match(text)) and 1900 <= int(m.group(1)) <= 2100:
        return _date_or_error(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    if _SERIAL_DAY.match(text):
        raise bilingual_error(
            "excel_serial_date",
            "{value} is an Excel serial day number, not a date: format the column as text or as a date "
            "in YYYY-MM-DD form (e.g. 2026-03-01) and export again",
            "{value} 是 Excel 的日期序号而不是日期："
            "请把该列设置为“文本”或“YYYY-MM-DD”日期格式（如 2026-03-01）后重新导出",
            value=text,
        )
    if m := _YEAR_LAST.match(text):
        first, second, year = (int(g) for g in m.groups())
        readings = {d for d in ((year, first, second), (year, second, first)) if _exists(*d)}
        if len(readings) == 1:
            return date(*readings.pop()).isoformat()
        raise bilingual_error(
            "date_ambiguous",
            "{value} can be read as month/day or as day/month: write the year first, e.g. 2026-03-01",
            "{value} 无法确定是“月/日”还是“日/月”：请以年份开头填写，如 2026-03-01",
            value=text,
        )
    return text


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def amount_text(value: Any) -> Any:
    """An amount as text without currency sign (`¥`, `￥`, `RMB`, `CNY`, `元`) or thousands separators
    (`50,000.00`, also full-width); separators in the wrong places (a decimal comma?) and Excel's scientific
    notation are refused with the way to fix them."""
    if not isinstance(value, str):
        return value
    text = _CURRENCY.sub("", normalise_identifier(value))
    if "," in text:
        if not _GROUPED.match(text):
            raise bilingual_error(
                "amount_separators",
                "{value}: commas may only separate thousands; write the amount as digits with a decimal point, "
                "e.g. 50000.00",
                "{value}：逗号只能作千位分隔符；请填写阿拉伯数字并以小数点分隔角分，如 50000.00",
                value=value.strip(),
            )
        text = text.replace(",", "")
    if _SCIENTIFIC.match(text):
        raise excel_number_error(text)
    return text
