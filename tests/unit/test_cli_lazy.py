"""`lease` imports a command's module when that command runs (infra/cli/app.py `COMMANDS`):
what a command loads, the help's listing, groups, and a mistyped command."""

from __future__ import annotations

import subprocess
import sys

import typer
from typer.testing import CliRunner

from infra.cli.app import COMMANDS, LazyGroup, app

runner = CliRunner()

PROBE = """
import sys
from infra.cli import main
sys.argv = ["lease", "rules", "M-22"]
try:
    main()
except SystemExit as done:
    code = done.code
heavy = ("fastapi", "uvicorn", "xhtml2pdf", "reportlab", "psycopg", "kafka", "eventsourcing")
loaded = sorted(m for m in sys.modules if m.startswith("infra.cli.") or m in heavy)
print(code, *loaded, file=sys.stderr)
"""


def test_a_command_loads_its_own_module_and_not_the_others() -> None:
    """In a fresh interpreter `lease rules M-22` imports the application's module and the
    rules' only: not the API, the server, the PDF renderer, PostgreSQL's or the broker's
    clients or the event store the other commands use."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.stdout.startswith("M-22  "), result.stderr
    assert result.stderr.split() == ["0", "infra.cli.app", "infra.cli.rules"]


def test_the_help_lists_every_command_of_the_table_in_its_order() -> None:
    result = runner.invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    words = [line.strip("│ ").split(" ", 1)[0] for line in result.stdout.splitlines()]
    assert [word for word in words if word in COMMANDS] == list(COMMANDS)


def test_a_group_of_one_command_stays_a_group() -> None:
    result = runner.invoke(app, ["consumers", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "lease consumers [OPTIONS] COMMAND [ARGS]..." in result.stdout
    assert "│ status " in result.stdout


def test_the_commands_joined_to_a_group_in_another_module_are_there() -> None:
    """`projections verify` and `audit verify` are added to their groups by their own modules."""
    for group, command in (("projections", "verify"), ("audit", "verify")):
        result = runner.invoke(app, [group, command, "--help"], terminal_width=200)
        assert result.exit_code == 0, result.output
        assert f"lease {group} {command} [OPTIONS]" in result.stdout


def test_a_mistyped_command_is_a_usage_error_naming_the_likely_one() -> None:
    result = runner.invoke(app, ["simulat", "x.json"], terminal_width=200)
    assert result.exit_code == 2
    assert "No such command 'simulat'. Did you mean 'simulate'?" in result.output


def test_a_command_registered_on_the_typer_itself_is_kept_beside_the_tables() -> None:
    lease = typer.Typer(cls=LazyGroup, add_completion=False)

    @lease.callback()
    def root() -> None:
        """A group, as `lease` is."""

    @lease.command("hello")
    def hello() -> None:
        typer.echo("hello")

    assert runner.invoke(lease, ["hello"]).stdout == "hello\n"
    assert runner.invoke(lease, ["rules", "M-22"]).stdout.startswith("M-22  ")
