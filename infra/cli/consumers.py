"""`lease consumers status`: each consumer group's committed position and lag, per partition.

The lag is measured from the groups' committed offsets against the end a fetch reports
(`infra.kafka.group_lag`): the embedded broker's ListOffsets "latest" under-reports the
end, so standard lag tools read `lease dev` wrong.
"""

from __future__ import annotations

import typer
from kafka.errors import KafkaError
from rich import box
from rich.console import Console
from rich.table import Table

from infra.cli.app import (
    DataDir,
    Verbose,
    bootstrap_servers_of,
    configure_logging,
    fail,
    load_settings,
    one_line,
    reach_external,
    startup_errors,
)
from infra.workers import consumer_lags

consumers_app = typer.Typer(
    name="consumers",
    help="The Kafka consumer groups: their committed positions and lag.",
    no_args_is_help=True,
)


@consumers_app.command("status")
def consumers_status_command(data_dir: DataDir = None, verbose: Verbose = False) -> None:
    """Each consumer group's committed offset, the partition's end and the lag (messages)."""
    configure_logging(verbose=verbose)
    command = "consumers status"
    settings = load_settings(command, data_dir)
    reach_external(command, settings, broker=True)
    bootstrap = bootstrap_servers_of(settings, command)
    try:
        lags = consumer_lags(settings, bootstrap)
    except startup_errors(KafkaError) as err:
        fail(command, one_line(err))
    table = Table("group", "topic", "partition", "committed", "end", "lag", box=box.SIMPLE)
    for group, partitions in lags.items():
        for p in partitions:
            committed = "-" if p.committed is None else str(p.committed)
            table.add_row(group, p.topic, str(p.partition), committed, str(p.end), str(p.lag))
    Console().print(table)
