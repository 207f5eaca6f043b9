"""A worker of a parallel rebuild that dies without a word, the chunks' shared counter, and a
worker started without the parent's main module."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from projections.engine.parallel import RebuildWorkerError, SharedClaims, collect

ROOT = Path(__file__).resolve().parents[2]


class TestCollect:
    def test_a_worker_that_dies_without_reporting_fails_the_rebuild_in_one_line(self) -> None:
        context = multiprocessing.get_context("spawn")
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=os._exit, args=(3,))
        process.start()
        sender.close()

        with pytest.raises(RebuildWorkerError) as failed:
            collect(process, receiver)

        assert str(failed.value) == "rebuild: its worker process died (exit code 3)"
        receiver.close()


def claim_three(claims: SharedClaims) -> None:
    for _ in range(3):
        claims.claim()
        claims.add_done(10)


class TestSharedClaims:
    def test_every_chunk_is_claimed_once_across_processes(self) -> None:
        context = multiprocessing.get_context("spawn")
        claims = SharedClaims(context)
        process = context.Process(target=claim_three, args=(claims,))
        process.start()
        process.join()

        assert [claims.claim(), claims.claim()] == [3, 4]
        assert claims.done() == 30


MAIN_SCRIPT = """
import multiprocessing
import sys

print("main module run as", __name__, flush=True)

if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1])
    from projections.engine.parallel import main_module_left_out

    context = multiprocessing.get_context("spawn")
    process = context.Process(target=print, args=("worker ran",))
    if sys.argv[2] == "left out":
        with main_module_left_out():
            process.start()
    else:
        process.start()
    process.join()
    print("main module after:", sys.modules["__main__"].__file__ == __file__, flush=True)
"""


class TestWorkerStart:
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
        script = tmp_path / "main_script.py"
        script.write_text(MAIN_SCRIPT)

        # When it starts a spawned process
        done = subprocess.run(
            [sys.executable, str(script), str(ROOT), how],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )

        # Then the child ran without running the script again, and the parent has it back
        lines = done.stdout.splitlines()
        assert [line for line in lines if line.startswith("main module run")] == imports
        assert "worker ran" in lines
        assert lines[-1] == "main module after: True"
