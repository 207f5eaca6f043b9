"""The package layout: every folder with package data is a regular package that the
project's package list includes, so setuptools packages it without warnings (issue 9)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def packages() -> list[str]:
    """The regular packages the project ships: each folder with an __init__.py below the
    top-level folders `packages.find.include` names (as setuptools finds them)."""
    tops = [pattern.rstrip("*") for pattern in SETUPTOOLS["packages"]["find"]["include"]]
    found = []
    for top in tops:
        for init in sorted((ROOT / top).rglob("__init__.py")):
            parts = init.parent.relative_to(ROOT).parts
            if all(
                (ROOT.joinpath(*parts[:i]) / "__init__.py").exists() for i in range(1, len(parts))
            ):
                found.append(".".join(parts))
    return found


def test_package_data_is_declared_on_regular_packages_that_ship() -> None:
    shipped = packages()
    for package, patterns in SETUPTOOLS["package-data"].items():
        folder = ROOT.joinpath(*package.split("."))
        assert (folder / "__init__.py").exists(), f"{package} is not a regular package"
        assert package in shipped, package
        for pattern in patterns:
            assert "/" not in pattern, f"{pattern}: data of a sub-folder belongs to its package"
            assert list(folder.glob(pattern)), f"{package}: nothing matches {pattern}"


def test_every_data_file_under_a_package_is_declared() -> None:
    declared = {
        path
        for package, patterns in SETUPTOOLS["package-data"].items()
        for pattern in patterns
        for path in ROOT.joinpath(*package.split(".")).glob(pattern)
    }
    for package in packages():
        folder = ROOT.joinpath(*package.split("."))
        for path in folder.iterdir():
            if path.is_dir() and not (path / "__init__.py").exists() and path.name != "__pycache__":
                data = [p for p in path.iterdir() if p.is_file()]
                assert not data, f"{path.relative_to(ROOT)} holds data but is not a package"
            if path.is_file() and path.suffix not in {".py", ".pyc", ".typed"}:
                assert path in declared, f"{path.relative_to(ROOT)} is not declared package data"
