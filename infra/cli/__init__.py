"""The `lease` command line: simulate, dev, asyncapi, rules, history, replay, explain, token,
projections, consumers, audit and run (a worker, or the HTTP API).

infra/cli/app.py holds the typer application and what every command shares; the modules
beside it hold the commands, registered here in the order `lease --help` lists them.
`lease run <worker>` has one command per worker of the registry (infra/workers.py).
"""

from __future__ import annotations

import sys

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # typer's vendored click

from infra import workers
from infra.cli import (
    api,
    audit,
    audit_pack,
    consumers,
    dev,
    explain,
    history,
    projections,
    projections_verify,
    replay,
    rules,
    run,
    simulate,
)
from infra.cli.app import app, projections_app, run_app

app.command("simulate")(simulate.simulate_command)
app.command("dev")(dev.dev_command)
app.command("asyncapi")(history.asyncapi_command)
app.command("rules")(rules.rules)
app.command("history")(history.history_command)
app.command("replay")(replay.replay_command)
app.command("explain")(explain.explain_command)
app.command("token")(api.token_command)
projections_app.command("status")(projections.projections_status_command)
projections_app.command("rebuild")(projections.projections_rebuild_command)
projections_app.command("verify")(projections_verify.projections_verify_command)
app.add_typer(consumers.consumers_app, name="consumers")
audit_pack.audit_app.command("verify")(audit.audit_verify_command)
app.add_typer(audit_pack.audit_app, name="audit")
for _worker in workers.WORKERS:
    if _worker.build is None:  # the projections: PostgreSQL only, their own options
        run_app.command(_worker.name, help=_worker.help)(run.run_projections_command)
    else:
        run_app.command(_worker.name)(run.worker_command(_worker.name))
run_app.command("api")(api.run_api_command)


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
