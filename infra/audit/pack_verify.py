"""`lease audit verify-pack`: check an audit pack with nothing but its files (no database).

In order: the manifest (every file listed, present, with its sha256; no file unlisted),
the events (one aggregate, versions 1..n in order without gaps), every link of the chain
recomputed with `infra.audit.links.link_hash` against chain.json and against the hash the
database stored (`chain_hash`, when the pack has it), and the head. Every problem found is
reported, the first one first.
"""

from __future__ import annotations

import json
import zipfile
from typing import TYPE_CHECKING, Any

from infra.audit.pack_format import (
    CHAIN,
    EVENTS,
    FORMAT,
    MANIFEST,
    PackFormatError,
    links,
    read_events,
    sha256_hex,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from infra.audit.stored import StoredRow


def read_pack(path: Path) -> dict[str, bytes]:
    """The pack's files by relative name (POSIX), from its folder or its zip file."""
    if path.is_file():
        with zipfile.ZipFile(path) as archive:
            return {
                info.filename: archive.read(info)
                for info in archive.infolist()
                if not info.is_dir()
            }
    if not path.is_dir():
        msg = f"no pack at {path}"
        raise FileNotFoundError(msg)
    return {
        file.relative_to(path).as_posix(): file.read_bytes()
        for file in sorted(path.rglob("*"))
        if file.is_file()
    }


def verify_pack(files: Mapping[str, bytes]) -> list[str]:
    """Every problem found in the pack, the first one first (empty: the pack checks out)."""
    problems = check_manifest(files)
    try:
        rows = read_events(files.get(EVENTS, b""))
        proof = json.loads(files[CHAIN]) if CHAIN in files else None
    except (PackFormatError, ValueError) as err:
        return [*problems, str(err)]
    problems += check_versions(rows)
    if proof is None:
        return [*problems, f"{CHAIN} is missing"]
    return problems + check_chain(rows, proof)


def check_manifest(files: Mapping[str, bytes]) -> list[str]:
    if MANIFEST not in files:
        return [f"{MANIFEST} is missing"]
    try:
        listed: dict[str, str] = json.loads(files[MANIFEST])["files"]
        if json.loads(files[MANIFEST]).get("format") != FORMAT:
            return [f"{MANIFEST} is not a {FORMAT} manifest"]
    except (ValueError, KeyError, TypeError):
        return [f"{MANIFEST} is not a manifest"]
    problems = []
    for name, digest in listed.items():
        if name not in files:
            problems.append(f"{name} is listed in {MANIFEST} but missing")
        elif sha256_hex(files[name]) != digest:
            problems.append(f"{name} has changed: its sha256 is not the one in {MANIFEST}")
    problems += [
        f"{name} is not listed in {MANIFEST}"
        for name in sorted(files)
        if name != MANIFEST and name not in listed
    ]
    return problems


def check_versions(rows: Sequence[StoredRow]) -> list[str]:
    """One aggregate, its versions 1..n in line order (a gap, a swap or a repeat is named)."""
    if not rows:
        return [f"{EVENTS} holds no event"]
    problems = []
    first = rows[0].originator_id
    for line, row in enumerate(rows, start=1):
        if row.originator_id != first:
            problems.append(f"{EVENTS} line {line}: event of another aggregate {row.originator_id}")
        if row.version != line:
            problems.append(f"{EVENTS} line {line}: version {row.version}, expected {line}")
            break
    return problems


def check_chain(rows: Sequence[StoredRow], proof: Mapping[str, Any]) -> list[str]:
    """Each recomputed link against chain.json and the stored hash, then the head."""
    proved = proof.get("links", [])
    recomputed = links(rows)
    for row, link, given in zip(rows, recomputed, proved, strict=False):
        where = f"event version {row.version} (notification {row.notification_id})"
        if row.chain_hash is not None and row.chain_hash != link.hash:
            return [f"{where}: recomputed link differs from the chain_hash the database stored"]
        if given.get("hash") != link.hash.hex() or given.get("version") != row.version:
            return [f"{where}: recomputed link differs from {CHAIN}"]
    if len(proved) != len(recomputed):
        return [f"{CHAIN} has {len(proved)} links, {EVENTS} {len(recomputed)} events"]
    head = proof.get("head", {})
    last = recomputed[-1] if recomputed else None
    if last is None or head.get("hash") != last.hash.hex() or head.get("version") != last.version:
        return [f"{CHAIN}: the head is not the last event's link"]
    return []
