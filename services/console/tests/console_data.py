"""Test data the browser journeys upload: a CSV batch in intake's template with good and bad rows."""

from __future__ import annotations

import csv
import io

from courtlink_shared.testing.factories import resident_id

HEADER = [
    "银行业务编号",
    "纠纷类型",
    "申请人名称",
    "申请人统一社会信用代码",
    "合同编号",
    "违约日期",
    "本金",
    "利息",
    "罚息",
    "费用",
    "合计",
    "法院代码",
    "被申请人1类型",
    "被申请人1名称",
    "被申请人1证件号码",
    "被申请人1电话",
    "被申请人1地址",
]
COURT = "吉7101"


def batch_csv(
    bank_code: str, bank_name: str, run: str, *, good: int, bad_total: int, bad_id: int, duplicate: int = 0
) -> bytes:
    """`good` valid loan disputes, `bad_total` whose total is not the sum of its parts, `bad_id` with an ID number
    whose check character is wrong, and `duplicate` repeating the first row's contract and respondent under a new
    reference (a probable duplicate for a clerk); UTF-8 with BOM, as the template."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    kinds = ["good"] * good + ["bad_total"] * bad_total + ["bad_id"] * bad_id + ["duplicate"] * duplicate
    for n, kind in enumerate(kinds, start=1):
        id_number = resident_id(1000 + (1 if kind == "duplicate" else n))
        if kind == "bad_id":
            id_number = id_number[:-1] + ("1" if id_number[-1] != "1" else "2")
        total = "51500.00" if kind != "bad_total" else "99999.00"
        writer.writerow(
            [
                f"UI-{run}-{n:03d}",
                "金融借款合同纠纷",
                bank_name,
                bank_code,
                f"HT-{run}-{1 if kind == 'duplicate' else n:03d}",
                "2026-03-01",
                "50000.00",
                "1200.00",
                "300.00",
                "0.00",
                total,
                COURT,
                "自然人",
                f"借款人{n:03d}",
                id_number,
                "13800000000",
                "吉林省长春市朝阳区示例路1号",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def json_dispute(bank_code: str, bank_name: str, reference: str) -> dict[str, object]:
    """One loan dispute as the JSON batch carries it."""
    return {
        "bank_reference": reference,
        "dispute_type": "金融借款合同纠纷",
        "claimant": {"name": bank_name, "code": bank_code},
        "respondents": [{"kind": "person", "name": "借款人投放", "id_number": resident_id(3001)}],
        "claim": {
            "principal": "50000.00",
            "interest": "1200.00",
            "penalty": "300.00",
            "fees": "0.00",
            "total": "51500.00",
        },
        "contract_number": f"HT-{reference}",
        "default_date": "2026-03-01",
        "court_code": COURT,
    }
