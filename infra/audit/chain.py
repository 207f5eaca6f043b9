"""The hash chain in PostgreSQL: the `chain_hash` column of an events table, the trigger
that fills it in the inserting transaction, and the migration of tables stored before it.

PostgreSQL computes the same bytes as `infra.audit.links.link_hash`:

    sha256(previous || uuid_send(id) || int8send(version) || int8send(notification_id)
           || int4send(octet_length(topic in UTF-8)) || topic in UTF-8 || state)

`previous` is the `chain_hash` of the same aggregate's previous version, 32 zero bytes for
version 1. An event of version > 1 whose previous version is missing, or has no hash, is
refused (the insert fails) rather than chained from the start again. A `BEFORE INSERT`
trigger covers every way events are inserted (the one-trip function of the commands, the
library's own insert of the consumers' tracked saves): the insert path has no Python of
its own, and `notification_id` (a bigserial default) is assigned before the trigger runs.
The commands' one-event insert (infra.recorder) computes the same hash in its INSERT
statement, which is cheaper than a trigger call; the trigger fires for rows that come
without a hash (`WHEN (NEW.chain_hash IS NULL)`).

Tables stored before the chain get the column, and their rows without a hash are chained in
(aggregate, version) order when a recorder creates its tables (under its creation lock, in
the creating transaction); a partial index of the rows without a hash keeps that check
cheap once they are done.
"""

from __future__ import annotations

from psycopg.sql import SQL, Composed, Identifier, Literal

LINK_FUNCTION = "lease_chain_link"
"""The SQL function computing one link (the same bytes as `link_hash`)."""
CHAIN_COLUMN = "chain_hash"


def trigger_name(table: str) -> str:
    """The name of an events table's chain trigger (and of its trigger function)."""
    return f"lease_chain_{table}"[:63]


def chain_statements(schema: str, table: str) -> list[Composed]:
    """What gives an events table its chain: column, link function, trigger, migration."""
    names: dict[str, Identifier] = {
        "schema": Identifier(schema),
        "table": Identifier(table),
        "link": Identifier(LINK_FUNCTION),
        "trigger": Identifier(trigger_name(table)),
        "unchained": Identifier(f"{table}_unchained_idx"[:63]),
    }
    # Table DDL only where it is missing: ALTER TABLE, CREATE TRIGGER and CREATE INDEX lock
    # the table even with IF NOT EXISTS, and every worker (re)start runs these statements;
    # a DDL lock queued behind a reader's long transaction would stall every insert.
    column = SQL(
        "DO $BODY$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "
        "{qualified}::regclass AND attname = 'chain_hash' AND NOT attisdropped) THEN "
        "ALTER TABLE {schema}.{table} ADD COLUMN chain_hash bytea; END IF; END $BODY$"
    )
    link = SQL(
        "CREATE OR REPLACE FUNCTION {schema}.{link}("
        "link_previous bytea, link_id uuid, link_version bigint, link_position bigint, "
        "link_topic text, link_state bytea) "
        "RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $BODY$ "
        "SELECT sha256(link_previous || uuid_send(link_id) || int8send(link_version)"
        " || int8send(link_position) || int4send(octet_length(convert_to(link_topic, 'UTF8')))"
        " || convert_to(link_topic, 'UTF8') || link_state) $BODY$"
    )
    function = SQL(
        "CREATE OR REPLACE FUNCTION {schema}.{trigger}() RETURNS trigger "
        "LANGUAGE plpgsql AS $BODY$ DECLARE previous bytea; BEGIN "
        "IF NEW.originator_version = 1 THEN previous := decode(repeat('00', 32), 'hex'); "
        "ELSE "
        "SELECT t.chain_hash INTO previous FROM {schema}.{table} t "
        "WHERE t.originator_id = NEW.originator_id "
        "AND t.originator_version = NEW.originator_version - 1; "
        "IF previous IS NULL THEN RAISE EXCEPTION "
        "'hash chain: version % of % has no chained previous version', "
        "NEW.originator_version, NEW.originator_id; END IF; "
        "END IF; "
        "NEW.chain_hash := {schema}.{link}(previous, NEW.originator_id, "
        "NEW.originator_version, NEW.notification_id, NEW.topic, NEW.state); "
        "RETURN NEW; END; $BODY$"
    )
    trigger = SQL(
        "DO $BODY$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = "
        "{qualified}::regclass AND tgname = {trigger_name}) THEN "
        "CREATE TRIGGER {trigger} BEFORE INSERT ON {schema}.{table} "
        "FOR EACH ROW WHEN (NEW.chain_hash IS NULL) EXECUTE FUNCTION {schema}.{trigger}(); "
        "END IF; END $BODY$"
    )
    unchained = SQL(
        "DO $BODY$ BEGIN IF to_regclass({qualified_index}) IS NULL THEN "
        "CREATE INDEX {unchained} ON {schema}.{table} "
        "(originator_id, originator_version) WHERE chain_hash IS NULL; END IF; END $BODY$"
    )
    backfill = SQL(
        "DO $BODY$ DECLARE r record; previous bytea; BEGIN "
        "FOR r IN SELECT originator_id, originator_version, notification_id, topic, state "
        "FROM {schema}.{table} WHERE chain_hash IS NULL "
        "ORDER BY originator_id, originator_version LOOP "
        "IF r.originator_version = 1 THEN previous := decode(repeat('00', 32), 'hex'); "
        "ELSE SELECT t.chain_hash INTO previous FROM {schema}.{table} t "
        "WHERE t.originator_id = r.originator_id "
        "AND t.originator_version = r.originator_version - 1; "
        "IF previous IS NULL THEN RAISE EXCEPTION "
        "'hash chain: version % of % has no chained previous version', "
        "r.originator_version, r.originator_id; END IF; END IF; "
        "UPDATE {schema}.{table} SET chain_hash = {schema}.{link}(previous, r.originator_id, "
        "r.originator_version, r.notification_id, r.topic, r.state) "
        "WHERE originator_id = r.originator_id AND originator_version = r.originator_version; "
        "END LOOP; END $BODY$"
    )
    literals = {
        "qualified": Literal(f'"{schema}"."{table}"'),
        "qualified_index": Literal(f'"{schema}"."{f"{table}_unchained_idx"[:63]}"'),
        "trigger_name": Literal(trigger_name(table)),
    }
    statements = (column, link, function, trigger, unchained, backfill)
    return [s.format(**names, **literals) for s in statements]


def chained_insert(schema: str, table: str) -> Composed:
    """The body of a plpgsql function inserting one event (parameters `id`, `version`,
    `topic`, `state`) with its chain hash computed in the function itself (the same bytes
    as the trigger's): the commands' one-event insert uses it, as a trigger call (or an
    INSERT ... SELECT, planned anew each call) cost each one-event transaction some 40 us
    (bench/audit_chain.py). A missing previous version leaves the hash NULL, and the
    trigger then refuses the event. Run after the table's EXCLUSIVE lock is taken."""
    sequence = Literal(f'"{schema}"."{table}_notification_id_seq"')
    return SQL(
        "IF version = 1 THEN previous := {genesis}::bytea; "
        "ELSE SELECT t.chain_hash INTO previous FROM {schema}.{table} t "
        "WHERE t.originator_id = id AND t.originator_version = version - 1; END IF; "
        "pos := nextval({sequence}::regclass); "
        "RETURN QUERY INSERT INTO {schema}.{table} "
        "(notification_id, originator_id, originator_version, topic, state, chain_hash) "
        "VALUES (pos, id, version, topic, state, sha256(previous || uuid_send(id) "
        "|| int8send(version) || int8send(pos) || int4send(octet_length(convert_to(topic, "
        "'UTF8'))) || convert_to(topic, 'UTF8') || state)) RETURNING notification_id; "
    ).format(
        schema=Identifier(schema),
        table=Identifier(table),
        sequence=sequence,
        genesis=Literal("\\x" + "00" * 32),
    )
