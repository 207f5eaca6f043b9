"""Published chain heads and `lease audit verify`: a database rewritten together with its
chain is found against the heads on the broker; the command names what is broken."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import pytest

from domain.application import ContractsApplication
from infra.audit.chain import LINK_FUNCTION
from infra.audit.checkpoints import Checkpointer, read_checkpoints, verify_against_checkpoints
from tests.integration.test_audit_chain import TABLE, conclude, sql, verify
from tests.integration.test_cli import cli_env, lease

if TYPE_CHECKING:
    from pathlib import Path

    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration

RECHAIN = (
    "DO $$ DECLARE r record; previous bytea := decode(repeat('00', 32), 'hex'); BEGIN "
    "FOR r IN SELECT * FROM {table} WHERE originator_id = '{oid}' "
    "ORDER BY originator_version LOOP "
    "previous := {link}(previous, r.originator_id, r.originator_version, "
    "r.notification_id, r.topic, r.state); "
    "UPDATE {table} SET chain_hash = previous WHERE originator_id = r.originator_id "
    "AND originator_version = r.originator_version; END LOOP; END $$"
)
"""An attacker's recomputation of one aggregate's chain after changing its events."""


def test_a_rewritten_chain_is_found_against_the_published_heads(
    app: ContractsApplication, bootstrap_servers: str
) -> None:
    topic = f"test.audit-checkpoints.{secrets.token_hex(4)}"
    checkpointer = Checkpointer([app], bootstrap_servers, topic, 60.0)
    try:
        oid = conclude(app, "LC-2024-000201")
        other = conclude(app, "LC-2024-000202")
        assert checkpointer.publish() == 2
        assert checkpointer.publish() == 0  # nothing advanced: nothing published
        conclude(app, "LC-2024-000203")
        assert checkpointer.publish() == 1  # only the aggregate whose chain advanced
    finally:
        checkpointer.close()
    parts = read_checkpoints(bootstrap_servers, topic)
    assert [len(p.heads) for p in parts] == [2, 1]
    assert verify_against_checkpoints(app, bootstrap_servers, topic) == []

    sql(
        app,
        f"UPDATE {TABLE} SET topic = topic || 'x' WHERE originator_version = 3 "
        f"AND originator_id IN ('{oid}', '{other}')",
    )
    for aggregate in (oid, other):
        sql(app, RECHAIN.format(table=TABLE, oid=aggregate, link=LINK_FUNCTION))

    assert verify(app).intact  # the chain alone holds again
    broken = verify_against_checkpoints(app, bootstrap_servers, topic)
    assert sorted((b.originator_id, b.version) for b in broken) == sorted([(oid, 5), (other, 5)])
    assert all("chain rewritten" in b.problem for b in broken)


def test_lease_audit_verify_names_the_contract_and_fails(
    fresh_database: PostgresInfo, tmp_path: Path
) -> None:
    app = ContractsApplication(env=fresh_database.eventsourcing_env())
    try:
        conclude(app, "LC-2024-000301")
        conclude(app, "LC-2024-000302")
        env = cli_env(LEASE_DATABASE_URL=fresh_database.dsn)

        intact = lease("audit", "verify", "--all", cwd=tmp_path, env=env)
        assert intact.returncode == 0, intact.stderr
        assert "Chain intact: 10 events checked." in intact.stdout

        sql(app, f"DELETE FROM {TABLE} WHERE originator_version = 2")
        one = lease("audit", "verify", "LC-2024-000302", cwd=tmp_path, env=env)
        every = lease("audit", "verify", "--all", cwd=tmp_path, env=env)
    finally:
        app.close()
    assert one.returncode == 1
    assert "contract LC-2024-000302, version 3" in one.stdout
    assert "event missing: version 2 expected, found 3" in one.stdout
    assert "contract LC-2024-000301" not in one.stdout
    assert every.returncode == 1
    assert "contract LC-2024-000301, version 3" in every.stdout
    assert "2 broken link(s) in 8 events checked" in every.stderr


def test_lease_audit_verify_against_checkpoints_finds_a_rewritten_chain(
    fresh_database: PostgresInfo, bootstrap_servers: str, tmp_path: Path
) -> None:
    topic = f"test.audit-checkpoints.{secrets.token_hex(4)}"
    app = ContractsApplication(env=fresh_database.eventsourcing_env())
    try:
        oid = conclude(app, "LC-2024-000401")
        checkpointer = Checkpointer([app], bootstrap_servers, topic, 60.0)
        try:
            checkpointer.publish()
        finally:
            checkpointer.close()
        sql(app, f"UPDATE {TABLE} SET topic = topic || 'x' WHERE originator_version = 2")
        sql(app, RECHAIN.format(table=TABLE, oid=oid, link=LINK_FUNCTION))
    finally:
        app.close()
    env = cli_env(
        LEASE_DATABASE_URL=fresh_database.dsn,
        LEASE_KAFKA_BOOTSTRAP_SERVERS=bootstrap_servers,
        LEASE_AUDIT_CHECKPOINTS_TOPIC=topic,
    )

    alone = lease("audit", "verify", "--all", cwd=tmp_path, env=env)
    against = lease("audit", "verify", "--all", "--against-checkpoints", cwd=tmp_path, env=env)

    assert alone.returncode == 0, alone.stderr  # the chain alone holds again
    assert against.returncode == 1
    assert "version 5" in against.stdout
    assert "chain rewritten" in against.stdout
