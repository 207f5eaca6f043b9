"""`lease explain DOCUMENT_NUMBER`: every line of a document, the rule and the working behind it."""

from __future__ import annotations

import json
from typing import Annotated

import typer

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
from infra.explanation import DocumentNotFoundError, explain, explanation_text
from projections.registry import all_specs, postgres_view
from projections.views.invoices import PostgresInvoicesView


def explain_command(
    number: Annotated[
        str,
        typer.Argument(metavar="DOCUMENT_NUMBER", help="Document number, e.g. INV-2024-000001."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Explain each line of a document: rule, article, inputs, formula applied, events."""
    configure_logging(verbose=verbose)
    settings = load_settings("explain", data_dir)
    reach_external("explain", settings, broker=False)
    try:
        with stored_contracts(settings) as (env, contracts):
            (spec,) = all_specs(["invoices"])
            view = postgres_view(spec, env, create=False)
            try:
                if not isinstance(view, PostgresInvoicesView):  # pragma: no cover - registry
                    raise TypeError("the invoices view")
                explanation = explain(contracts, view, number)
            finally:
                view.datastore.close()
    except DocumentNotFoundError:
        fail("explain", f"document {number} not found")
    except startup_errors() as err:
        fail("explain", one_line(err))
    if as_json:
        print(json.dumps(explanation, indent=2, ensure_ascii=False))
    else:
        print(explanation_text(explanation), end="")
