"""`lease audit export` and `lease audit verify-pack`: the demo contract's pack from a real
event store checks out, and each way of tampering with it is detected and named."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

import pytest

from api.documents import Lessor
from domain.application import ContractsApplication
from domain.catalogue import lookup
from infra.audit.pack_export import PackSources, build_pack, contract_numbers
from infra.audit.pack_format import CHAIN, EVENTS, MANIFEST, read_events, sha256_hex
from infra.audit.pack_verify import read_pack, verify_pack
from infra.bootstrap import build_projection_group, close_projection_group, ensure_demo_contract
from projections.registry import postgres_view
from projections.views.invoices import SPEC as INVOICES
from tests.conftest import fresh_schema
from tests.integration.test_cli import DEMO_NUMBER, cli_env, lease

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from infra.settings import PostgresInfo
    from projections.views.invoices import PostgresInvoicesView

pytestmark = pytest.mark.integration

LESSOR = Lessor("Lessor NV", "Rue de la Loi 1, 1000 Brussels", "BE0123456789", "BE00 0000")


@pytest.fixture(scope="module")
def pack(pg_info: PostgresInfo) -> Iterator[dict[str, bytes]]:
    """The demo contract's pack, exported once from an event store of the module's own."""
    with fresh_schema(pg_info) as schema:
        env = pg_info.eventsourcing_env(schema=schema, pool_size=2)
        contracts = ContractsApplication(env=env)
        group = build_projection_group(contracts, env, ["invoices"])
        invoices = cast("PostgresInvoicesView", postgres_view(INVOICES, env, create=False))
        try:
            ensure_demo_contract(contracts)
            group.catch_up()
            assert contract_numbers(contracts) == [DEMO_NUMBER]
            sources = PackSources(contracts, invoices, LESSOR)
            yield build_pack(sources, DEMO_NUMBER, datetime(2026, 1, 2, tzinfo=UTC))
        finally:
            invoices.datastore.close()
            close_projection_group(group)
            contracts.close()


def lines(files: dict[str, bytes]) -> list[bytes]:
    return files[EVENTS].splitlines(keepends=True)


def with_events(files: dict[str, bytes], events: list[bytes]) -> dict[str, bytes]:
    return {**files, EVENTS: b"".join(events)}


def edit_state(files: dict[str, bytes]) -> dict[str, bytes]:
    """Change the third event's recorded actor (its state), nothing else."""
    events = lines(files)
    line = json.loads(events[2])
    line["state"]["actor"] = "someone-else"
    events[2] = json.dumps(line, ensure_ascii=False).encode() + b"\n"
    return with_events(files, events)


def delete_line(files: dict[str, bytes]) -> dict[str, bytes]:
    events = lines(files)
    del events[3]
    return with_events(files, events)


def swap_lines(files: dict[str, bytes]) -> dict[str, bytes]:
    events = lines(files)
    events[3], events[4] = events[4], events[3]
    return with_events(files, events)


def edit_pdf(files: dict[str, bytes]) -> dict[str, bytes]:
    [name, *_] = sorted(n for n in files if n.startswith("documents/"))
    return {**files, name: files[name].replace(b"%PDF", b"%PDX", 1)}


def edit_pdf_and_manifest(files: dict[str, bytes]) -> dict[str, bytes]:
    """A PDF changed and the manifest rewritten to match: the chain still holds, but the
    manifest's own sha256 (printed by the export) no longer does."""
    changed = edit_pdf(files)
    listed = json.loads(changed[MANIFEST])
    listed["files"] = {n: sha256_hex(changed[n]) for n in listed["files"]}
    return {**changed, MANIFEST: json.dumps(listed).encode()}


class TestThePack:
    def test_holds_every_event_its_documents_rules_chain_readme_and_manifest(
        self, pack: dict[str, bytes]
    ) -> None:
        rows = read_events(pack[EVENTS])
        assert [r.version for r in rows] == list(range(1, len(rows) + 1))
        manifest = json.loads(pack[MANIFEST])
        assert manifest["contract_number"] == DEMO_NUMBER
        assert manifest["events"] == len(rows)
        assert set(manifest["files"]) == set(pack) - {MANIFEST}
        documents = [n for n in pack if n.startswith("documents/")]
        assert documents
        assert all(pack[n].startswith(b"%PDF") for n in documents)
        explained = {n.removeprefix("explanations/") for n in pack if n.startswith("explanations/")}
        numbers = {n.removeprefix("documents/").removesuffix(".pdf") for n in documents}
        assert explained == {f"{n}.{ext}" for n in numbers for ext in ("json", "txt")}
        for number in numbers:  # every line explained from its recorded working
            explanation = json.loads(pack[f"explanations/{number}.json"])
            assert explanation["document"]["number"] == number
            lines = explanation["lines"]
            assert lines
            assert all(line["working_recorded"] for line in lines)
            assert all(line["result"] == line["amount"] for line in lines)
            assert all(line["events"][0]["version"] >= 1 for line in lines)
            assert lines[0]["rule_id"] in pack[f"explanations/{number}.txt"].decode()
        rules = json.loads(pack["rules.json"])
        assert rules[0] == {
            "rule_id": rules[0]["rule_id"],
            "title": lookup(rules[0]["rule_id"]).title,
            "article": lookup(rules[0]["rule_id"]).article,
            "family": lookup(rules[0]["rule_id"]).family.name,
        }
        assert "L-01" in {r["rule_id"] for r in rules}  # cited by ContractConcluded
        chain = json.loads(pack[CHAIN])
        assert chain["head"] == {"version": len(rows), "hash": chain["links"][-1]["hash"]}
        stored = [r.chain_hash.hex() if r.chain_hash else None for r in rows]
        assert stored == [link["hash"] for link in chain["links"]]  # PostgreSQL's own hashes
        assert DEMO_NUMBER in pack["README.md"].decode()

    def test_checks_out(self, pack: dict[str, bytes]) -> None:
        assert verify_pack(pack) == []

    @pytest.mark.parametrize(
        ("tamper", "first_problem"),
        [
            (edit_state, f"{EVENTS} has changed"),
            (delete_line, f"{EVENTS} has changed"),
            (swap_lines, f"{EVENTS} has changed"),
            (edit_pdf, "documents/"),
        ],
    )
    def test_tampering_is_named_by_the_manifest(
        self,
        pack: dict[str, bytes],
        tamper: Callable[[dict[str, bytes]], dict[str, bytes]],
        first_problem: str,
    ) -> None:
        assert verify_pack(tamper(pack))[0].startswith(first_problem)

    @pytest.mark.parametrize(
        ("tamper", "named"),
        [
            (edit_state, "event version 3 (notification 3): recomputed link differs"),
            (delete_line, f"{EVENTS} line 4: version 5, expected 4"),
            (swap_lines, f"{EVENTS} line 4: version 5, expected 4"),
        ],
    )
    def test_tampered_events_break_the_chain_at_the_event_they_touch(
        self,
        pack: dict[str, bytes],
        tamper: Callable[[dict[str, bytes]], dict[str, bytes]],
        named: str,
    ) -> None:
        problems = verify_pack(tamper(pack))
        assert any(p.startswith(named) for p in problems), problems

    def test_a_manifest_rewritten_to_match_changes_the_manifest_hash(
        self, pack: dict[str, bytes]
    ) -> None:
        tampered = edit_pdf_and_manifest(pack)

        assert verify_pack(tampered) == []
        assert sha256_hex(tampered[MANIFEST]) != sha256_hex(pack[MANIFEST])


@pytest.fixture
def demo_store(fresh_database: PostgresInfo) -> PostgresInfo:
    """A database of the test's own with the demo contract and the invoices view built."""
    env = fresh_database.eventsourcing_env(pool_size=2)
    contracts = ContractsApplication(env=env)
    group = build_projection_group(contracts, env, ["invoices"])
    try:
        ensure_demo_contract(contracts)
        group.catch_up()
    finally:
        close_projection_group(group)
        contracts.close()
    return fresh_database


class TestCommands:
    def test_export_then_verify_pack_and_a_changed_pdf_fails_it(
        self, tmp_path: Path, demo_store: PostgresInfo
    ) -> None:
        env = cli_env(LEASE_DATABASE_URL=demo_store.dsn)
        out = tmp_path / "packs"

        exported = lease("audit", "export", DEMO_NUMBER, "--out", str(out), cwd=tmp_path, env=env)
        assert exported.returncode == 0, exported.stderr
        folder = out / DEMO_NUMBER
        assert sha256_hex((folder / MANIFEST).read_bytes()) in exported.stdout
        checked = lease("audit", "verify-pack", str(folder), cwd=tmp_path, env=cli_env())
        assert checked.returncode == 0, checked.stderr

        [pdf, *_] = sorted((folder / "documents").iterdir())
        pdf.write_bytes(pdf.read_bytes() + b"\n")
        failed = lease("audit", "verify-pack", str(folder), cwd=tmp_path, env=cli_env())
        assert failed.returncode == 1
        assert failed.stderr.startswith(
            f"lease audit verify-pack: documents/{pdf.name} has changed"
        )

    def test_all_writes_one_zip_per_contract_which_checks_out(
        self, tmp_path: Path, demo_store: PostgresInfo
    ) -> None:
        env = cli_env(LEASE_DATABASE_URL=demo_store.dsn)

        exported = lease("audit", "export", "--all", "--zip", "--out", "z", cwd=tmp_path, env=env)
        assert exported.returncode == 0, exported.stderr

        zipped = tmp_path / "z" / f"{DEMO_NUMBER}.zip"
        assert verify_pack(read_pack(zipped)) == []
        again = lease("audit", "export", "--all", "--zip", "--out", "z", cwd=tmp_path, env=env)
        assert again.returncode == 1
        assert "already exists" in again.stderr
