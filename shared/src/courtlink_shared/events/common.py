"""Value objects that several events carry."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from courtlink_shared.identifiers.money import Money


class Value(BaseModel):
    """Base of value objects inside events: immutable, unknown fields ignored (additive evolution)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Organisation(Value):
    """A bank, agency or company, by its unified social credit code (or a court by its code)."""

    name: str
    code: str


class Party(Value):
    """A party to a dispute: a person (resident ID number) or a company (credit code)."""

    kind: Literal["person", "company"]
    name: str
    id_number: str = Field(description="Resident ID number of a person, credit code of a company.")
    phone: str | None = None
    address: str | None = None


class Claim(Value):
    """What the claimant asks for; total is the sum of the parts."""

    principal: Money
    interest: Money
    penalty: Money
    fees: Money
    total: Money


class EvidenceRef(Value):
    """A piece of evidence held by the bank, identified by its hash."""

    name: str
    sha256: str
    size: int


class Instalment(Value):
    """One repayment of a plan."""

    due_date: date
    amount: Money


class Actor(Value):
    """Who did something: the token's subject, organisation and the role they acted in."""

    subject: str
    organisation: str
    role: str
