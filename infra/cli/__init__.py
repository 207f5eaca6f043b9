"""The `lease` command line: simulate, dev, asyncapi, rules, history, projections, consumers
and run.

infra/cli/app.py holds the typer application and what every command shares; the modules
beside it hold the commands, registered here in the order `lease --help` lists them.
`lease run <worker>` has one command per worker of the registry (infra/workers.py).
"""

from __future__ import annotations

from infra import workers
from infra.cli import consumers, dev, history, projections, rules, run, simulate
from infra.cli.app import app, projections_app, run_app

app.command("simulate")(simulate.simulate_command)
app.command("dev")(dev.dev_command)
app.command("asyncapi")(history.asyncapi_command)
app.command("rules")(rules.rules)
app.command("history")(history.history_command)
projections_app.command("status")(projections.projections_status_command)
projections_app.command("rebuild")(projections.projections_rebuild_command)
app.add_typer(consumers.consumers_app, name="consumers")
for _worker in workers.WORKERS:
    if _worker.build is None:  # the projections: PostgreSQL only, their own options
        run_app.command(_worker.name, help=_worker.help)(run.run_projections_command)
    else:
        run_app.command(_worker.name)(run.worker_command(_worker.name))


def main() -> None:
    """Console-script entry point (`lease`)."""
    app(prog_name="lease")
