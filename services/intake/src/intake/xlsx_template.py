"""The batch template as an Excel workbook whose every column is formatted as text.

A CSV file cannot say how a spreadsheet should format its columns, and Excel turns an 18-digit ID number typed
into a General column into `1.10105E+17` (its last digits lost for good) and dates into serial day numbers. In
this workbook every column is text before anyone types, so the values stay as typed; the bank fills it in and
saves it as "CSV UTF-8" to upload (a second sheet says how, in Chinese)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from intake.csv_io import HEADERS, TEMPLATE_EXAMPLE

TEXT = "@"  # Excel's number format "Text"
INSTRUCTIONS = [
    "填写与上传说明 / How to fill in and upload",
    "1. 在“批量导入”工作表中每行填写一件纠纷；所有列均已设为“文本”格式，身份证号、业务编号、日期、金额会按原样保存。",
    "   One dispute per row on the first sheet; every column is already formatted as Text, so ID numbers, references, "
    "dates and amounts stay as typed.",
    "2. 日期写作 2026-03-01 或 2026/3/1；金额写作 50000.00，可带千位分隔符或人民币符号（50,000.00、￥50000.00）。",
    "   Dates as 2026-03-01 or 2026/3/1; amounts as 50000.00 (thousands separators and ¥ are accepted).",
    "3. 另存为“CSV UTF-8（逗号分隔）(*.csv)”，再上传该 CSV 文件（只保存第一个工作表）。",
    "   Save As “CSV UTF-8 (Comma delimited) (*.csv)” and upload that file (only the first sheet is saved).",
    "4. 若从其他表格复制数据，请用“选择性粘贴 → 值”，以免覆盖文本格式。",
    "   When copying from another workbook, use Paste Special → Values so that the text format stays.",
]


def template_xlsx() -> bytes:
    """The template workbook: the headers, one example row, every column formatted as text; instructions."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "批量导入"
    for column, (header, example) in enumerate(zip(HEADERS, TEMPLATE_EXAMPLE, strict=True), start=1):
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].number_format = TEXT  # cells typed later are text too
        sheet.column_dimensions[letter].width = max(12, len(header) * 2 + 2)
        for row, value in ((1, header), (2, example)):
            cell = sheet.cell(row=row, column=column, value=value)
            cell.number_format = TEXT
        sheet.cell(row=1, column=column).font = Font(bold=True)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("说明")
    for row, line in enumerate(INSTRUCTIONS, start=1):
        notes.cell(row=row, column=1, value=line)
    notes.column_dimensions["A"].width = 120
    workbook.active = 0
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
