"""Input field types that several services accept: text and identifiers normalised before they are validated
(full-width to half-width, blanks trimmed, `x` upper-cased), amounts as money, and a party with its identifier
checked (resident ID number for a person, unified social credit code for a company)."""

from __future__ import annotations

import unicodedata
from types import UnionType
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from courtlink_shared.identifiers.case_number import COURT_CODE_PATTERN, validate_court_code
from courtlink_shared.identifiers.credit_code import check_credit_code
from courtlink_shared.identifiers.money import Money
from courtlink_shared.identifiers.normalise import InvalidIdentifier, normalise_identifier, strip_zero_width
from courtlink_shared.identifiers.resident_id import validate_resident_id
from courtlink_shared.spreadsheet_values import amount_text, bilingual_error, identifier_text

PHONE_PATTERN = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"


def nfkc(value: Any) -> Any:
    """Full-width characters to half-width, zero-width characters dropped, runs of blanks to one space, trimmed
    (so that a name of nothing but invisible characters is as blank as an empty one)."""
    if not isinstance(value, str):
        return value
    return " ".join(strip_zero_width(unicodedata.normalize("NFKC", value)).split())


def compact(value: Any) -> Any:
    """An identifier without blanks, half-width, upper-case."""
    return normalise_identifier(value) if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(nfkc)]
Code = Annotated[str, BeforeValidator(identifier_text)]
Amount = Annotated[Money, BeforeValidator(amount_text)]


def identifier_error(exc: InvalidIdentifier) -> PydanticCustomError:
    """A faulty identifier as a validation error that carries its Chinese wording to the problem's `message_zh`."""
    # bilingual_error formats the Chinese wording (str.format): its braces, if any, are kept as they are.
    return bilingual_error(f"identifier_{exc.reason}", str(exc), exc.message_zh.replace("{", "{{").replace("}", "}}"))


def _court_code(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # the str type check then says what is wrong
    try:
        return validate_court_code(value)
    except InvalidIdentifier as exc:
        raise identifier_error(exc) from exc


CourtCode = Annotated[str, BeforeValidator(_court_code), Field(pattern=COURT_CODE_PATTERN, examples=["吉7101"])]
"""A court code (法院代字, SPC provisions on case numbers, 2015): 最高法, or a province abbreviation alone (high court),
with two digits (intermediate court) or with four (basic court). Every field and setting that takes a court code."""


def storable_text(text: str) -> str | None:
    """What keeps a text out of the database, or None: PostgreSQL refuses NUL characters, UTF-8 lone surrogates."""
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text (a lone surrogate was sent)"
    return None


def _refuse_unstorable(value: Any) -> Any:
    if isinstance(value, str):
        if (fault := storable_text(value)) is not None:
            raise ValueError(fault)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable(key)
            _refuse_unstorable(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_unstorable(item)
    return value


def _only_strict_inputs(annotation: Any) -> bool:
    """Whether a field takes nothing but request-body models (one, a list or tuple of them, or None): such a field's
    text is checked by its own models, field by field."""
    if isinstance(annotation, type):
        return annotation is type(None) or issubclass(annotation, StrictInput)
    origin = get_origin(annotation)
    if origin in (list, tuple, Union, UnionType):
        return all(arg is Ellipsis or _only_strict_inputs(arg) for arg in get_args(annotation))
    return False


class StrictInput(BaseModel):
    """Request bodies: unknown fields are refused, strings trimmed, text the database cannot store refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # Fields whose values are request-body models themselves. Their text is checked once, by the models, with
    # the exact field in the error; walking it here too made a body's check quadratic in its nesting (a bank's
    # answer of a hundred lines was walked three times over).
    _checked_by_their_models: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._checked_by_their_models = frozenset(
            name for name, field in cls.model_fields.items() if _only_strict_inputs(field.annotation)
        )

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name in cls._checked_by_their_models:
            return value
        return _refuse_unstorable(value)


def check_organisation_code(value: str) -> str:
    """A unified social credit code, normalised (a legacy checksum is accepted, as everywhere)."""
    try:
        return check_credit_code(value).code
    except InvalidIdentifier as exc:
        raise identifier_error(exc) from exc


class PartyIn(StrictInput):
    """A person or a company with its identifier."""

    kind: Literal["person", "company"]
    name: Text = Field(min_length=1, max_length=100)
    id_number: Code = Field(description="Resident ID number of a person, credit code of a company.")
    phone: Code | None = Field(default=None, pattern=PHONE_PATTERN)
    address: Text | None = Field(default=None, max_length=200)

    @field_validator("id_number")
    @classmethod
    def _identifier(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("kind") == "company":
            return check_organisation_code(value)
        try:
            return validate_resident_id(value)
        except InvalidIdentifier as exc:
            raise identifier_error(exc) from exc
