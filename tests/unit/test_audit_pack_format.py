"""The audit pack's event lines and chain proof (infra/audit/pack_format.py), without a database:
a stored state comes back byte for byte, and the proof is the chain of infra.audit.links."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest

from infra.audit.links import GENESIS, link_hash
from infra.audit.pack_format import (
    EVENTS,
    PackFormatError,
    chain_proof,
    event_line,
    events_jsonl,
    read_events,
)
from infra.audit.pack_verify import check_chain
from infra.audit.stored import StoredRow

AGGREGATE = uuid4()


def row(version: int, state: bytes, chain_hash: bytes | None = None) -> StoredRow:
    return StoredRow(AGGREGATE, version, 10 + version, "domain.events:Thing", state, chain_hash)


@pytest.mark.parametrize(
    ("state", "as_json"),
    [
        (b'{"a":1,"b":"\xc3\xa9"}', True),  # compact UTF-8 JSON, as the store writes it
        (b'{"a": 1}', False),  # JSON, but not the bytes compact JSON gives back
        (b"\x00\xffnot json", False),
        (b'{"x":1e5}', False),  # 1e5 would come back as 100000.0
    ],
)
def test_a_stored_state_comes_back_byte_for_byte(state: bytes, *, as_json: bool) -> None:
    line = event_line(row(1, state, b"\x01" * 32), "2026-01-02T00:00:00+00:00")

    assert ("state" in line) is as_json
    assert ("state_base64" in line) is not as_json
    [back] = read_events(events_jsonl([line]))
    assert back == row(1, state, b"\x01" * 32)


def test_a_line_that_is_not_an_event_is_named() -> None:
    data = events_jsonl([event_line(row(1, b"{}"), None)]) + b'{"version": 2}\n'

    with pytest.raises(PackFormatError, match=f"{EVENTS} line 2 is not a stored event"):
        read_events(data)


def test_the_proof_is_the_chain_from_genesis_and_its_head_the_last_link() -> None:
    rows = [row(1, b"{}"), row(2, b'{"n":2}')]
    first = link_hash(GENESIS, AGGREGATE, 1, 11, "domain.events:Thing", b"{}")
    second = link_hash(first, AGGREGATE, 2, 12, "domain.events:Thing", b'{"n":2}')

    proof = chain_proof(AGGREGATE, rows)

    assert [link["hash"] for link in proof["links"]] == [first.hex(), second.hex()]
    assert proof["links"][1]["previous"] == first.hex()
    assert proof["head"] == {"version": 2, "hash": second.hex()}
    assert check_chain(rows, json.loads(json.dumps(proof))) == []


def test_a_stored_chain_hash_that_differs_from_the_recomputed_link_is_named() -> None:
    rows = [row(1, b"{}", chain_hash=b"\x02" * 32)]

    [problem] = check_chain(rows, chain_proof(AGGREGATE, rows))

    assert problem == (
        "event version 1 (notification 11): recomputed link differs from the chain_hash"
        " the database stored"
    )
