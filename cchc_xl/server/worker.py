"""Untrusted files are read in worker processes, never in the server's own process, fairly.

The reading library is native code: a crafted file may crash it, and a workbook within every
bound of the reader may still take long to check. So:

- every check (upload, annotated copy, Excel button) runs in one of ``jobs`` **slots**, each a
  worker process of its own; a worker that dies, or passes the **time budget**
  (``schemas/limits.json``, ``check.seconds``), is killed with what it started and replaced —
  only the file it was working on is refused (``Crashed``), nobody else's;
- checks wait in one **queue per agency** and the slots serve the agencies **in turn**
  (round-robin), **at most one check per agency at a time**: six heavy files from one link take
  one slot in turn, the other agencies keep the rest;
- ``pending(key)`` tells how many checks an agency has waiting or running (the server refuses
  more than ``check.waiting_per_agency``).

The cell budget (``check.max_cells``) is checked by the reader inside the worker (``budget``).
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path


def _init(catalog_dirs: list[str]) -> None:
    from cchc_xl.consolidate.files import warm

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


def limits() -> dict:
    from cchc_xl import spec

    return spec.limits()


def check_file(path: str, display: str, max_cells: int | None = None) -> dict:
    """``validate --json``'s object for one file, plus what the round checks (period, agency)."""
    from cchc_xl.check.validate import validate_file

    rep = validate_file(path, display=display, max_cells=max_cells)
    verdict = rep.to_json()
    stored = Path(path).name
    for issue in verdict["issues"]:  # messages name the file the agency sent, not our generated name
        issue["message"] = issue["message"].replace(stored, display)
    out = {"validation": verdict, "unreadable": rep.unreadable, "period": None, "agency": None,
           "macros": has_macros(path)}
    if rep.result is not None:
        doc = rep.result.report
        out["period"] = doc.get("period")
        out["agency"] = doc.get("agency")
    return out


def has_macros(path: str) -> bool:
    """The workbook carries a VBA project (an .xlsm's ``vbaProject.bin``, an .xls's macro streams),
    whatever its name says; the department is warned before opening it."""
    import zipfile

    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
        if head.startswith(b"PK"):
            with zipfile.ZipFile(path) as zf:
                return any(n.lower().endswith("vbaproject.bin") for n in zf.namelist())
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            import olefile

            with olefile.OleFileIO(path) as ole:
                return any(part[0] in ("_VBA_PROJECT_CUR", "Macros", "_VBA_PROJECT") for part in ole.listdir())
    except Exception:  # noqa: BLE001 - a damaged file: said by its name alone
        pass
    return Path(path).suffix.lower() == ".xlsm"


def annotate(src: str, issues: list[dict], out: str, display: str | None = None,
             max_cells: int | None = None) -> str | None:
    """Write the annotated copy (as ``validate --annotate``); a Vietnamese reason when it cannot be made."""
    from cchc_xl.spec.issues import Issue
    from cchc_xl.workbook.annotate import AnnotateError, annotate_file

    try:
        annotate_file(src, [Issue(**i) for i in issues], out, display=display, max_cells=max_cells)
    except AnnotateError as exc:
        return str(exc).replace(Path(src).name, display or Path(src).name)
    return None


class Crashed(Exception):
    """The worker died on the file, or passed the time budget (``timed_out``)."""

    def __init__(self, timed_out: bool = False, seconds: float | None = None):
        super().__init__("timed out" if timed_out else "crashed")
        self.timed_out, self.seconds = timed_out, seconds


def _descendants(pid: int) -> list[int]:
    """The processes started by ``pid`` and by them (Linux ``/proc``; empty elsewhere)."""
    parents: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for d in entries:
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat", "rb") as fh:
                    parents[int(d)] = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        out += kids
        todo += kids
    return out


class _Job:
    __slots__ = ("key", "fn", "args", "timeout", "future")

    def __init__(self, key, fn, args, timeout):
        self.key, self.fn, self.args, self.timeout = key, fn, args, timeout
        self.future: concurrent.futures.Future = concurrent.futures.Future()


class _Slot:
    """One worker process and the thread that feeds it the next job in turn."""

    def __init__(self, owner: "Workers", index: int):
        self.owner = owner
        self.pool = owner._new()
        self.stale = False
        self.thread = threading.Thread(target=self._loop, name=f"cchc-xl-slot-{index}", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            job = self.owner._next()
            if job is None:
                return
            try:
                job.future.set_result(self._call(job))
            except BaseException as exc:  # noqa: BLE001 - travels to whoever awaits the job
                job.future.set_exception(exc)
            finally:
                if self.stale:  # a new worker, started before the next job so that its start-up
                    self.renew()  # never counts against that job's time budget
                self.owner._done(job.key)

    def _call(self, job: _Job):
        try:
            fut = self.pool.submit(job.fn, *job.args)
        except (BrokenProcessPool, RuntimeError):  # the worker died while idle
            self.renew()
            fut = self.pool.submit(job.fn, *job.args)
        try:
            return fut.result(timeout=job.timeout)
        except concurrent.futures.TimeoutError:
            self.kill()
            raise Crashed(timed_out=True, seconds=job.timeout) from None
        except BrokenProcessPool:
            self.kill()
            raise Crashed() from None

    def kill(self) -> None:
        """Kill this slot's worker and the reading process it forked (``isolate``) at once."""
        self.stale = True
        for proc in list((getattr(self.pool, "_processes", None) or {}).values()):
            for pid in _descendants(proc.pid):  # Linux: the forked reading process (isolate)
                try:
                    os.kill(pid, signal.SIGKILL)
                except (OSError, AttributeError):
                    pass
            try:
                proc.kill()  # SIGKILL; TerminateProcess on Windows
            except Exception:  # noqa: BLE001 - already gone
                pass

    def renew(self) -> None:
        """A new worker in place of the killed one, started and warmed."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self.owner._new()
        self.stale = False
        try:
            self.pool.submit(Path.cwd).result(timeout=600)
        except Exception:  # noqa: BLE001 - it will fail again on the next job and be replaced then
            self.stale = True


class Workers:
    """``jobs`` slots serving a queue per agency in turn (module docstring)."""

    def __init__(self, jobs: int | None = None, catalog_dirs: list[str] | None = None,
                 seconds: float | None = None):
        self.jobs = jobs or max(1, min(4, os.cpu_count() or 1))
        self.catalog_dirs = [str(d) for d in (catalog_dirs or [])]
        self.seconds = seconds or limits()["check"]["seconds"]
        self.cond = threading.Condition()
        self.queues: dict[object, collections.deque[_Job]] = {}
        # keys with waiting jobs and none running, first served first; a key being served is not
        # in line: it gets back in, at the end, when its check ends
        self.turns: collections.deque = collections.deque()
        self.running: set = set()
        self.closed = False
        self.slots = [_Slot(self, i) for i in range(self.jobs)]

    def _new(self) -> ProcessPoolExecutor:
        # "spawn": a fresh interpreter, not a fork of the threaded server
        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init, initargs=(self.catalog_dirs,))

    # ---- the queue ---------------------------------------------------------------------------
    def submit(self, key, fn, *args, timeout: float | None = None) -> concurrent.futures.Future:
        """Queue ``fn(*args)`` for ``key`` (an agency; None: a job of its own)."""
        job = _Job(object() if key is None else key, fn, args, timeout or self.seconds)
        with self.cond:
            if self.closed:
                raise RuntimeError("workers closed")
            queue = self.queues.setdefault(job.key, collections.deque())
            queue.append(job)
            if len(queue) == 1 and job.key not in self.running:
                self.turns.append(job.key)  # a key being served gets in line when its check ends
            self.cond.notify()
        return job.future

    def _next(self) -> _Job | None:
        """The next job in turn: the first agency in line (none of them is being served); waits."""
        with self.cond:
            while not self.closed:
                if not self.turns:
                    self.cond.wait()
                    continue
                key = self.turns.popleft()
                queue = self.queues[key]
                job = queue.popleft()
                if not queue:
                    del self.queues[key]
                if not job.future.set_running_or_notify_cancel():  # given up while waiting
                    if queue:
                        self.turns.appendleft(key)
                    continue
                self.running.add(key)
                return job
            return None

    def _done(self, key) -> None:
        """``key``'s check ended: its next one (if any) waits behind every agency now in line."""
        with self.cond:
            self.running.discard(key)
            if self.queues.get(key):
                self.turns.append(key)
                self.cond.notify()

    def pending(self, key) -> int:
        """Checks of ``key`` waiting or running."""
        with self.cond:
            return len(self.queues.get(key, ())) + (key in self.running)

    async def run(self, fn, *args, key=None, timeout: float | None = None):
        """``fn(*args)`` in a worker, in ``key``'s turn; ``Crashed`` when the worker died on it or
        passed the time budget (``timeout``, else ``check.seconds``)."""
        return await asyncio.wrap_future(self.submit(key, fn, *args, timeout=timeout))

    def warm(self) -> None:
        """Start the workers now rather than on the first upload."""
        for slot in self.slots:
            slot.pool.submit(Path.cwd).result()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            for queue in self.queues.values():
                for job in queue:
                    job.future.cancel()
            self.queues.clear()
            self.turns.clear()
            self.cond.notify_all()
        for slot in self.slots:
            slot.pool.shutdown(wait=False, cancel_futures=True)
