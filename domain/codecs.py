"""Transcodings that let events and snapshots carry the domain's values (STYLE 1.2)."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Transcoding

from domain.contract.state import (
    Dissolution,
    FuelAccount,
    Ground,
    Guarantee,
    LessorNotice,
    Levy,
    Notice,
    Receivable,
    Theft,
)
from domain.money import Money
from domain.terms import ContractTerms
from domain.values import (
    Bucket,
    ContractStatus,
    EndKind,
    GroundStatus,
    NoticeKind,
    ReceivableKind,
)

if TYPE_CHECKING:
    from enum import Enum


class DateAsISO(Transcoding):
    """Business dates (Europe/Brussels calendar dates) as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class MoneyAsStr(Transcoding):
    """Money (always EUR) as its exact decimal string."""

    type = Money
    name = "money"

    def encode(self, obj: Money) -> str:
        return format(obj.amount, "f")

    def decode(self, data: str) -> Money:
        return Money(Decimal(data))


class TermsAsDict(Transcoding):
    """ContractTerms as their flat RULES 2.1 dict."""

    type = ContractTerms
    name = "contract_terms"

    def encode(self, obj: ContractTerms) -> dict[str, Any]:
        return obj.to_dict()

    def decode(self, data: dict[str, Any]) -> ContractTerms:
        return ContractTerms.from_flat(data)


class EnumAsValue(Transcoding):
    """A domain enum as its value (snapshots hold the status and end kind)."""

    def __init__(self, enum_type: type[Enum]) -> None:
        self.type = enum_type
        self.name = enum_type.__name__

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        member: Enum = self.type(data)
        return member


class DataclassAsDict(Transcoding):
    """A state dataclass (Receivable, Ground, ...) as a dict of its fields."""

    def __init__(self, cls: type[Any]) -> None:
        self.type = cls
        self.name = cls.__name__

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


def domain_transcodings() -> list[Transcoding]:
    """Every transcoding the contracts application registers."""
    return [
        DateAsISO(),
        MoneyAsStr(),
        TermsAsDict(),
        EnumAsValue(ContractStatus),
        EnumAsValue(EndKind),
        *(EnumAsValue(kind) for kind in (GroundStatus, NoticeKind, ReceivableKind, Bucket)),
        *(
            DataclassAsDict(cls)
            for cls in (
                Receivable,
                Ground,
                Notice,
                Theft,
                Dissolution,
                Guarantee,
                Levy,
                LessorNotice,
                FuelAccount,
            )
        ),
    ]
