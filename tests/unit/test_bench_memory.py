"""bench/memory.py: a process's own peak memory, not the peak it inherits from its parent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.memory import PeakMemory, children, own_peak_mib
from tests.fault_lab import wait_until

ROOT = Path(__file__).resolve().parents[2]
MIB = 2**20

REPORT = """
import resource
from bench.memory import own_peak_mib
print(own_peak_mib(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def test_a_small_child_of_a_large_parent_reports_its_own_peak() -> None:
    held = bytearray(300 * MIB)  # this process's peak is now past 300 MiB
    out = subprocess.run(
        [sys.executable, "-c", REPORT], cwd=ROOT, capture_output=True, text=True, check=True
    )
    own, inherited = (float(figure) for figure in out.stdout.split())
    assert len(held) == 300 * MIB
    assert inherited >= 300, "the premise: getrusage gives the child its parent's peak"
    assert own < 150
    assert own_peak_mib() >= 300


def test_the_peak_of_a_child_is_sampled_while_it_runs() -> None:
    grow = "import sys; b = bytearray(200 * 2**20); sys.stdin.read()"
    with PeakMemory(children) as sampled:
        child = subprocess.Popen([sys.executable, "-c", grow], stdin=subprocess.PIPE)
        try:
            wait_until(lambda: sampled.peak_mib >= 200, "the child's 200 MiB sampled", 20)
        finally:
            child.communicate(b"")
    assert sampled.peak_mib >= 200
