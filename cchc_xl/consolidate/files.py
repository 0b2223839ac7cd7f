"""Finding the files of a submission folder and reading them (in worker processes).

Every file found gets a ``FileEntry``; the readable workbooks are read and checked by
``read_files``, which never lets one bad file stop the batch."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from cchc_xl import spec
from cchc_xl.files.boundary import SUPPORTED_SUFFIXES

STATUSES = ("accepted", "rejected", "duplicate", "skipped")
STATUS_LABELS = {"accepted": "Được tổng hợp", "rejected": "Bị loại", "duplicate": "Bản trùng, không dùng",
                 "skipped": "Bỏ qua"}
REMEDIATION_KEYS = ("hoan_thanh", "dang_thuc_hien", "chua_thuc_hien", "khong_the_thuc_hien")
UNKNOWN_STATUS = "chua_ro"
OPEN_STATUSES = ("dang_thuc_hien", "chua_thuc_hien")


class ConsolidationError(Exception):
    """An input of the consolidation cannot be used (one Vietnamese line naming the file)."""


# ---- finding files -------------------------------------------------------------------------

@dataclass
class FileEntry:
    """One file found under the input folder and what became of it."""

    file: str  # path relative to the input folder, with "/"
    path: Path
    status: str = "accepted"
    reason: str | None = None
    agency: str | None = None  # the name shown (the registry's spelling when matched)
    reported_name: str | None = None
    agency_code: str | None = None
    level: str | None = None
    criteria_year: int | None = None
    period: tuple[int, str] | None = None
    report_number: str | None = None
    report_date: dt.date | None = None
    errors: int = 0
    warnings: int = 0
    issues: list[tuple] = field(default_factory=list)  # (severity, code, message, sheet, cell, field)
    report: dict | None = None
    mtime: float = 0.0
    registry_index: int | None = None
    identity: str | None = None  # "registry:<row>" or "agency:<n>" (identity.group_keys): one per agency
    matched_by: str | None = None  # how the registry row was found (identity.Match.how)

    def to_json(self) -> dict:
        return {
            "file": self.file, "status": self.status, "agency": self.agency, "errors": self.errors,
            "warnings": self.warnings, "reason": self.reason,
            "in_registry": (self.registry_index is not None) if self.status == "accepted" else None,
        }


def find_files(input_dir: str | os.PathLike, exclude: Iterable[str | os.PathLike] = ()) -> list[FileEntry]:
    """Every file under ``input_dir`` (recursively, sorted); those not to read are already ``skipped``.

    Hidden folders (name starting with ".") are not entered; each is listed once as skipped.
    """
    root = Path(input_dir)
    excluded = {_resolve(p) for p in exclude}
    found: list[FileEntry] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            if d.startswith(".") or _hidden_attr(here / d):
                rel = (here / d).relative_to(root).as_posix() + "/"
                found.append(FileEntry(rel, here / d, "skipped", "thư mục ẩn, không đọc các tệp bên trong"))
            else:
                keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            path = here / name
            rel = path.relative_to(root).as_posix()
            entry = FileEntry(rel, path)
            suffix = path.suffix.lower()
            if name.startswith("~$"):
                entry.status, entry.reason = "skipped", "tệp khóa tạm của Office (tệp gốc đang mở trong Excel)"
            elif name.startswith(".") or _hidden_attr(path):
                entry.status, entry.reason = "skipped", "tệp ẩn"
            elif _resolve(path) in excluded:
                entry.status, entry.reason = "skipped", "tệp kết quả của chính lần tổng hợp này"
            elif suffix not in SUPPORTED_SUFFIXES:
                what = f"đuôi {suffix}" if suffix else "không có đuôi tệp"
                entry.status, entry.reason = "skipped", f"không phải bảng tính Excel ({what})"
            found.append(entry)
    found.sort(key=lambda e: e.file)
    return found


def _resolve(p) -> str:
    try:
        return str(Path(p).resolve())
    except (OSError, RuntimeError):  # RuntimeError: a symbolic-link loop
        return str(Path(p).absolute())


def _hidden_attr(path: Path) -> bool:
    """The Windows "hidden" attribute (always False elsewhere)."""
    try:
        attrs = getattr(os.stat(path, follow_symlinks=False), "st_file_attributes", 0)
    except (OSError, RuntimeError):  # RuntimeError: a symbolic-link loop
        return False
    return bool(attrs & 2)


# ---- reading (in worker processes) ---------------------------------------------------------

def warm(catalog_dirs: list[str] | None = None) -> None:
    """Load what every file needs once per process: schemas, catalogs, the JSON Schema validator."""
    if catalog_dirs:
        spec.set_catalog_dirs(catalog_dirs)
    spec.sheets()
    spec.load("issues")
    spec.load("enums")
    for lv in spec.levels():
        for year in spec.criteria_years(lv["key"]):
            try:
                spec.catalog(lv["key"], year)
            except spec.SpecError:
                pass
    try:
        from cchc_xl.check import validate

        validate._schema_validator()
    except Exception:  # warming is an optimisation only
        pass


def _reader_process(catalog_dirs: list[str] | None = None) -> None:
    """A reading worker of the consolidation: itself the isolated, memory-capped reader (no second
    child per file), with warm caches."""
    from cchc_xl.files import isolate

    isolate.become_reader()
    warm(catalog_dirs)


def read_one(path: str, display: str) -> dict:
    """Read and check one workbook into a small picklable record; never raises."""
    try:
        from cchc_xl.check.validate import validate_file

        rep = validate_file(path, display=display)
        issues = [(i.severity, i.code, i.message, i.sheet, i.cell, i.field) for i in rep.issues]
        out = {"file": display, "unreadable": rep.unreadable, "issues": issues, "report": None}
        if rep.result is not None:
            out["report"] = rep.result.report
            cat = rep.result.catalog
            out["level"] = cat.level if cat else (rep.result.meta or {}).get("level")
            out["criteria_year"] = cat.criteria_year if cat else None
        return out
    except BaseException as exc:  # noqa: BLE001 - one bad file never stops the batch
        if isinstance(exc, KeyboardInterrupt):
            raise
        from cchc_xl.spec.issues import make
        return {"file": display, "unreadable": True, "report": None,
                "issues": [("error", "unreadable",
                            make("unreadable", variant="unexpected", file=Path(path).name, error=type(exc).__name__).message,
                            None, None, None)]}


def _read_chunk(items: list[tuple[str, str]]) -> list[dict]:
    return [read_one(p, d) for p, d in items]


def _crashed(display: str) -> dict:
    from cchc_xl.files.isolate import CRASH_REASON

    return {"file": display, "unreadable": True, "report": None,
            "issues": [("error", "unreadable", f"{Path(display).name}: {CRASH_REASON}", None, None, None)]}


def default_jobs() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def read_files(items: list[tuple[str, str]], jobs: int | None = None,
               on_progress: Callable[[int, int], None] | None = None) -> dict[str, dict]:
    """Read ``(path, display)`` pairs, in ``jobs`` processes; display → record.

    A worker that dies (a file crashing the reading library) costs only that file: the others
    of its batch are read again, one at a time, in a fresh process.
    """
    jobs = default_jobs() if jobs is None else max(1, int(jobs))
    total = len(items)
    results: dict[str, dict] = {}

    def done(rec):
        results[rec["file"]] = rec
        if on_progress:
            on_progress(len(results), total)

    if jobs == 1 or total < 4:
        warm()
        for p, d in items:
            done(read_one(p, d))
        return results

    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    dirs = [str(d) for d in spec._extra_catalog_dirs]
    warm()  # with "fork" the workers inherit warm caches
    size = max(1, min(12, total // (jobs * 6)))
    chunks = [items[i:i + size] for i in range(0, total, size)]
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), initializer=_reader_process,
                                 initargs=(dirs,)) as ex:
            futures = {ex.submit(_read_chunk, c): c for c in chunks}
            for fut in as_completed(futures):
                try:
                    for rec in fut.result():
                        done(rec)
                except Exception:  # noqa: BLE001 - a worker died (BrokenProcessPool) or a record did not travel
                    pass
    except BrokenProcessPool:
        pass
    except (OSError, RuntimeError, ImportError):  # no worker processes here: read in this one
        for p, d in items:
            if d not in results:
                done(read_one(p, d))
        return results
    # what a dead worker left: one file at a time, in a fresh process after each crash
    ex = None
    try:
        for p, d in items:
            if d in results:
                continue
            if ex is None:
                ex = ProcessPoolExecutor(max_workers=1, initializer=_reader_process, initargs=(dirs,))
            try:
                done(ex.submit(_read_chunk, [(p, d)]).result()[0])
            except Exception:  # noqa: BLE001
                done(_crashed(d))
                ex.shutdown(wait=False, cancel_futures=True)
                ex = None
    finally:
        if ex is not None:
            ex.shutdown()
    return results

