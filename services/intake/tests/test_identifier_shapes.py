"""What a bank sees when a court code or a company's credit code has the wrong structure.

Legal sources: the court code (法院代字) of the SPC's provisions on case numbers (法〔2015〕137号) and their annex;
the unified social credit code of GB 32100-2015 (with its amendments) and the organisation code inside it of
GB 11714-1997.
"""

from __future__ import annotations

from typing import Any

import pytest
from intake_fixtures import BANK_A, Api, dispute
from stdnum.cn import uscc


async def submit(api: Api, body: dict[str, Any]) -> Any:
    return await api.client.post("/disputes", json=body, headers=api.bank(BANK_A))


@pytest.mark.parametrize("court", ["吉710", "吉00", "长7101", "最高", "吉 7101 1"])
async def test_a_court_code_of_no_court_level_is_refused_and_nothing_is_stored(api: Api, court: str) -> None:
    response = await submit(api, dispute(court_code=court))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "body.court_code"
    assert "not a court code" in error["message"]
    assert error["message_zh"].startswith("不是法院代字")
    assert error["message_zh_complete"] is True, "worded for this fault: the console shows the Chinese alone"
    assert (await api.client.get("/disputes", headers=api.bank())).json()["items"] == []


async def test_a_full_width_court_code_is_read_as_the_court_it_names(api: Api) -> None:
    response = await submit(api, dispute(court_code="吉７１０１"))
    assert response.status_code == 201, response.text
    assert response.json()["court_code"] == "吉7101"


@pytest.mark.parametrize(
    ("code", "says", "says_zh"),
    [
        ("B1110000600037341L", "registration department code (1st character) B", "第 1 位登记管理部门代码 B"),
        (
            "94110000600037341L",
            "organisation type (2nd character) 4 is not allowed under department 9 工商",
            "第 2 位机构类别代码 4 不属于登记管理部门 9",
        ),
        ("91990000600037341L", "does not start with a province-level code", "不以省级行政区划代码开头"),
    ],
)
async def test_a_company_code_of_the_wrong_structure_is_refused_saying_which_part(
    api: Api, code: str, says: str, says_zh: str
) -> None:
    body = dispute()
    body["respondents"] = [{"kind": "company", "name": "某某贸易有限公司", "id_number": code}]
    response = await submit(api, body)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "body.respondents.0.id_number"
    assert says in error["message"]
    assert says_zh in error["message_zh"], "in Chinese too, for the console's form"


async def test_a_company_code_whose_organisation_code_check_fails_is_accepted_with_a_warning(api: Api) -> None:
    body = "9111000060003734" + "2"  # GB 11714 gives 60003734 the check character 1
    code = body + uscc.calc_check_digit(body)
    dispute_body = dispute()
    dispute_body["respondents"] = [{"kind": "company", "name": "某某贸易有限公司", "id_number": code}]
    response = await submit(api, dispute_body)
    assert response.status_code == 201, response.text
    assert response.json()["warnings"] == [f"{code}: legacy credit code (checksum fails), accepted"]
