"""ContractsTranscoder writes the bytes the library's JSONTranscoder writes (issue 14)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)

from domain.codecs import domain_transcodings
from domain.contract.state import Receivable
from domain.money import Money
from domain.transcoder import ContractsTranscoder
from domain.values import Bucket, ContractStatus, ReceivableKind


def both() -> tuple[JSONTranscoder, ContractsTranscoder]:
    library, ours = JSONTranscoder(), ContractsTranscoder()
    for transcoder in (library, ours):
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), *domain_transcodings()):
            transcoder.register(transcoding)
    return library, ours


RECEIVABLE = Receivable(
    receivable_id="R0001",
    kind=ReceivableKind.INVOICE,
    category="INSTALMENT",
    bucket=Bucket.INSTALMENT,
    amount=Money.of("419.35"),
    open=Money.of("419.35"),
    issued_on=date(2024, 3, 12),
    due_on=date(2024, 3, 12),
    rule_ids=["M-03"],
)

DOCUMENTS: list[dict[str, Any]] = [
    {
        "timestamp": datetime(2026, 12, 2, 16, 1, 56, 663296, tzinfo=UTC),
        "amount": Money.of("650.00"),
    },
    {"text": 'é "quoted" \\ back\nline\ttab\x01\u2028 €', "rule_ids": ["M-09", "A-11"]},
    {"nested": [{"on": date(2024, 3, 12)}, ("a", 1, 2.5, None, True)], "big": 10**30},
    {"float": 1e16, "small": 1e-7, "neg": -0.0, "decimal": Decimal("1.10"), "id": UUID(int=7)},
    {"status": ContractStatus.ACTIVE, "receivable": RECEIVABLE, "empty": {}, "list": []},
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_bytes_are_the_library_s(document: dict[str, Any]) -> None:
    library, ours = both()
    assert ours.encode(document) == library.encode(document)
    assert ours.decode(ours.encode(document)) == library.decode(library.encode(document))


def test_an_unregistered_type_is_refused_as_the_library_refuses_it() -> None:
    _, ours = both()
    with pytest.raises(TranscodingNotRegisteredError, match="complex"):
        ours.encode({"value": complex(1, 2)})


STORED: list[bytes] = [
    b'{"_type_":"date_iso","_data_":"2024-03-12"}',
    b'{"at":{"_type_":"datetime_iso","_data_":"2026-12-02T16:01:56.663296+00:00"}}',
    b'{"m":{"_type_":"money","_data_":"1.10"},"n":{"_type_":"money","_data_":"-0.00"}}',
    b'{"s":{"_type_":"ContractStatus","_data_":"ACTIVE"},"d":{"_type_":"decimal_str","_data_":"1.10"}}',
    b'{"_type_":"date_iso","other":"2024-03-12"}',
    b'{"_data_":"x","other":1}',
    b'{"a":1,"b":2}',
    b'{"_type_":"date_iso","_data_":"2024-03-12","third":1}',
    (
        b'[{"_type_":"receivable_row","_data_":["R0001","INVOICE","INSTALMENT","INSTALMENT",'
        b'"2024-03-12","2024-03-12","419.35","0.00",["M-03"],null,null,null,null,null,false]}]'
    ),
]


@pytest.mark.parametrize("stored", STORED)
def test_reading_is_the_library_s(stored: bytes) -> None:
    """Each object read as the library reads it, to the digit (repr: 1.10 stays 1.10)."""
    library, ours = both()
    assert repr(ours.decode(stored)) == repr(library.decode(stored))


@pytest.mark.parametrize(
    "stored",
    [b'{"_type_":"unknown","_data_":1}', b'{"_type_":"money","_data_":"NaN"}'],
)
def test_a_tag_the_library_refuses_is_refused_alike(stored: bytes) -> None:
    library, ours = both()
    with pytest.raises(Exception) as theirs:
        library.decode(stored)
    with pytest.raises(type(theirs.value)):
        ours.decode(stored)
