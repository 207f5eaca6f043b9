"""One link of the hash chain over a contract's stored events (issue 12), pure.

Each stored event's hash covers the previous event's hash (GENESIS for the first event of
an aggregate), its position (the aggregate's id, its version in the aggregate, and its
notification id in the whole log) and its content (topic and stored state, as stored):

    sha256(previous || id (16 bytes) || version (int8, big-endian)
           || notification_id (int8, big-endian) || len(topic) (int4, big-endian) || topic
           || state)

Changing, deleting, reordering or inserting an event breaks the link of the first event
it touches. PostgreSQL computes the same bytes when an event is inserted (infra.audit.chain),
and a pack is checked with this function on a machine without the database.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uuid import UUID

GENESIS = bytes(32)
"""The `previous` of an aggregate's first event."""


def link_hash(
    previous: bytes, originator_id: UUID, version: int, position: int, topic: str, state: bytes
) -> bytes:
    """The chain hash of one stored event (see the module's docstring)."""
    topic_bytes = topic.encode("utf-8")
    digest = hashlib.sha256(previous)
    digest.update(originator_id.bytes)
    digest.update(version.to_bytes(8, "big", signed=True))
    digest.update(position.to_bytes(8, "big", signed=True))
    digest.update(len(topic_bytes).to_bytes(4, "big", signed=True))
    digest.update(topic_bytes)
    digest.update(state)
    return digest.digest()
