"""`lease rules [ID]`: the rule registry, or one rule with where it is applied and tested."""

from __future__ import annotations

from typing import Annotated

import typer

from domain.catalogue import UnknownRuleError
from infra import rule_lookup
from infra.cli.app import fail


def rules(
    rule_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="A rule ID, e.g. M-22.", show_default=False)
    ] = None,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print docs/rules.md as generated.")
    ] = False,
) -> None:
    """List the rule registry, or show one rule with where it is applied and tested."""
    if markdown:
        print(rule_lookup.markdown(), end="")
        return
    if rule_id is None:
        print(rule_lookup.listing())
        return
    try:
        print(rule_lookup.describe(rule_id))
    except UnknownRuleError as err:
        fail("rules", str(err))
