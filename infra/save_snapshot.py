"""A save's snapshot in the statement that saves its events (infra.recorder for the
commands, infra.tracked_recorder for the consumers): a data-modifying WITH before the call
of the insert function, so the snapshot is stored in the events' transaction or not at all,
in the same round trip and commit."""

from __future__ import annotations

from psycopg.sql import SQL, Composed, Identifier


def snapshot_insert(schema: str, table: str, slot: SQL | None = None, first: int = 1) -> Composed:
    """The insert of one snapshot into `table`, its four values at `slot` (psycopg's `%s`)
    or at the numbered parameters from `first`; one stored already is kept."""
    slots = [slot or SQL(f"${n}") for n in range(first, first + 4)]
    return SQL(
        "INSERT INTO {0}.{1} (originator_id, originator_version, topic, state)"
        " VALUES ({2}) ON CONFLICT DO NOTHING"
    ).format(Identifier(schema), Identifier(table), SQL(", ").join(slots))


def snapshot_first(schema: str, table: str, *, first: int) -> Composed:
    """What goes before a save's statement to insert its snapshot in the same statement (a
    data-modifying WITH), from the numbered parameter `first` on."""
    return SQL("WITH snapshot AS ({0}) ").format(snapshot_insert(schema, table, first=first))
