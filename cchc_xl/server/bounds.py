"""The server's bounds on what an agency may have checked and stored (``schemas/limits.json``).

- ``check.max_cells`` and ``check.seconds``: a check (and an annotated copy) beyond them is
  refused with the declared reason (the cell budget inside the worker, ``budget``; the time
  budget by the worker's slot, ``worker.Workers``);
- ``check.waiting_per_agency``: checks an agency may have at once, from arrival to answer (429
  beyond);
- ``storage.mb_per_agency_round``: bytes of uploads an agency may store in one round (409 beyond).
"""

from __future__ import annotations

import contextlib
import threading

from cchc_xl import spec
from cchc_xl.numtext import format_number
from cchc_xl.server.errors import MB, ServiceError

_reserved: dict[int, int] = {}  # agency id → bytes of uploads being stored right now (not yet recorded)
_checks: dict[int, int] = {}  # agency id → its uploads and button clicks between arrival and answer
_lock = threading.Lock()


def check() -> dict:
    return spec.limits()["check"]


def message(key: str, **values) -> str:
    return spec.limits()["messages"][key].format(**values)


def max_cells() -> int:
    return int(check()["max_cells"])


def quota_bytes() -> int:
    return int(spec.limits()["storage"]["mb_per_agency_round"] * MB)


def _mb(n: int) -> str:
    return format_number(round(n / MB, 1))


@contextlib.contextmanager
def admitted(agency):
    """One more check of the agency, from its arrival to its answer; 429 with the declared reason
    when it already has ``waiting_per_agency`` of them (stored, waiting or being checked)."""
    with _lock:
        waiting = _checks.get(agency["id"], 0)
        if waiting >= int(check()["waiting_per_agency"]):
            raise ServiceError(message("busy", waiting=waiting), 429)
        _checks[agency["id"]] = waiting + 1
    try:
        yield
    finally:
        with _lock:
            left = _checks.get(agency["id"], 0) - 1
            if left > 0:
                _checks[agency["id"]] = left
            else:
                _checks.pop(agency["id"], None)


@contextlib.contextmanager
def storage_reserved(store, agency, size: int):
    """Hold ``size`` bytes of the agency's quota for the round while its upload is stored and
    recorded; 409 with the declared reason when they do not fit."""
    used = store.one("SELECT COALESCE(SUM(size), 0) AS n FROM submissions WHERE agency_id=?", agency["id"])["n"]
    quota = quota_bytes()
    with _lock:
        used += _reserved.get(agency["id"], 0)
        if used + size > quota:
            raise ServiceError(message("quota", used=_mb(used), quota=_mb(quota), size=_mb(size)), 409)
        _reserved[agency["id"]] = _reserved.get(agency["id"], 0) + size
    try:
        yield
    finally:
        with _lock:
            left = _reserved.get(agency["id"], 0) - size
            if left > 0:
                _reserved[agency["id"]] = left
            else:
                _reserved.pop(agency["id"], None)


def crash_reason(exc) -> str:
    """The declared reason of a check the worker could not finish (``worker.Crashed``)."""
    if getattr(exc, "timed_out", False):
        return message("too_slow", seconds=format_number(exc.seconds or check()["seconds"]))
    return message("crashed")
