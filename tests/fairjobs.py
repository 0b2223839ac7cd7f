"""Jobs for the server's worker slots in tests (module-level: they travel to spawned workers)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def logged(log: str, name: str, gate: str | None = None) -> int:
    """Append ``name start`` to ``log``, wait (at most 60 s) until ``gate`` exists, append
    ``name end``; returns the worker's process id."""
    with open(log, "a") as fh:
        fh.write(f"{name} start\n")
    deadline = time.monotonic() + 60
    while gate and not Path(gate).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    with open(log, "a") as fh:
        fh.write(f"{name} end\n")
    return os.getpid()


def stuck(log: str) -> None:
    """A check that never ends, with a reading child of its own (as ``isolate`` forks one): both
    process ids go to ``log`` before it hangs."""
    pid = os.fork()
    if pid == 0:
        time.sleep(600)
        os._exit(0)
    with open(log, "w") as fh:
        fh.write(f"{os.getpid()} {pid}\n")
    time.sleep(600)


def events(log: str) -> list[str]:
    return Path(log).read_text().splitlines() if Path(log).exists() else []
