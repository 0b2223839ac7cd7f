"""Untrusted files are read in a child process, so the worst a file can do is be refused.

The reading library is native code: a malformed file can make it abort or ask for more memory
than the machine has, which no ``except`` catches. ``run(fn, *args, on_crash=…)`` calls
``fn(*args)`` in a forked child process with a bounded address space and its error output
silenced (a Rust panic prints there), and hands back the result; when the child dies instead,
it returns ``on_crash()`` and the next call starts a new child. The child serves call after
call (a fork per file would cost more than reading a small workbook). The file boundary (``boundary.load_grids``) reads every workbook this
way, so ``validate`` of many files, ``export``, ``appendix``, the registry and the
consolidation all keep the other files' results when one file kills its reader.

Where ``os.fork`` does not exist (Windows) the call runs in the process itself; set
``CCHC_XL_ISOLATE=0`` to do the same elsewhere (debugging). A fork costs a few milliseconds.
"""

from __future__ import annotations

import atexit
import os
import pickle
import struct
import threading

CRASH_REASON = "tệp làm trình đọc bảng tính dừng đột ngột (tệp hỏng, hoặc cần quá nhiều bộ nhớ để đọc)"
CHILD_MEMORY = 3 << 30  # address space a child may add to what the parent already holds

_in_child = False


def available() -> bool:
    return hasattr(os, "fork") and not _in_child and os.environ.get("CCHC_XL_ISOLATE", "1") != "0"


def _limit_memory() -> None:
    try:
        import resource

        with open("/proc/self/statm") as fh:
            used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = used + CHILD_MEMORY
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        if soft == resource.RLIM_INFINITY or want < soft:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (OSError, ValueError, ImportError):
        pass


class _Worker:
    """A forked child that runs the calls sent to it, one at a time, until it dies or its parent goes."""

    def __init__(self):
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(req_w)
            os.close(resp_r)
            _serve(req_r, resp_w)  # never returns
        os.close(req_r)
        os.close(resp_w)
        self.pid, self.owner = pid, os.getpid()
        self.requests, self.responses = os.fdopen(req_w, "wb"), os.fdopen(resp_r, "rb")

    def call(self, request: bytes) -> bytes | None:
        """The pickled answer to a pickled ``(fn, args)``, or None when the child died."""
        try:
            _send(self.requests, request)
            return _receive(self.responses)
        except (BrokenPipeError, EOFError, OSError):
            return None

    def close(self) -> None:
        for fh in (self.requests, self.responses):
            try:
                fh.close()
            except OSError:
                pass
        if os.getpid() == self.owner:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass


def _send(fh, data: bytes) -> None:
    fh.write(struct.pack("<Q", len(data)) + data)
    fh.flush()


def _receive(fh) -> bytes:
    head = fh.read(8)
    if len(head) < 8:
        raise EOFError
    n = struct.unpack("<Q", head)[0]
    data = fh.read(n)
    if len(data) < n:
        raise EOFError
    return data


def become_reader() -> None:
    """Make this process the isolated reader itself: reads run here, not in a further child.

    For a process whose death costs only its own work and is noticed by its parent — the
    consolidation's reading workers (a dead worker's files are read again one at a time, and the
    one that kills it is refused with its reason). Its memory is capped and its error output
    silenced, as a reading child's are; nothing then crosses a second process boundary (the
    whole grid of a workbook pickled through a pipe), only the small record the worker returns.
    """
    global _in_child
    _in_child = True
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)  # a Rust panic prints its backtrace there
    except OSError:
        pass
    try:
        import faulthandler

        faulthandler.disable()  # its report of a crash would reach the parent's error output
    except Exception:  # noqa: BLE001
        pass
    _limit_memory()


def _serve(req_fd: int, resp_fd: int) -> None:
    code = 0
    try:
        become_reader()
        requests, responses = os.fdopen(req_fd, "rb"), os.fdopen(resp_fd, "wb")
        while True:
            try:
                fn, args = pickle.loads(_receive(requests))
            except EOFError:
                break
            try:
                payload = (True, fn(*args))
            except Exception as exc:  # noqa: BLE001 - travels to the parent, raised there
                payload = (False, exc)
            try:
                data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - what does not travel: the parent reports a crash
                break
            _send(responses, data)
    except BaseException:  # noqa: BLE001
        code = 70
    finally:
        os._exit(code)


_worker: _Worker | None = None
_lock = threading.Lock()
atexit.register(lambda: reset())  # the child ends with its parent, and is waited for


def run(fn, *args, on_crash):
    """``fn(*args)`` (``fn`` a module-level function) in the reading child; its result, its
    exception re-raised here, or ``on_crash()`` when the child died on it (a new child serves the
    next call)."""
    global _worker
    if not available():
        return fn(*args)
    try:
        request = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError):  # not sendable (a local function): run here
        return fn(*args)
    with _lock:
        if _worker is not None and _worker.owner != os.getpid():  # inherited through a fork: not ours
            _worker = None
        if _worker is None:
            _worker = _Worker()
        data = _worker.call(request)
        if data is None:
            _worker.close()
            _worker = None
            return on_crash()
    ok, value = pickle.loads(data)
    if ok:
        return value
    raise value


def reset() -> None:
    """End the reading child (the next call forks a new one from the process as it is now)."""
    global _worker
    with _lock:
        if _worker is not None and _worker.owner == os.getpid():
            _worker.close()
        _worker = None
