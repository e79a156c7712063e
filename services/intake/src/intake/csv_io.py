"""Batches the way banks export them: CSV with Chinese headers, UTF-8 (with or without BOM) or GBK; the
downloadable template; and the batch report as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from courtlink_shared.inputs import storable_text
from courtlink_shared.spreadsheets import csv_writer

RESPONDENT_SLOTS = 2  # borrower and guarantor: more respondents go through the JSON API
KIND = {
    "自然人": "person",
    "个人": "person",
    "person": "person",
    "法人": "company",
    "公司": "company",
    "企业": "company",
    "company": "company",
}

_BASE_COLUMNS = [
    ("银行业务编号", "bank_reference"),
    ("纠纷类型", "dispute_type"),
    ("申请人名称", "claimant.name"),
    ("申请人统一社会信用代码", "claimant.code"),
    ("合同编号", "contract_number"),
    ("违约日期", "default_date"),
    ("本金", "claim.principal"),
    ("利息", "claim.interest"),
    ("罚息", "claim.penalty"),
    ("费用", "claim.fees"),
    ("合计", "claim.total"),
    ("法院代码", "court_code"),
]
_RESPONDENT_COLUMNS = [
    ("类型", "kind"),
    ("名称", "name"),
    ("证件号码", "id_number"),
    ("电话", "phone"),
    ("地址", "address"),
]
EVIDENCE_COLUMN = "证据"
HEADERS = (
    [h for h, _ in _BASE_COLUMNS]
    + [f"被申请人{i}{h}" for i in range(1, RESPONDENT_SLOTS + 1) for h, _ in _RESPONDENT_COLUMNS]
    + [EVIDENCE_COLUMN]
)

TEMPLATE_EXAMPLE = [
    "CC-2026-000001",
    "信用卡纠纷",
    "示例银行股份有限公司",
    "91110000600037341L",
    "HT-2024-0001",
    "2026-01-05",
    "10000.00",
    "523.10",
    "120.00",
    "0.00",
    "10643.10",
    "吉7101",
    "自然人",
    "张三",
    "11010519491231002X",
    "13800000000",
    "吉林省长春市朝阳区示例路1号",
    "",
    "",
    "",
    "",
    "",
    "对账单.pdf|9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08|20480",
]


class CsvError(ValueError):
    """The file is not a CSV batch we can read at all (encoding, header)."""


def decode(content: bytes) -> str:
    """UTF-8 (a BOM is dropped) or else GBK/GB18030, as Chinese spreadsheet software writes it."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise CsvError("the file is neither UTF-8 nor GBK text") from exc
    if (fault := storable_text(text)) is not None:
        raise CsvError(f"the file {fault}")
    return text


def _nest(flat: dict[str, str]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        if value == "":
            continue
        target = nested
        *parents, leaf = path.split(".")
        for p in parents:
            target = target.setdefault(p, {})
        target[leaf] = value
    return nested


def _evidence(cell: str) -> list[dict[str, str]] | str:
    items = []
    for part in filter(None, (p.strip() for p in cell.replace("；", ";").split(";"))):
        fields = [f.strip() for f in part.split("|")]
        if len(fields) != 3:
            return cell  # left as text: validation reports the evidence field as malformed
        items.append({"name": fields[0], "sha256": fields[1], "size": fields[2]})
    return items


def parse_batch_csv(content: bytes) -> list[dict[str, Any]]:
    """One dict per data row, shaped like the JSON submission; row n of the list is line n + 2 of the file."""
    try:
        return _parse_rows(decode(content))
    except csv.Error as exc:  # a stray quote or carriage return, an oversized field
        raise CsvError(f"the file is not well-formed CSV: {exc}") from exc


def _parse_rows(text: str) -> list[dict[str, Any]]:
    # newline="" hands line endings (\n, \r\n, a lone \r, or inside quotes) to the csv module, as its docs require
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration as exc:
        raise CsvError("the file is empty") from exc
    missing = [h for h, _ in _BASE_COLUMNS if h not in header]
    if missing:
        raise CsvError(f"missing column(s): {', '.join(missing)}; download the template")
    index = {h: i for i, h in enumerate(header)}
    rows: list[dict[str, Any]] = []
    for line in reader:
        if not any(cell.strip() for cell in line):
            continue

        def cell(name: str, line: list[str] = line) -> str:
            i = index.get(name)
            return line[i].strip() if i is not None and i < len(line) else ""

        row = _nest({path: cell(h) for h, path in _BASE_COLUMNS})
        respondents = []
        for slot in range(1, RESPONDENT_SLOTS + 1):
            values = {key: cell(f"被申请人{slot}{h}") for h, key in _RESPONDENT_COLUMNS}
            if any(values.values()):
                values["kind"] = KIND.get(values["kind"], values["kind"])
                respondents.append({k: v for k, v in values.items() if v != ""})
        row["respondents"] = respondents
        if cell(EVIDENCE_COLUMN):
            row["evidence"] = _evidence(cell(EVIDENCE_COLUMN))
        rows.append(row)
    return rows


def template_csv() -> bytes:
    """The template banks fill in: headers and one example row, UTF-8 with BOM so that spreadsheets open it."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(HEADERS)
    writer.writerow(TEMPLATE_EXAMPLE)
    return out.getvalue().encode("utf-8-sig")


def report_csv(rows: Iterable[dict[str, Any]]) -> bytes:
    """The batch report: one line per input row with its outcome and reasons."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["行号", "银行业务编号", "结果", "纠纷编号", "原因", "reasons"])
    outcome_zh = {
        "accepted": "已受理",
        "existing": "已存在（重复提交，未新建）",
        "probable_duplicate": "疑似重复，待审查",
        "rejected": "未受理",
    }
    for row in rows:
        errors = row["errors"]
        writer.writerow(
            [
                row["row_number"],
                row["bank_reference"] or "",
                outcome_zh[row["outcome"]],
                row["dispute_id"] or "",
                "；".join(f"{e['field']}：{e['message_zh']}" for e in errors),
                "; ".join(f"{e['field']}: {e['message']}" for e in errors),
            ]
        )
    return out.getvalue().encode("utf-8-sig")
