"""Transcodings that let events and snapshots carry the domain's values (STYLE 1.2)."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

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
from domain.money import Money, parsed
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
    from collections.abc import Callable
    from enum import Enum


class DateAsISO(Transcoding):
    """Business dates (Europe/Brussels calendar dates) as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def money_text(money: Money) -> str:
    """An amount's digits without an exponent, as `format(money.amount, "f")` writes them.
    `str` writes the same text unless it writes an exponent ("1E+2", "1E-7"), and costs a
    third as much (45 ns against 120 here); an event writes two or three amounts, a
    snapshot's documents two each."""
    text = str(money.amount)
    return text if "E" not in text else format(money.amount, "f")


class MoneyAsStr(Transcoding):
    """Money (always EUR) as its exact decimal string."""

    type = Money
    name = "money"

    def encode(self, obj: Money) -> str:
        return money_text(obj)

    def decode(self, data: str) -> Money:
        return parsed(data)


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
        self.names = [f.name for f in fields(cls)]

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self.names}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


class Convert(NamedTuple):
    """How one field of a row goes to a JSON value and back (None stays None)."""

    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


ENUM_VALUE: Callable[[Enum], Any] = attrgetter("_value_")
"""An enum member's value read in C: `.value` is a Python property, a call per read."""
ISO_DATES_KEPT = 20_000
"""Dates whose ISO string `ISO_DATE` keeps (some fifty years of days; a few MiB at most)."""


class IsoDates(dict[date, str]):
    """The ISO strings of the dates written so far, each made once by `date.isoformat`.

    A contract's documents and events write the same few hundred dates over and over, and
    `date.isoformat` costs some four times a dict lookup (150 ns against 35 on this machine,
    a tenth of a snapshot's documents). A date not kept yet is written and kept; past
    `ISO_DATES_KEPT` the dates kept are dropped and kept anew."""

    def __missing__(self, day: date) -> str:
        if len(self) >= ISO_DATES_KEPT:
            self.clear()
        text = self[day] = date.isoformat(day)
        return text


ISO_DATE: Callable[[date], str] = IsoDates().__getitem__
"""What DateAsISO writes, for a date kept already in one lookup in C (no Python call)."""
AS_DATE = Convert(ISO_DATE, date.fromisoformat)
"""What DateAsISO writes and reads: no Python call per date field written again (a
snapshot's documents hold four each)."""
AS_MONEY = Convert(money_text, parsed)
"""What MoneyAsStr writes and reads; read by `parsed`, checked as `Money(...)` checks."""


def as_enum(enum_type: type[Enum]) -> Convert:
    """An enum by its value (read back by a dict lookup, quicker than calling the enum)."""
    return Convert(ENUM_VALUE, {m.value: m for m in enum_type}.__getitem__)


def row_writer(cls: type[Any], converts: dict[str, Convert]) -> Callable[[Any], list[Any]]:
    """A function that writes `cls`'s fields as one list in declaration order, those in
    `converts` converted (None stays None). It is made once from the fields, as `dataclasses`
    makes `__init__`, so a row costs one Python call and no loop (half the time of one)."""
    namespace: dict[str, Any] = {}
    items = []
    for index, f in enumerate(fields(cls)):
        if f.name in converts:
            namespace[f"convert_{index}"] = converts[f.name].encode
            items.append(f"None if (v := obj.{f.name}) is None else convert_{index}(v)")
        else:
            items.append(f"obj.{f.name}")
    source = f"def write(obj):\n    return [{', '.join(items)}]\n"
    exec(source, namespace)  # noqa: S102 - made of the dataclass's own field names
    write: Callable[[Any], list[Any]] = namespace["write"]
    return write


class DataclassAsRow(Transcoding):
    """A state dataclass as one JSON array of its fields in declaration order, dates, money
    and enums as plain strings: a snapshot holds dozens of documents, and one array per
    document is several times smaller and quicker to read than a dict of tagged values.

    `DataclassAsDict` stays registered under the class name, so snapshots written before
    still load; this one, registered after it, writes the new ones.
    """

    def __init__(self, cls: type[Any], name: str, converts: dict[str, Convert]) -> None:
        self.type, self.name = cls, name
        names = [f.name for f in fields(cls)]
        self.write = row_writer(cls, converts)
        self.decoders = [(i, converts[n].decode) for i, n in enumerate(names) if n in converts]

    def encode(self, obj: Any) -> list[Any]:
        return self.write(obj)

    def decode(self, data: list[Any]) -> Any:
        for index, decode in self.decoders:  # the list is the decoder's own: filled in place
            value = data[index]
            if value is not None:
                data[index] = decode(value)
        return self.type(*data)


RECEIVABLE_ROW = DataclassAsRow(
    Receivable,
    "receivable_row",
    {
        "kind": as_enum(ReceivableKind),
        "bucket": as_enum(Bucket),
        **dict.fromkeys(("issued_on", "due_on", "period_start", "period_end"), AS_DATE),
        **dict.fromkeys(("amount", "open", "instalment"), AS_MONEY),
    },
)
"""The snapshots' documents (a five-year contract holds 60 or more)."""


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
        RECEIVABLE_ROW,  # after DataclassAsDict(Receivable): it writes, both read
    ]
