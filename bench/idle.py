"""CPU an idle `lease dev` uses: per process, beside an idle baseline measured in the same run.

    python bench/idle.py [--seconds 30] [--settle 10]

Starts `lease dev` on a fresh data directory (embedded PostgreSQL and broker), waits for
"Ready", lets it settle, then reads the CPU time (utime + stime of /proc/<pid>/stat) of every
process of its tree and of the embedded PostgreSQL (which detaches; found by its data
directory) before and after `--seconds` of doing nothing. The figures are a share
of one core. The baseline is a bare Python process started beside it, waiting on a timer
for the same seconds: what "doing nothing" costs on this machine at that moment.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEASE = Path(sys.executable).with_name("lease")
TICKS = os.sysconf("SC_CLK_TCK")
READY_SECONDS = 240.0


def cpu_seconds(path: str) -> float | None:
    """utime + stime of a /proc/<pid> (or /proc/<pid>/task/<tid>), in seconds (None: gone)."""
    try:
        fields = Path(path, "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def name_of(pid: int) -> str:
    """A short name: the program and, for PostgreSQL, its role (checkpointer, walwriter...)."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    first = cmd[0].decode(errors="replace")
    program = Path(first.split()[0]).name if first else "?"
    if program.startswith("postgres"):
        if b"-D" in cmd:  # the postmaster runs with its options
            return "postgres (postmaster)"
        if "(" in first:  # "postgres: user db host(port) state"
            return "postgres: connections"
        return "postgres: " + " ".join(first.split()[1:3])
    if "lease" in " ".join(c.decode(errors="replace") for c in cmd[:2]):
        return "lease dev (python)"
    return program


def parents() -> dict[int, int]:
    """pid -> parent pid of every process (field 4 of /proc/<pid>/stat)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                found[int(entry.name)] = int(stat[1])
    return found


def tree(root: int, parent_of: dict[int, int]) -> list[int]:
    """`root` and every descendant."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(child for child, parent in parent_of.items() if parent == pid)
    return found


def started_from(data_dir: str) -> list[int]:
    """Processes whose command line names the data directory (the embedded PostgreSQL
    detaches from `lease dev`), with their descendants (its backends)."""
    found: set[int] = set()
    parent_of = parents()
    for pid in parent_of:
        with contextlib.suppress(OSError):
            if data_dir.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.update(tree(pid, parent_of))
    return sorted(found)


def wait_ready(process: subprocess.Popen[str]) -> None:
    """Read `lease dev`'s output until it says Ready (fails on exit or after READY_SECONDS)."""
    deadline = time.monotonic() + READY_SECONDS
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Ready in"):
            return
        if time.monotonic() > deadline:
            break
    raise SystemExit(f"lease dev did not become ready (exit code {process.poll()})")


def measure(paths: list[str], seconds: float) -> dict[str, float]:
    """CPU share of one core of each /proc/<pid> (or task) path over `seconds` of wall time."""
    before = {path: cpu_seconds(path) for path in paths}
    started = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    shares = {}
    for path, was in before.items():
        now = cpu_seconds(path)
        if was is not None and now is not None:
            shares[path] = 100.0 * (now - was) / elapsed
    return shares


def table(shares: dict[str, float], names: dict[str, str]) -> dict[str, float]:
    """Print the shares summed by name, largest first; returns them."""
    by_name: dict[str, float] = {}
    for path, share in shares.items():
        by_name[names[path]] = by_name.get(names[path], 0.0) + share
    print(f"{'process':44} {'CPU % of a core':>16}")
    for name, share in sorted(by_name.items(), key=lambda kv: -kv[1]):
        print(f"{name:44} {share:16.2f}")
    return by_name


def report(shares: dict[str, float], names: dict[str, str], baseline: float) -> None:
    by_name = table(shares, names)
    broker = sum(s for n, s in by_name.items() if "tansu" in n)
    everything = sum(shares.values())
    print(f"{'total (lease dev and everything it started)':44} {everything:16.2f}")
    print(f"{'  of which the service (python + postgres)':44} {everything - broker:16.2f}")
    print(f"{'  of which the broker':44} {broker:16.2f}")
    print(f"{'baseline: a bare idle python process':44} {baseline:16.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="idle time measured")
    parser.add_argument("--settle", type=float, default=10.0, help="wait after Ready first")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lease-idle-") as tmp:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        command = [str(LEASE), "dev", "--data-dir", tmp]
        dev = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        baseline = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(10**6)"])
        try:
            wait_ready(dev)
            time.sleep(args.settle)
            pids = sorted({*tree(dev.pid, parents()), *started_from(tmp)})
            names = {f"/proc/{pid}": name_of(pid) for pid in pids}
            base = f"/proc/{baseline.pid}"
            shares = measure([*names, base], args.seconds)
            idle_share = shares.pop(base, 0.0)
            print(f"idle for {args.seconds:g} s after Ready (+{args.settle:g} s to settle)")
            report({p: s for p, s in shares.items() if p in names}, names, idle_share)
        finally:
            baseline.kill()
            dev.send_signal(signal.SIGINT)
            try:
                dev.wait(60)
            except subprocess.TimeoutExpired:
                dev.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
