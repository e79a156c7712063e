"""Unified social credit code (统一社会信用代码, GB 32100-2015 法人和其他组织统一社会信用代码编码规则, with its
amendments).

The 18 characters are, by GB 32100 clause 4: the registration department (登记管理部门代码, 1st), the organisation
type allowed under that department (机构类别代码, 2nd), the administrative division of the registering authority
(登记管理机关行政区划码, 3rd–8th, GB/T 2260), the organisation code (主体标识码, 9th–17th, GB 11714-1997) and the check
character (18th, ISO 7064 MOD 31-3; computed by python-stdnum).

A code whose structure is wrong is refused (InvalidIdentifier). Some early codes from pilot regions fail a check
character and are still legal: `check_credit_code` accepts them and says so in `warning`; `validate_credit_code` is
the strict form.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from stdnum.cn import uscc

from courtlink_shared.identifiers.normalise import InvalidIdentifier, normalise_identifier

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LEGACY_CHECKSUM_WARNING = "legacy_checksum"
LEGACY_ORGANISATION_CODE_WARNING = "legacy_organisation_code"

# GB 32100-2015 Appendix A, table A.1 (登记管理部门代码和机构类别代码), with the departments its amendments
# (修改单) added: A (中央军委改革和编制办公室, military public institutions) and N (农业, rural collective economic
# organisations).
# Department code → (department, {organisation type code → type}).
DEPARTMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),  # GB 32100 A.1: no further types, always 1
}

# GB/T 2260 province-level divisions (the first two digits of a division code): 11–15 North China, 21–23 North-East,
# 31–37 East, 41–46 Central-South, 50–54 South-West, 61–65 North-West, 71 Taiwan, 81 Hong Kong, 82 Macao.
PROVINCE_PREFIXES = frozenset(
    f"{p:02d}"
    for p in [
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
    ]
)

# GB 11714-1997 clause 5: weights of the organisation code's eight body characters.
_ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class CreditCodeCheck:
    """A credit code whose structure is right; `warnings` lists the check characters that fail (legacy codes)."""

    code: str
    warnings: tuple[str, ...] = ()

    @property
    def warning(self) -> str | None:
        """The first failing check (the final check character before the embedded organisation code), or None."""
        return self.warnings[0] if self.warnings else None

    @property
    def checksum_ok(self) -> bool:
        """Both check characters hold (GB 32100's 18th and GB 11714's, the 17th)."""
        return not self.warnings

    @property
    def department(self) -> str:
        """The registration department, e.g. 工商."""
        return DEPARTMENTS[self.code[0]][0]

    @property
    def organisation_type(self) -> str:
        """The organisation type under that department, e.g. 企业."""
        return DEPARTMENTS[self.code[0]][1][self.code[1]]


def organisation_code_check(body: str) -> str:
    """GB 11714-1997's check character of an organisation code's first 8 characters: 11 − Σ(value × weight) mod 11,
    where digits count as themselves and letters A–Z as 10–35; 10 is written X and 11 is written 0."""
    check = 11 - sum(int(c, 36) * w for c, w in zip(body, _ORGANISATION_CODE_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _check_format(code: str) -> None:
    if len(code) != 18:
        raise InvalidIdentifier(
            "length",
            f"a unified social credit code has 18 characters, not {len(code)}",
            f"统一社会信用代码应为 18 位，而不是 {len(code)} 位",
        )
    illegal = sorted({c for c in code if c not in ALPHABET})
    if illegal:
        raise InvalidIdentifier(
            "format",
            f"illegal character(s) {''.join(illegal)} in the credit code (I, O, Z, S, V are never used)",
            f"统一社会信用代码含有不允许的字符 {''.join(illegal)}（不使用 I、O、Z、S、V）",
        )


def _check_structure(code: str) -> None:
    """GB 32100 clause 4: department, the type allowed under it, and a six-digit division of a real province."""
    department = DEPARTMENTS.get(code[0])
    if department is None:
        known = ", ".join(f"{c} {name}" for c, (name, _) in DEPARTMENTS.items())
        raise InvalidIdentifier(
            "department",
            f"the registration department code (1st character) {code[0]} is not one of GB 32100's: {known}",
            f"第 1 位登记管理部门代码 {code[0]} 不符合 GB 32100",
        )
    name, types = department
    if code[1] not in types:
        allowed = ", ".join(f"{c} {t}" for c, t in types.items())
        raise InvalidIdentifier(
            "organisation_type",
            f"the organisation type (2nd character) {code[1]} is not allowed under department {code[0]} {name}; "
            f"GB 32100 allows {allowed}",
            f"第 2 位机构类别代码 {code[1]} 不属于登记管理部门 {code[0]}（{name}）",
        )
    division = code[2:8]
    if not division.isdigit():
        raise InvalidIdentifier(
            "division",
            f"the administrative division (characters 3–8) {division} must be six digits (GB/T 2260)",
            f"第 3–8 位行政区划码 {division} 应为 6 位数字",
        )
    if division[:2] not in PROVINCE_PREFIXES:
        raise InvalidIdentifier(
            "division",
            f"the administrative division (characters 3–8) {division} does not start with a province-level code "
            "of GB/T 2260 (11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 81, 82)",
            f"第 3–8 位行政区划码 {division} 不以省级行政区划代码开头",
        )


@functools.lru_cache(maxsize=4096)  # pure; a bank's batch checks its own code on every row
def check_credit_code(value: str) -> CreditCodeCheck:
    """Normalise and check. A code whose structure is wrong raises InvalidIdentifier saying which part; a code whose
    final check character or embedded organisation code check fails is accepted with a warning (legacy codes)."""
    code = normalise_identifier(value)
    _check_format(code)
    _check_structure(code)
    warnings = []
    if uscc.calc_check_digit(code) != code[-1]:
        warnings.append(LEGACY_CHECKSUM_WARNING)
    if organisation_code_check(code[8:16]) != code[16]:
        warnings.append(LEGACY_ORGANISATION_CODE_WARNING)
    return CreditCodeCheck(code, tuple(warnings))


def validate_credit_code(value: str) -> str:
    """The normalised code; raises InvalidIdentifier on any fault, a failing check character included."""
    checked = check_credit_code(value)
    if checked.warning == LEGACY_CHECKSUM_WARNING:
        raise InvalidIdentifier(
            "checksum", "the check character of the credit code is wrong", "统一社会信用代码校验码错误"
        )
    if checked.warning == LEGACY_ORGANISATION_CODE_WARNING:
        raise InvalidIdentifier(
            "organisation_code",
            "the check character of the organisation code (characters 9–17) is wrong",
            "第 9–17 位组织机构代码的校验码错误",
        )
    return checked.code
