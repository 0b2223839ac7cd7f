"""Untrusted files are read in worker processes, never in the server's own process.

The reading library is native code: a crafted file may crash it. As in the consolidation's
reads (``consolidate.read_files``), a worker that dies costs only the file it was reading: the
pool is replaced and the upload gets a reason. A read that takes too long is stopped the same way.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

READ_SECONDS = 120


def _init(catalog_dirs: list[str]) -> None:
    from ..consolidate.files import warm

    _watch_parent(os.getppid())
    # schemas, catalogs (the province's own, --catalog, as in the server process) and the JSON
    # Schema validator, once per worker rather than on each one's first file
    warm(catalog_dirs or None)


def _watch_parent(parent: int) -> None:
    """A reader whose server was killed (``kill -9``) exits instead of lingering."""
    import time

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def check_file(path: str, display: str) -> dict:
    """``validate --json``'s object for one file, plus what the round checks (period, agency)."""
    from ..validate import validate_file

    rep = validate_file(path, display=display)
    verdict = rep.to_json()
    stored = Path(path).name
    for issue in verdict["issues"]:  # messages name the file the agency sent, not our generated name
        issue["message"] = issue["message"].replace(stored, display)
    out = {"validation": verdict, "unreadable": rep.unreadable, "period": None, "agency": None}
    if rep.result is not None:
        doc = rep.result.report
        out["period"] = doc.get("period")
        out["agency"] = doc.get("agency")
    return out


def annotate(src: str, issues: list[dict], out: str) -> str | None:
    """Write the annotated copy (as ``validate --annotate``); a Vietnamese reason when it cannot be made."""
    from ..annotate import AnnotateError, annotate_file
    from ..issues import Issue

    try:
        annotate_file(src, [Issue(**i) for i in issues], out)
    except AnnotateError as exc:
        return str(exc)
    return None


class Crashed(Exception):
    """The worker died or ran out of time reading a file."""


class Workers:
    def __init__(self, jobs: int | None = None, catalog_dirs: list[str] | None = None):
        self.jobs = jobs or max(1, min(4, os.cpu_count() or 1))
        self.catalog_dirs = [str(d) for d in (catalog_dirs or [])]
        self.lock = threading.Lock()
        self.pool = self._new()

    def _new(self, jobs: int | None = None) -> ProcessPoolExecutor:
        # "spawn": a fresh interpreter, not a fork of the threaded server
        return ProcessPoolExecutor(max_workers=jobs or self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init, initargs=(self.catalog_dirs,))

    @staticmethod
    def _discard(pool: ProcessPoolExecutor) -> None:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            try:
                proc.kill()
            except Exception:  # noqa: BLE001 - already gone
                pass
        pool.shutdown(wait=False, cancel_futures=True)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self.lock:
            if self.pool is broken:
                self._discard(broken)
                self.pool = self._new()

    async def run(self, fn, *args, timeout: float = READ_SECONDS):
        pool = self.pool
        try:
            fut = pool.submit(fn, *args)
        except (BrokenProcessPool, RuntimeError):
            self._replace(pool)
            pool = self.pool
            fut = pool.submit(fn, *args)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(fut), timeout)
        except (BrokenProcessPool, asyncio.TimeoutError):
            self._replace(pool)
        # a worker died: this file or another one read at the same time. Read it again alone.
        alone = self._new(1)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(alone.submit(fn, *args)), timeout)
        except (BrokenProcessPool, asyncio.TimeoutError):
            raise Crashed() from None
        finally:
            self._discard(alone)

    def warm(self) -> None:
        """Start the workers now rather than on the first upload."""
        self.pool.submit(Path.cwd).result()

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
