"""Processes started by `multiprocessing`'s spawn method without the parent's main module.

A spawned process first runs the parent's main module (`multiprocessing` does so that a
target defined there can be found). The service's own children (a rebuild's workers,
projections/engine/parallel.py; the relay's reader, infra/relay/reader.py) have targets in
importable modules, and the main module is the `lease` CLI (about 1.9 s of imports on this
VM, and some 135 MiB in the child) or a bench script.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import types
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

SWAPPING = threading.RLock()
"""Held while the main module is swapped out (`main_module_left_out`)."""


@contextlib.contextmanager
def main_module_left_out() -> Iterator[None]:
    """Start `spawn` processes in the block without the parent's main module.

    `multiprocessing` reads `sys.modules["__main__"]` when a process starts; in the block it
    is a module without a file or spec, which the child leaves alone. A target or argument
    defined in the main module cannot be sent then: `start` raises a `PicklingError`.

    One thread at a time (`SWAPPING`): under `lease dev` the relay and the projections
    worker are threads of one process and may start their children together; two blocks
    interleaved would leave the stand-in in place of the main module.
    """
    with SWAPPING:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main
