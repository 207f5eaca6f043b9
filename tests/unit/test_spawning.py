"""Processes spawned without the parent's main module (projections/engine/spawning.py): what
a rebuild's workers and the relay's reader are started with, one thread at a time."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from projections.engine.spawning import SWAPPING, main_module_left_out

ROOT = Path(__file__).resolve().parents[2]


MAIN_SCRIPT = """
import multiprocessing
import pickle
import sys

print("main module run as", __name__, flush=True)


def defined_here() -> None:
    print("worker ran", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1])
    from projections.engine.spawning import main_module_left_out

    context = multiprocessing.get_context("spawn")
    target = defined_here if sys.argv[2] == "a target of its own" else print
    process = context.Process(target=target, args=() if target is defined_here else ("worker ran",))
    if sys.argv[2] == "as multiprocessing does":
        process.start()
    else:
        try:
            with main_module_left_out():
                process.start()
        except pickle.PicklingError:
            print("refused: its target is in the main module", flush=True)
    if process.pid is not None:
        process.join()
    print("main module after:", sys.modules["__main__"].__file__ == __file__, flush=True)
"""


class TestMainModuleLeftOut:
    @pytest.mark.parametrize(
        ("how", "imports"),
        [
            ("left out", ["main module run as __main__"]),
            (
                "as multiprocessing does",
                ["main module run as __main__", "main module run as __mp_main__"],
            ),
        ],
    )
    def test_a_worker_starts_without_running_the_parents_main_module(
        self, tmp_path: Path, how: str, imports: list[str]
    ) -> None:
        # Given a parent whose main module is a script (as `lease` or a bench is)
        # When it starts a spawned process
        lines = run_script(tmp_path, how)

        # Then the child ran without running the script again, and the parent has it back
        assert [line for line in lines if line.startswith("main module run")] == imports
        assert "worker ran" in lines
        assert lines[-1] == "main module after: True"

    def test_a_target_defined_in_the_main_module_is_refused_at_start(self, tmp_path: Path) -> None:
        lines = run_script(tmp_path, "a target of its own")

        assert "refused: its target is in the main module" in lines
        assert "worker ran" not in lines
        assert lines[-1] == "main module after: True"


def run_script(tmp_path: Path, how: str) -> list[str]:
    """Run MAIN_SCRIPT as a main module; its output lines."""
    script = tmp_path / "main_script.py"
    script.write_text(MAIN_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(ROOT), how],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.splitlines()


class TestOneThreadAtATime:
    def test_another_thread_waits_until_the_main_module_is_back(self) -> None:
        original = sys.modules["__main__"]
        seen: list[tuple[bool, bool]] = []

        def another_thread_looks() -> None:
            entered = SWAPPING.acquire(blocking=False)
            if entered:
                SWAPPING.release()
            seen.append((entered, sys.modules["__main__"] is original))

        with main_module_left_out():
            looker = threading.Thread(target=another_thread_looks)
            looker.start()
            looker.join()
        after = threading.Thread(target=another_thread_looks)
        after.start()
        after.join()

        assert seen == [(False, False), (True, True)]

    def test_nested_in_one_thread_it_puts_the_main_module_back(self) -> None:
        original = sys.modules["__main__"]

        with main_module_left_out(), main_module_left_out():
            assert sys.modules["__main__"] is not original

        assert sys.modules["__main__"] is original
