"""The `lease` command line: simulate, dev, asyncapi, rules, history, replay, explain, token,
projections, run (a worker, or the HTTP API), consumers and audit.

infra/cli/app.py holds the typer application, the table of its commands and what every
command shares; the modules beside it hold the commands, each imported when its command runs.
`lease run <worker>` has one command per worker of the registry (infra/workers.py).
"""

from __future__ import annotations

import sys

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # typer's vendored click

from infra.cli.app import app


def main() -> None:
    """Console-script entry point (`lease`); a usage error is one line, like any failure.

    Typer's own handling prints a usage error as a framed box of several lines; here it is
    `lease <command>: <what is wrong> (see lease <command> --help)`, exit code 2. A command
    group called without arguments still prints its help.
    """
    try:
        code = app(prog_name="lease", standalone_mode=False)
    except NoArgsIsHelpError:
        app(prog_name="lease")  # parses the same arguments again and prints the help
        raise  # pragma: no cover - the call above exits
    except UsageError as err:
        where = err.ctx.command_path if err.ctx is not None else "lease"
        typer.echo(f"{where}: {err.format_message()} (see {where} --help)", err=True)
        sys.exit(err.exit_code)
    except typer.Abort:
        typer.echo("lease: aborted", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
