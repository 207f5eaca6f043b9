"""Peak memory of processes, from /proc (Linux).

Each figure is a process's own high-water mark (`VmHWM`). Not `getrusage(...).ru_maxrss`: a
process started by fork and exec (multiprocessing's spawn, a subprocess) inherits its
parent's peak in that figure, so a small worker of a large parent reports the parent's size.
"""

from __future__ import annotations

import os
import resource
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from collections.abc import Callable

SELF = Path("/proc/self")


def peak_kib(entry: Path) -> int:
    """A process's peak RSS so far (VmHWM), 0 once it is gone."""
    try:
        for line in (entry / "status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def own_peak_mib() -> float:
    """This process's peak RSS, its own (getrusage where there is no /proc)."""
    return (peak_kib(SELF) or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def family(pid: str) -> list[Path]:
    """/proc entries of process `pid` and its children."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if pid in (entry.name, parent):
            found.append(entry)
    return found


def children() -> list[Path]:
    """/proc entries of this process's children."""
    me = str(os.getpid())
    return [entry for entry in family(me) if entry.name != me]


def server_processes(data_dir: Path | None) -> list[Path]:
    """/proc entries of a PostgreSQL server: the postmaster and its children (none for a
    server that is not ours: no data directory)."""
    if data_dir is None:
        return []
    try:
        postmaster = (data_dir / "postmaster.pid").read_text().split()[0]
    except (OSError, IndexError):
        return []
    return family(postmaster)


class PeakMemory:
    """The largest peak RSS among the processes `find` returns, asked again every
    SAMPLE_SECONDS while open (processes come and go; a peak reached in a process's last
    half second may be missed)."""

    SAMPLE_SECONDS = 0.5

    def __init__(self, find: Callable[[], list[Path]]) -> None:
        self.find = find
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="peak-memory", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while True:
            for entry in self.find():
                self.peak_mib = max(self.peak_mib, peak_kib(entry) / 1024)
            if self._stop.wait(self.SAMPLE_SECONDS):
                return
