"""`lease audit export` and `lease audit verify-pack`: a contract's audit pack, written from
the event store and the invoices view (infra/audit/pack_export.py), checked without them
(infra/audit/pack_verify.py)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from domain.errors import ContractNotFoundError
from infra.audit.pack_format import MANIFEST, sha256_hex
from infra.audit.pack_verify import read_pack, verify_pack
from infra.cli.app import (
    DataDir,
    Verbose,
    configure_logging,
    fail,
    load_settings,
    one_line,
    reach_external,
    startup_errors,
    stored_contracts,
)
from projections.registry import postgres_view
from projections.views.invoices import SPEC as INVOICES

if TYPE_CHECKING:
    from collections.abc import Iterator

    from infra.audit.pack_export import PackSources
    from infra.settings import Settings
    from projections.views.invoices import PostgresInvoicesView

audit_app = typer.Typer(
    name="audit",
    help="For auditors: the hash chain over the stored events, and a contract's audit pack.",
    no_args_is_help=True,
)


def audit_export_command(
    number: Annotated[
        str | None,
        typer.Argument(metavar="[NUMBER]", help="Contract number, e.g. C-2024-0001."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the pack(s) in.")] = Path(),
    as_zip: Annotated[bool, typer.Option("--zip", help="One zip file per contract.")] = False,
    all_contracts: Annotated[
        bool, typer.Option("--all", help="Export every contract, one pack each.")
    ] = False,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Write a contract's audit pack (events, documents, explanations, rules, chain proof,
    README, manifest) to OUT/NUMBER (or OUT/NUMBER.zip)."""
    from api.documents import RenderError  # the PDF renderer: loaded for an export only
    from infra.audit.pack_export import build_pack, contract_numbers, write_pack

    configure_logging(verbose=verbose)
    command = "audit export"
    if (number is None) != all_contracts:
        fail(command, "name a contract, or give --all (not both)", code=2)
    settings = load_settings(command, data_dir)
    reach_external(command, settings, broker=False)
    console = Console()
    try:
        with pack_sources(settings) as sources:
            numbers = [number] if number is not None else contract_numbers(sources.contracts)
            exported_at = datetime.now(UTC)
            with _progress(show=all_contracts) as progress:
                task = progress.add_task("exporting", total=len(numbers))
                for each in numbers:
                    files = build_pack(sources, each, exported_at)
                    path = write_pack(files, out / each, as_zip=as_zip)
                    progress.advance(task)
                    if not all_contracts:
                        console.print(
                            f"Wrote {path} ({len(files)} files); sha256 of {MANIFEST}:"
                            f" {sha256_hex(files[MANIFEST])}"
                        )
    except ContractNotFoundError:
        fail(command, f"contract {number} not found")
    except RenderError as err:
        fail(command, one_line(err))
    except startup_errors() as err:  # OSError covers a pack that already exists
        fail(command, one_line(err))
    if all_contracts:
        console.print(f"Wrote {len(numbers)} packs in {out}.")


def audit_verify_pack_command(
    pack: Annotated[Path, typer.Argument(metavar="DIR", help="A pack's folder, or its zip file.")],
) -> None:
    """Check an audit pack with its files alone: manifest hashes, versions, every link of
    the chain and the head; names the first problem, exit code 1 if any."""
    command = "audit verify-pack"
    try:
        files = read_pack(pack)
    except (OSError, ValueError) as err:
        fail(command, one_line(err))
    problems = verify_pack(files)
    if problems:
        for problem in problems:
            typer.echo(f"lease {command}: {problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{pack}: the pack checks out ({len(files)} files).")


audit_app.command("export")(audit_export_command)
audit_app.command("verify-pack")(audit_verify_pack_command)


@contextmanager
def pack_sources(settings: Settings) -> Iterator[PackSources]:
    """The event store, the live invoices view and the lessor's letterhead, closed on exit."""
    from api.documents import Lessor
    from infra.audit.pack_export import PackSources

    with stored_contracts(settings, pool_size=2) as (env, contracts):
        # The invoices spec's PostgreSQL class (postgres_view checks it is one).
        invoices = cast("PostgresInvoicesView", postgres_view(INVOICES, env, create=False))
        lessor = Lessor(
            settings.lessor_name,
            settings.lessor_address,
            settings.lessor_vat,
            settings.lessor_iban,
        )
        try:
            yield PackSources(contracts, invoices, lessor)
        finally:
            invoices.datastore.close()


def _progress(*, show: bool) -> Progress:
    """A progress bar on stderr for --all (disabled for one contract)."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not show,
    )
