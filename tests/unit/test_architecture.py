"""The shape the code keeps: small modules, no import circle, one home per command.

These read the source tree and the command registry; each names what to change when it fails.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import fields
from pathlib import Path

import pytest

from domain.catalogue import is_registered
from domain.contract import Contract
from domain.contract.registry import COMMANDS, HANDLERS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "projections", "consumers", "infra", "api")
MAX_MODULE_LINES = 400
IO_LIBRARIES = ("psycopg", "kafka", "fastapi", "pydantic", "httpx", "requests", "sqlalchemy")


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the service's packages."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def runtime_imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The service modules `path` imports when it is loaded (not under TYPE_CHECKING, not
    inside functions): `from a import b` counts as a.b when that is a module."""
    imported: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if sub in known:
                    imported.add(sub)
                elif node.module in known:
                    imported.add(node.module)
    return imported


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of the graph, or [] (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_no_module_imports_itself_in_a_circle_at_run_time() -> None:
    known = modules()
    graph = {name: runtime_imports(path, known) - {name} for name, path in known.items()}
    assert sum(len(edges) for edges in graph.values()) > 100, "the scan found too few imports"
    assert cycle(graph) == [], "break this import circle"


def test_the_cycle_finder_finds_a_circle() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_over_400_lines(name: str) -> None:
    lines = len(modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines: split it by what it holds"


def test_the_domain_imports_no_io_library_and_no_outer_layer() -> None:
    outer = (*IO_LIBRARIES, "projections", "consumers", "infra", "api")
    offending = []
    for name, path in modules().items():
        if not name.startswith("domain"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offending += [f"{name}: {n}" for n in names if n.split(".")[0] in outer]
    assert offending == []


def test_the_contract_has_no_command_methods() -> None:
    # A command lives in its area module and the registry; the aggregate only holds state.
    handler_names = {handler.__name__ for handler in HANDLERS.values()}
    assert sorted((set(COMMANDS) | handler_names) & set(vars(Contract))) == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_handler_takes_exactly_its_commands_fields(name: str) -> None:
    command = COMMANDS[name]
    parameters = list(inspect.signature(HANDLERS[command]).parameters)
    assert parameters[:2] == ["c", "ctx"]
    assert parameters[2:] == [f.name for f in fields(command)]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_command_cites_only_registered_rules(name: str) -> None:
    rule_ids = COMMANDS[name].rule_ids
    assert rule_ids
    assert [r for r in rule_ids if not is_registered(r)] == []
