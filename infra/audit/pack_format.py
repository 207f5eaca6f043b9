"""The files of an audit pack that are about the chain, pure: the events as JSON Lines, the
chain proof and the manifest, written by the export and read back by `verify-pack`.

An event's line carries its stored state byte for byte: as a JSON value when writing that
value back compactly gives the stored bytes again (the event store's JSON), else as base64.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from infra.audit.links import GENESIS, link_hash
from infra.audit.stored import StoredRow

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

EVENTS = "events.jsonl"
CHAIN = "chain.json"
MANIFEST = "manifest.json"
FORMAT = "lease-audit-pack/1"


class PackFormatError(ValueError):
    """A file of the pack is not what the format says (a line that is not an event...)."""


def compact(value: Any) -> bytes:
    """A JSON value written as the event store writes a state (compact, UTF-8)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def event_line(row: StoredRow, recorded_at: str | None) -> dict[str, Any]:
    """One line of events.jsonl: the stored event's position, topic, time and state."""
    line: dict[str, Any] = {
        "originator_id": str(row.originator_id),
        "version": row.version,
        "notification_id": row.notification_id,
        "topic": row.topic,
        "recorded_at": recorded_at,
    }
    try:
        value = json.loads(row.state)
    except ValueError:  # UnicodeDecodeError is a ValueError too
        value = None
    else:
        if compact(value) == row.state:
            line["state"] = value
    if "state" not in line:
        line["state_base64"] = base64.b64encode(row.state).decode("ascii")
    if row.chain_hash is not None:
        line["chain_hash"] = row.chain_hash.hex()
    return line


def events_jsonl(lines: Sequence[Mapping[str, Any]]) -> bytes:
    return b"".join(json.dumps(line, ensure_ascii=False).encode() + b"\n" for line in lines)


def read_events(data: bytes) -> list[StoredRow]:
    """events.jsonl back to stored rows (PackFormatError naming the line if one is not)."""
    rows = []
    for number, text in enumerate(data.decode("utf-8").splitlines(), start=1):
        try:
            line = json.loads(text)
            state = (
                compact(line["state"])
                if "state" in line
                else base64.b64decode(line["state_base64"], validate=True)
            )
            stored = line.get("chain_hash")
            rows.append(
                StoredRow(
                    UUID(line["originator_id"]),
                    int(line["version"]),
                    int(line["notification_id"]),
                    str(line["topic"]),
                    state,
                    bytes.fromhex(stored) if stored is not None else None,
                )
            )
        except (ValueError, KeyError, TypeError) as err:
            msg = f"{EVENTS} line {number} is not a stored event ({err})"
            raise PackFormatError(msg) from err
    return rows


@dataclass(frozen=True)
class Link:
    """One link of the chain: what went into the hash, and the hash."""

    version: int
    notification_id: int
    topic: str
    previous: bytes
    state_sha256: str
    hash: bytes


def links(rows: Sequence[StoredRow]) -> list[Link]:
    """The chain recomputed over rows in the order given (infra.audit.links.link_hash)."""
    out = []
    previous = GENESIS
    for row in rows:
        digest = link_hash(
            previous, row.originator_id, row.version, row.notification_id, row.topic, row.state
        )
        out.append(
            Link(
                row.version,
                row.notification_id,
                row.topic,
                previous,
                hashlib.sha256(row.state).hexdigest(),
                digest,
            )
        )
        previous = digest
    return out


def chain_proof(originator_id: UUID, rows: Sequence[StoredRow]) -> dict[str, Any]:
    """chain.json: each event's link inputs and hash, and the contract's head (last hash).

    The state is an input by its sha256 here (the bytes are in events.jsonl).
    """
    chain = links(rows)
    return {
        "originator_id": str(originator_id),
        "genesis": GENESIS.hex(),
        "hash": "sha256(previous || originator_id (16 bytes) || version (int8)"
        " || notification_id (int8) || len(topic) (int4) || topic || state)",
        "links": [
            {
                "version": link.version,
                "notification_id": link.notification_id,
                "topic": link.topic,
                "previous": link.previous.hex(),
                "state_sha256": link.state_sha256,
                "hash": link.hash.hex(),
            }
            for link in chain
        ],
        "head": {
            "version": chain[-1].version if chain else 0,
            "hash": (chain[-1].hash if chain else GENESIS).hex(),
        },
    }


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(files: Mapping[str, bytes], about: Mapping[str, Any]) -> dict[str, Any]:
    """manifest.json: what the pack is about, and the sha256 of every other file."""
    return {
        "format": FORMAT,
        **about,
        "files": {name: sha256_hex(files[name]) for name in sorted(files)},
    }
