"""ContractsTranscoder writes the bytes the library's JSONTranscoder writes (issue 14)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)
from hypothesis import given
from hypothesis import strategies as st

from domain.codecs import (
    ISO_DATES_KEPT,
    RECEIVABLE_ROW,
    IsoDates,
    domain_transcodings,
    money_text,
)
from domain.contract.state import Receivable
from domain.money import Money
from domain.transcoder import ContractsTranscoder
from domain.values import Bucket, ContractStatus, DomainEnum, FuelType, ReceivableKind
from tests.factories import ref_terms


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
    {"nested": [{"on": date(2024, 3, 12)}, ("a", 1, None, True)], "big": 10**30},
    {"decimal": Decimal("1.10"), "keys": {1: "an int key", None: "none"}, "max": 2**64 - 1},
    {"status": ContractStatus.ACTIVE, "receivable": RECEIVABLE, "empty": {}, "list": []},
    {"terms": ref_terms(), "bucket": Bucket.OTHER, "kinds": list(ReceivableKind)},
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_bytes_are_the_library_s(document: dict[str, Any]) -> None:
    library, ours = both()
    assert ours.encode(document) == library.encode(document)
    assert ours.decode(ours.encode(document)) == library.decode(library.encode(document))


@pytest.mark.parametrize("value", [complex(1, 2), FuelType.BEV, object()])
def test_an_unregistered_type_is_refused_as_the_library_refuses_it(value: object) -> None:
    library, ours = both()
    with pytest.raises(TranscodingNotRegisteredError) as theirs:
        library.encode({"value": value})
    with pytest.raises(TranscodingNotRegisteredError, match=str(theirs.value)):
        ours.encode({"value": value})


def test_a_text_utf8_cannot_hold_is_refused_alike() -> None:
    library, ours = both()
    with pytest.raises(UnicodeEncodeError):
        library.encode({"text": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        ours.encode({"text": "\ud800"})


@pytest.mark.parametrize("member", [m for e in DomainEnum.__subclasses__() for m in e])
def test_orjson_hands_each_domain_enum_to_the_transcoder(member: DomainEnum) -> None:
    """domain/values.py: orjson would write a plain enum's member as its bare value."""
    handed: list[object] = []

    def default(value: object) -> str:
        handed.append(value)
        return "tagged"

    assert orjson.dumps([member], default=default) == b'["tagged"]'
    assert handed == [member]


@pytest.mark.parametrize(
    "document", [{"float": 1e-5}, {"small": [1e-7]}, {"id": UUID(int=7)}], ids=repr
)
def test_floats_and_uuids_fail_the_cross_check(
    document: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """orjson writes them its own way (domain/transcoder.py): no contract holds them, and the
    suite's cross-check fails a test that writes one."""
    library, ours = both()
    assert ours.encode_as_json(document) == library.encode(document)
    monkeypatch.setattr(ContractsTranscoder, "cross_check", True)
    with pytest.raises(AssertionError, match="the library writes"):
        ours.encode(document)
    monkeypatch.setattr(ContractsTranscoder, "cross_check", False)
    assert ours.encode(document) != library.encode(document)


def test_the_suite_cross_checks_every_document() -> None:
    assert ContractsTranscoder.cross_check  # tests/conftest.py


KEYS = st.text(max_size=8)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.dates()
    | st.datetimes(timezones=st.just(UTC))
    | st.decimals(allow_nan=False, allow_infinity=False, places=2).map(Money)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.sampled_from([*ContractStatus, *Bucket, *ReceivableKind])
)
TREES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(KEYS, inner, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(KEYS, TREES, max_size=6))
def test_any_tree_of_a_contract_s_values_is_written_and_read_as_the_library_does(
    document: dict[str, Any],
) -> None:
    library, ours = both()
    try:
        expected = library.encode(document)
    except UnicodeEncodeError:  # a lone surrogate in a text: refused by both
        with pytest.raises(UnicodeEncodeError):
            ours.encode(document)
        return
    assert ours.encode(document) == expected
    assert repr(ours.decode(expected)) == repr(library.decode(expected))


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


@given(st.lists(st.dates(), max_size=50))
def test_dates_are_written_as_isoformat_writes_them_and_kept_within_the_bound(
    days: list[date],
) -> None:
    kept = IsoDates()
    for day in [*days, *days]:  # the second time from what is kept
        assert kept[day] == day.isoformat()
    assert kept[datetime(2025, 1, 2, 3, 4, tzinfo=UTC)] == "2025-01-02"  # as DateAsISO's C call
    assert len(kept) <= ISO_DATES_KEPT


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_an_amount_is_written_as_its_digits_without_an_exponent(amount: Decimal) -> None:
    assert money_text(Money(amount)) == format(amount, "f")
    assert money_text(Money(Decimal("1E+2"))) == "100"
    assert money_text(Money(Decimal("1E-7"))) == "0.0000001"


def test_the_dates_kept_are_dropped_at_the_bound_and_kept_anew() -> None:
    full = (date(1, 1, 1) + timedelta(days) for days in range(ISO_DATES_KEPT))
    kept = IsoDates(dict.fromkeys(full, ""))

    assert kept[date(2025, 3, 1)] == "2025-03-01"
    assert len(kept) == 1


def test_a_document_is_written_as_one_row_of_its_fields_in_order() -> None:
    full = replace(
        RECEIVABLE,
        period_start=date(2024, 3, 12),
        period_end=date(2024, 3, 31),
        period_days=31,
        relates_to="R0000",
        instalment=Money.of("650.00"),
        indemnity_charged=True,
    )
    bare = ["R0001", "INVOICE", "INSTALMENT", "INSTALMENT", "2024-03-12", "2024-03-12"]

    assert RECEIVABLE_ROW.encode(RECEIVABLE) == [
        *bare,
        "419.35",
        "419.35",
        ["M-03"],
        None,
        None,
        None,
        None,
        None,
        False,
    ]
    assert RECEIVABLE_ROW.encode(full) == [
        *bare,
        "419.35",
        "419.35",
        ["M-03"],
        "2024-03-12",
        "2024-03-31",
        31,
        "R0000",
        "650.00",
        True,
    ]
    assert RECEIVABLE_ROW.decode(RECEIVABLE_ROW.encode(full)) == full
