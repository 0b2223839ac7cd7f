"""Tổng hợp: every agency workbook of a folder → one consolidated picture for the province.

Three layers, kept apart so that the command line, the Excel button and other programs share
the same computation:

1. ``consolidate(input_dir, …) -> Consolidation`` finds and reads the files (in parallel
   processes), gives every file exactly one status and collects what the accepted files hold
   as plain records, offered as pandas DataFrames too. Nothing here knows about workbooks.
2. ``sheet_tables(consolidation) -> list[SheetTable]`` turns them into the output sheets as
   plain tables (title, notes, header, rows of Python values); a live xlwings workbook can be
   filled from them as well as a file.
3. ``write_consolidated_workbook(consolidation, out)`` lays the tables out with openpyxl
   (print setup, frozen headers, Excel tables, charts) and writes the file atomically.

``run_consolidation`` glues them for ``cchc-xl consolidate`` and prints a Vietnamese summary.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import math
import os
import re
import statistics
import sys
import time
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from . import spec
from .normalize import fold, format_number, parse_deadline
from .reader import SUPPORTED_SUFFIXES
from .cycle.compare import BASIS_KEY, basis, compare, comparison_table
from .model import os_reason

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
    identity: str | None = None

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
    except OSError:
        return str(Path(p).absolute())


def _hidden_attr(path: Path) -> bool:
    """The Windows "hidden" attribute (always False elsewhere)."""
    try:
        attrs = getattr(os.stat(path, follow_symlinks=False), "st_file_attributes", 0)
    except OSError:
        return False
    return bool(attrs & 2)


# ---- reading (in worker processes) ---------------------------------------------------------

def _warm(catalog_dirs: list[str] | None = None, worker: bool = False) -> None:
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
        from . import validate

        validate._schema_validator()
    except Exception:  # warming is an optimisation only
        pass


def read_one(path: str, display: str) -> dict:
    """Read and check one workbook into a small picklable record; never raises."""
    try:
        from .validate import validate_file

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
        return {"file": display, "unreadable": True, "report": None,
                "issues": [("error", "unreadable",
                            f"{Path(path).name}: lỗi không lường trước khi đọc tệp ({type(exc).__name__})",
                            None, None, None)]}


def _read_chunk(items: list[tuple[str, str]]) -> list[dict]:
    return [read_one(p, d) for p, d in items]


def _crashed(display: str) -> dict:
    return {"file": display, "unreadable": True, "report": None,
            "issues": [("error", "unreadable",
                        f"{Path(display).name}: tệp làm trình đọc dừng đột ngột (tệp hỏng hoặc quá lớn)",
                        None, None, None)]}


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
        _warm()
        for p, d in items:
            done(read_one(p, d))
        return results

    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    dirs = [str(d) for d in spec._extra_catalog_dirs]
    _warm()  # with "fork" the workers inherit warm caches
    size = max(1, min(12, total // (jobs * 6)))
    chunks = [items[i:i + size] for i in range(0, total, size)]
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), initializer=_warm,
                                 initargs=(dirs, True)) as ex:
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
                ex = ProcessPoolExecutor(max_workers=1, initializer=_warm, initargs=(dirs, True))
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


# ---- the consolidation ---------------------------------------------------------------------

FRAME_COLUMNS = {
    "agencies": ["aid", "agency", "reported_name", "code", "level", "file", "report_number", "report_date", "errors",
                 "warnings", "in_registry", "criteria_year", "not_applicable"],
    "areas": ["aid", "agency", "level", "code", "name", "max_score", "score"],
    "deductions": ["aid", "agency", "level", "code", "name", "max_score", "catalog_max", "max_used", "score", "lost",
                   "reason"],
    "remediation": ["aid", "agency", "level", "code", "issue", "solution", "deadline", "due", "deadline_kind",
                    "status", "status_raw", "overdue", "progress", "note", "carried_from"],
    "indicators": ["aid", "agency", "level", "code", "value", "note", "kind", "group", "known"],
    "propaganda": ["aid", "agency", "level", "code", "value", "note", "kind", "group", "known"],
    "issues": ["file", "agency", "status", "severity", "code", "sheet", "cell", "field", "message"],
}


@dataclass
class Consolidation:
    """What a folder of submissions holds, ready to be written or summarised.

    ``records`` holds, per table, one plain dict per row of the accepted files (``issues``: of
    every file); the same tables are offered as pandas DataFrames (``agencies``, ``areas``,
    ``deductions``, ``remediation``, ``indicators``, ``propaganda``, ``issues``), built on first
    use. ``files`` lists every file found with its status.
    """

    period: dict
    files: list[FileEntry]
    registry: list | None
    missing_agencies: list[str]
    records: dict[str, list[dict]]
    input_dir: str = ""
    made: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)  # seconds per phase: find, read, build, write
    previous: dict | None = None  # a previous consolidation's summary, for the comparison sheet
    _memo: dict = field(default_factory=dict, repr=False)

    def frame(self, name: str) -> "pd.DataFrame":  # noqa: F821
        """One table as a DataFrame (object columns: values stay as read, None stays None)."""
        if name not in self._memo:
            import pandas as pd

            cols = FRAME_COLUMNS[name]
            rows = self.records.get(name) or []
            data = {col: pd.Series([r.get(col) for r in rows], dtype=object) for col in cols}
            self._memo[name] = pd.DataFrame(data, columns=cols)
        return self._memo[name]

    agencies = property(lambda self: self.frame("agencies"))
    areas = property(lambda self: self.frame("areas"))
    deductions = property(lambda self: self.frame("deductions"))
    remediation = property(lambda self: self.frame("remediation"))
    indicators = property(lambda self: self.frame("indicators"))
    propaganda = property(lambda self: self.frame("propaganda"))
    issues = property(lambda self: self.frame("issues"))

    @property
    def accepted(self) -> list[FileEntry]:
        return [f for f in self.files if f.status == "accepted"]

    @property
    def reports(self) -> list[dict]:
        """The canonical reports of the accepted files (for the provincial appendix)."""
        return [f.report for f in self.accepted]

    @property
    def period_words(self) -> str:
        if self.period.get("year") and self.period.get("kind"):
            return spec.period_words(self.period["kind"], self.period["year"])
        return "(chưa xác định kỳ)"

    def memo(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def summary(self) -> dict:
        """The consolidation summary of INTERFACES.md (plus a few extra keys)."""
        rec = self.records
        rem = rec["remediation"]
        st = Counter(r["status"] for r in rem)
        by_status = {k: st.get(k, 0) for k in REMEDIATION_KEYS}
        unknown = len(rem) - sum(by_status.values())
        if unknown:
            by_status[UNKNOWN_STATUS] = unknown
        return {
            "period": {"year": self.period.get("year"), "kind": self.period.get("kind")},
            "files": [f.to_json() for f in self.files],
            "missing_agencies": list(self.missing_agencies),
            "counts": {
                "deductions": len(rec["deductions"]),
                "remediation": len(rem),
                "indicator_values": sum(1 for r in rec["indicators"] if r["value"] is not None),
                "propaganda_values": sum(1 for r in rec["propaganda"] if r["value"] is not None),
                "areas": len(rec["areas"]),
                "issues": len(rec["issues"]),
                "agencies": len(rec["agencies"]),
            },
            "remediation_by_status": by_status,
            "remediation_overdue": sum(1 for r in rem if r["overdue"]),
            "indicator_totals": indicator_totals(self),
            "unregistered_agencies": [f.agency for f in self.accepted if f.registry_index is None]
            if self.registry is not None else [],
            **self.memo("comparison_basis", lambda: {BASIS_KEY: comparison_basis(self)}),
        }

    def comparison(self) -> dict | None:
        """This period beside the previous summary's (``cycle.compare``), when one was given."""
        if self.previous is None:
            return None
        return self.memo("comparison", lambda: compare(comparison_basis(self), self.previous[BASIS_KEY],
                                                       former_names_of(self.registry)))


def comparison_basis(c: Consolidation) -> dict:
    return basis(area_scores(c)[1], c.records["deductions"], c.records["remediation"], c.records["agencies"],
                 c.period)


def former_names_of(registry) -> dict[str, tuple[str, ...]]:
    """Today's agency name → its former names, from the registry (``ten_cu``)."""
    return {a.name: tuple(getattr(a, "former_names", ()) or ()) for a in registry or []}


def _with_former_names(agencies, registry):
    """The registry's agencies with their former names read from its ``ten_cu`` column."""
    if not agencies or not isinstance(registry, (str, os.PathLike)):
        return agencies
    from .registry import former_names

    olds = former_names(registry)
    for a in agencies:
        if olds.get(a.name) and not getattr(a, "former_names", None):
            object.__setattr__(a, "former_names", olds[a.name])
    return agencies


def _load_registry(registry):
    if registry is None:
        return None
    from .registry import Agency, RegistryError, load_registry

    if isinstance(registry, (list, tuple)):
        return [a if isinstance(a, Agency) else Agency(**a) for a in registry]
    try:
        return _with_former_names(load_registry(registry), registry)
    except RegistryError as exc:
        raise ConsolidationError(str(exc)) from None


def consolidate(input_dir: str | os.PathLike, registry=None, year: int | None = None, kind: str | None = None,
                strict: bool = False, jobs: int | None = None,
                on_progress: Callable[[int, int], None] | None = None,
                exclude: Iterable[str | os.PathLike] = ()) -> Consolidation:
    """Read every workbook under ``input_dir`` and consolidate the accepted ones.

    ``registry``: a CSV/Excel path or a list of ``registry.Agency``. ``year``/``kind`` fix the
    period (else the most common one among the readable files). ``strict`` rejects files that
    still have errors. Raises ConsolidationError only for unusable inputs (folder, registry).
    """
    start = time.perf_counter()
    root = Path(input_dir)
    if not root.is_dir():
        raise ConsolidationError(f"{input_dir}: không phải thư mục hoặc không tồn tại")
    agencies = _load_registry(registry)
    files = find_files(root, exclude)
    to_read = [f for f in files if f.status == "accepted"]
    t_found = time.perf_counter()
    records = read_files([(str(f.path), f.file) for f in to_read], jobs, on_progress)
    t_read = time.perf_counter()
    index = None
    if agencies is not None:
        from .registry import RegistryIndex

        index = RegistryIndex(agencies)
    for f in to_read:
        _apply_record(f, records.get(f.file) or _crashed(f.file), index)
    period = _choose_period([f for f in to_read if f.status == "accepted"], year, kind)
    _decide(to_read, period, strict)
    cons = _build(files, period, agencies, str(root))
    end = time.perf_counter()
    cons.seconds = end - start
    cons.timings = {"find": t_found - start, "read": t_read - t_found, "build": end - t_read}
    return cons


def _strip_name(message: str, display: str) -> str:
    name = Path(display).name
    return message[len(name) + 2:] if message.startswith(name + ": ") else message


def _apply_record(f: FileEntry, rec: dict, index) -> None:
    f.issues = [tuple(i) for i in rec["issues"]]
    f.errors = sum(1 for i in f.issues if i[0] == "error")
    f.warnings = len(f.issues) - f.errors
    try:
        f.mtime = f.path.stat().st_mtime
    except OSError:
        f.mtime = 0.0
    if rec.get("unreadable") or not rec.get("report"):
        f.status = "rejected"
        first = f.issues[0] if f.issues else ("error", "unreadable", "không đọc được tệp")
        reason = _strip_name(first[2], f.file)
        if first[1] == "wrong_template":
            reason = f"không phải biểu mẫu báo cáo CCHC của cchc-xl: {reason[0].lower()}{reason[1:]}" \
                if "biểu mẫu" not in reason else reason
        f.reason = reason
        return
    doc = rec["report"]
    f.report = doc
    agency = doc.get("agency") or {}
    f.reported_name = agency.get("name") if isinstance(agency.get("name"), str) else None
    f.agency_code = agency.get("code") if isinstance(agency.get("code"), str) else None
    f.level = rec.get("level") or agency.get("level")
    f.criteria_year = rec.get("criteria_year")
    rep = doc.get("report") or {}
    f.report_number = rep.get("number")
    try:
        f.report_date = dt.date.fromisoformat(rep["date"]) if isinstance(rep.get("date"), str) else None
    except ValueError:
        f.report_date = None
    per = doc.get("period") or {}
    kinds = {p["key"] for p in spec.period_kinds()}
    if isinstance(per.get("year"), int) and per.get("kind") in kinds:
        f.period = (per["year"], per["kind"])
    f.agency = f.reported_name
    if index is not None:
        i = index.match(f.reported_name, f.agency_code, f.level)
        if i is not None:
            f.registry_index = i
            f.agency = index.agencies[i].name
    from .registry import code_key, name_key

    if f.registry_index is not None:
        f.identity = f"registry:{f.registry_index}"
    elif f.reported_name:
        f.identity = f"name:{name_key(f.reported_name)}"
    elif f.agency_code:
        f.identity = f"code:{code_key(f.agency_code)}"
        f.agency = f.agency_code
    if f.identity is None:
        f.status, f.reason = "rejected", "không ghi tên cơ quan (trang Thông tin)"
    elif f.period is None:
        f.status, f.reason = "rejected", "không ghi đủ năm và kỳ báo cáo (trang Thông tin)"


def _period_key(p: tuple[int, str]):
    order = {k["key"]: (k["end"], i) for i, k in enumerate(spec.period_kinds())}
    return (p[0], order.get(p[1], ("", 0)))


def _choose_period(readable: list[FileEntry], year: int | None, kind: str | None) -> dict:
    periods = Counter(f.period for f in readable if f.period)
    if year is not None and kind is not None:
        return {"year": year, "kind": kind}
    cands = [(p, n) for p, n in periods.items()
             if (year is None or p[0] == year) and (kind is None or p[1] == kind)]
    if not cands:
        return {"year": year, "kind": kind}
    best = max(cands, key=lambda pn: (pn[1], _period_key(pn[0])))[0]
    return {"year": best[0], "kind": best[1]}


def _date_vn(d: dt.date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def _decide(entries: list[FileEntry], period: dict, strict: bool) -> None:
    want = (period.get("year"), period.get("kind"))
    if all(want):
        words = spec.period_words(want[1], want[0])
    elif want[0]:
        words = f"các kỳ báo cáo năm {want[0]}"
    else:
        words = spec.label_of("period_kinds", want[1]) if want[1] else None
    live = []
    for f in entries:
        if f.status != "accepted":
            continue
        if f.period != want:
            other = spec.period_words(f.period[1], f.period[0])
            f.status = "rejected"
            f.reason = f"báo cáo kỳ {other}, không phải kỳ đang tổng hợp ({words or 'chưa xác định'})"
        elif strict and f.errors:
            f.status = "rejected"
            f.reason = f"còn {f.errors} lỗi (chế độ --strict chỉ tổng hợp tệp không có lỗi)"
        else:
            live.append(f)
    groups: dict[str, list[FileEntry]] = defaultdict(list)
    for f in live:
        groups[f.identity].append(f)
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda f: (f.report_date or dt.date.min, f.mtime, f.file), reverse=True)
        win = group[0]
        for f in group[1:]:
            f.status = "duplicate"
            if (win.report_date or dt.date.min) != (f.report_date or dt.date.min):
                why = (f"ngày báo cáo {_date_vn(win.report_date)} muộn hơn"
                       + (f" {_date_vn(f.report_date)}" if f.report_date else " (tệp này không ghi ngày)"))
            elif win.mtime != f.mtime:
                why = "cùng ngày báo cáo, tệp được giữ sửa đổi sau"
            else:
                why = "cùng ngày báo cáo và thời điểm sửa đổi; giữ tệp theo thứ tự tên"
            f.reason = f"trùng cơ quan “{win.agency}” với tệp {win.file}, tệp đó được dùng ({why})"


# ---- frames --------------------------------------------------------------------------------

def _num(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


def _tidy(x):
    if x is None:
        return None
    x = round(float(x), 6)
    return int(x) if x.is_integer() else x


def _period_end(kind: str, year: int) -> dt.date:
    try:
        return spec.period_bound(kind, year, "end")
    except KeyError:
        return dt.date(year, 12, 31)


LEVEL_ORDER = {"so": 0, "huyen": 1, "xa": 2}


def _build(files: list[FileEntry], period: dict, registry, input_dir: str) -> Consolidation:
    accepted = [f for f in files if f.status == "accepted"]
    accepted.sort(key=lambda f: (LEVEL_ORDER.get(f.level, 9),
                                 f.registry_index if f.registry_index is not None else 10 ** 6,
                                 fold(f.agency)))
    ag_rows, area_rows, ded_rows, rem_rows, ind_rows, pro_rows = [], [], [], [], [], []
    for aid, f in enumerate(accepted):
        doc = f.report
        level = f.level if f.level in LEVEL_ORDER else "so"
        cat = spec.catalog(level, f.criteria_year)
        ag_rows.append({"aid": aid, "agency": f.agency, "reported_name": f.reported_name, "code": f.agency_code,
                        "level": level, "file": f.file, "report_number": f.report_number,
                        "report_date": f.report_date, "errors": f.errors, "warnings": f.warnings,
                        "in_registry": f.registry_index is not None, "criteria_year": cat.criteria_year,
                        "not_applicable": list(doc.get("not_applicable") or [])})
        base = {"aid": aid, "agency": f.agency, "level": level}
        for a in doc.get("areas") or []:
            mx = _num(a.get("max_score"))
            if mx is None:
                mx = _num(cat.max_score(a.get("code")))
            area_rows.append({**base, "code": a.get("code"), "name": a.get("name") or cat.criterion_name(a.get("code")),
                              "max_score": mx, "score": a.get("score")})
        for d in doc.get("deductions") or []:
            code = d.get("code")
            cmax = _num(cat.max_score(code))
            mx = _num(d.get("max_score"))
            used = mx if mx is not None else cmax
            sc = _num(d.get("score"))
            lost = _tidy(used - sc) if used is not None and sc is not None else None
            ded_rows.append({**base, "code": code, "name": d.get("name") or cat.criterion_name(code),
                             "max_score": d.get("max_score"), "catalog_max": cmax, "max_used": used,
                             "score": d.get("score"), "lost": lost, "reason": d.get("reason")})
        year = period.get("year") if isinstance(period.get("year"), int) else None
        ref = f.report_date or (_period_end(f.period[1], f.period[0]) if f.period else None)
        for it in doc.get("remediation") or []:
            status = it.get("status")
            due = None
            if isinstance(it.get("due_date"), str):
                try:
                    due = dt.date.fromisoformat(it["due_date"])
                except ValueError:
                    due = None
            deadline_kind = "date" if due else None
            if due is None and it.get("deadline"):
                dl = parse_deadline(it["deadline"], year)
                due, deadline_kind = dl.due, dl.kind
            overdue = bool(status in OPEN_STATUSES and due and ref and due < ref)
            rem_rows.append({**base, "code": it.get("code"), "issue": it.get("issue"), "solution": it.get("solution"),
                             "deadline": it.get("deadline"), "due": due, "deadline_kind": deadline_kind,
                             "status": status if status in REMEDIATION_KEYS else (status or UNKNOWN_STATUS),
                             "status_raw": status, "overdue": overdue, "progress": it.get("progress"),
                             "note": it.get("note"), "carried_from": it.get("carried_from")})
        for which, rows, by_code in (("indicators", ind_rows, cat.indicator_by_code),
                                     ("propaganda", pro_rows, cat.propaganda_by_code)):
            for code, v in (doc.get(which) or {}).items():
                row = by_code.get(code) or {}
                rows.append({**base, "code": code, "value": (v or {}).get("value"), "note": (v or {}).get("note"),
                             "kind": row.get("kind"), "group": bool(row.get("group")), "known": bool(row)})
    issue_rows = []
    for f in files:
        for sev, code, msg, sheet, cell, fld in f.issues:
            issue_rows.append({"file": f.file, "agency": f.agency, "status": f.status, "severity": sev, "code": code,
                               "sheet": sheet, "cell": cell, "field": fld, "message": msg})

    missing = []
    if registry is not None:
        got = {f.registry_index for f in accepted if f.registry_index is not None}
        missing = [a.name for i, a in enumerate(registry) if i not in got]
    records = {"agencies": ag_rows, "areas": area_rows, "deductions": ded_rows, "remediation": rem_rows,
               "indicators": ind_rows, "propaganda": pro_rows, "issues": issue_rows}
    return Consolidation(period=period, files=files, registry=registry, missing_agencies=missing, records=records,
                         input_dir=input_dir)


# ---- aggregation ---------------------------------------------------------------------------

def _levels_present(c: Consolidation) -> list[str]:
    return sorted({a["level"] for a in c.records["agencies"]}, key=lambda lv: LEVEL_ORDER.get(lv, 9))


def _catalog_for(c: Consolidation, level: str) -> spec.Catalog:
    def pick():
        years = Counter(a["criteria_year"] for a in c.records["agencies"] if a["level"] == level)
        return spec.catalog(level, years.most_common(1)[0][0] if years else None)

    return c.memo(("catalog", level), pick)


def _rule_of(row: dict) -> str:
    if row.get("aggregate"):
        return row["aggregate"]
    return {"count": "sum", "number": "sum", "percent": "stats", "choice": "choices", "text": "list"}.get(
        row.get("kind"), "none")


def _value_rows(c: Consolidation, which: str) -> list[dict]:
    """The catalog rows of the levels present (union, in catalog order), plus unknown codes."""
    rows, seen = [], set()
    levels = _levels_present(c) or ["so"]
    for lv in levels:
        cat = _catalog_for(c, lv)
        for r in (cat.indicators if which == "indicators" else cat.propaganda)["rows"]:
            if r["code"] not in seen:
                seen.add(r["code"])
                rows.append(r)
    extra = sorted({r["code"] for r in c.records[which]} - seen, key=_code_key)
    for code in extra:
        rows.append({"code": code, "name": "(Mã không có trong danh mục)", "kind": "text", "unknown": True})
    return rows


def _code_key(code):
    out = []
    for p in str(code or "").split("."):
        digits = "".join(ch for ch in p if ch.isdigit())
        out.append((int(digits) if digits else 0, p))
    return out


@dataclass
class Aggregate:
    code: str
    rule: str
    reporting: int = 0  # agencies with a usable value
    total: float | None = None
    minimum: float | None = None
    median: float | None = None
    maximum: float | None = None
    text: str = ""  # the aggregate in words ("Có: 15/20 cơ quan; …")
    ignored: int = 0  # values present but not usable for the rule


def aggregate_values(c: Consolidation, which: str = "indicators") -> list[tuple[dict, Aggregate | None]]:
    """Province aggregate of every catalog row, by the row's rule (groups give None)."""
    return c.memo(("aggregate", which), lambda: _aggregate_values(c, which))


def _aggregate_values(c: Consolidation, which: str) -> list[tuple[dict, Aggregate | None]]:
    by_code: dict[str, list] = defaultdict(list)
    for r in c.records[which]:
        by_code[r["code"]].append((r["value"], r["kind"], r["known"]))
    n_agencies = len(c.records["agencies"])
    out = []
    for row in _value_rows(c, which):
        if row.get("group"):
            out.append((row, None))
            continue
        rule = _rule_of(row)
        agg = Aggregate(row["code"], rule)
        vals = by_code.get(row["code"], [])
        if rule in ("sum", "stats"):
            nums = [v for v, k, _ in vals if _num(v) is not None and k in ("count", "number", "percent", None)]
            agg.reporting = len(nums)
            agg.ignored = sum(1 for v, _, _ in vals if v is not None) - len(nums)
            if nums:
                if rule == "sum":
                    agg.total = _tidy(math.fsum(nums))
                else:
                    agg.minimum, agg.maximum = _tidy(min(nums)), _tidy(max(nums))
                    agg.median = _tidy(statistics.median(nums))
                    unit = "%" if row.get("kind") == "percent" else ""
                    agg.text = (f"Thấp nhất {format_number(agg.minimum)}{unit}; trung vị "
                                f"{format_number(agg.median)}{unit}; cao nhất {format_number(agg.maximum)}{unit}")
        elif rule == "choices":
            labels = {ch["value"]: ch["label"] for ch in row.get("choices", [])}
            counts = Counter()
            other = 0
            for v, _, _ in vals:
                if v is None:
                    continue
                if isinstance(v, (int, float)) and not isinstance(v, bool) and v in labels:
                    counts[int(v)] += 1
                else:
                    other += 1
            agg.reporting = sum(counts.values())
            agg.ignored = other
            parts = [f"{labels[k]}: {counts.get(k, 0)}/{n_agencies} cơ quan" for k in labels]
            if other:
                parts.append(f"giá trị khác: {other}")
            agg.text = "; ".join(parts) if vals else ""
        elif rule == "list":
            texts = Counter()
            shown: dict[str, str] = {}
            for v, _, _ in vals:
                if v is None or v == "":
                    continue
                s = format_number(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
                k = fold(s)
                shown.setdefault(k, s)
                texts[k] += 1
            agg.reporting = sum(texts.values())
            items = [f"{shown[k]} ({n} cơ quan)" for k, n in texts.most_common(8)]
            if len(texts) > 8:
                items.append(f"… và {len(texts) - 8} câu trả lời khác")
            agg.text = "; ".join(items)
        out.append((row, agg))
    return out


def indicator_totals(c: Consolidation) -> dict:
    """Province total of every count-type (summed) indicator that at least one agency reported."""
    return {row["code"]: agg.total for row, agg in aggregate_values(c, "indicators")
            if agg is not None and agg.rule == "sum" and agg.total is not None}


def remediation_progress(c: Consolidation) -> list[dict]:
    """One record per accepted agency: items per status, completion rate, overdue; sorted."""
    stats: dict[int, Counter] = defaultdict(Counter)
    for r in c.records["remediation"]:
        st = r["status"] if r["status"] in REMEDIATION_KEYS else UNKNOWN_STATUS
        s = stats[r["aid"]]
        s[st] += 1
        s["total"] += 1
        s["overdue"] += int(bool(r["overdue"]))
    out = []
    for a in c.records["agencies"]:
        aid, agency, level = a["aid"], a["agency"], a["level"]
        s = stats.get(aid, Counter())
        total = s["total"]
        rate = s["hoan_thanh"] / total if total else None
        out.append({"aid": aid, "agency": agency, "level": level, "total": total,
                    **{k: s[k] for k in REMEDIATION_KEYS}, UNKNOWN_STATUS: s[UNKNOWN_STATUS],
                    "overdue": s["overdue"], "rate": rate})
    out.sort(key=lambda r: (-(r["rate"] if r["rate"] is not None else -1), -r["total"], fold(r["agency"])))
    return out


def _vn(n) -> str:
    """A count the Vietnamese way ("6.000")."""
    return format_number(n)


def progress_words(done: int, total: int) -> str:
    """Seed 002's wording: "13/25 tồn tại, đạt tỷ lệ 52%"."""
    if not total:
        return "Không có tồn tại phải khắc phục"
    return f"{_vn(done)}/{_vn(total)} tồn tại, đạt tỷ lệ {format_number(round(done * 100 / total, 2))}%"


def deductions_by_criterion(c: Consolidation) -> list[dict]:
    """Per (level, criterion): agencies deducted, points lost in all; most frequent first."""
    groups: dict[tuple, dict] = {}
    for r in c.records["deductions"]:
        aid, level, code, name, lost = r["aid"], r["level"], r["code"], r["name"], r["lost"]
        key = (level, code or "")
        g = groups.setdefault(key, {"level": level, "code": code, "name": None, "agencies": set(), "rows": 0,
                                    "lost": 0.0, "lost_known": 0})
        g["rows"] += 1
        if lost is None or (isinstance(lost, float) and math.isnan(lost)) or lost > 0:
            g["agencies"].add(aid)
        if lost is not None and not (isinstance(lost, float) and math.isnan(lost)):
            g["lost"] += lost
            g["lost_known"] += 1
        g["name"] = g["name"] or name
    out = []
    for (level, _), g in groups.items():
        cat = _catalog_for(c, level)
        name = cat.criterion_name(g["code"]) or g["name"]
        out.append({"level": level, "code": g["code"], "name": name, "agencies": len(g["agencies"]),
                    "rows": g["rows"], "lost": _tidy(g["lost"]) if g["lost_known"] else None,
                    "max": _num(cat.max_score(g["code"]))})
    out.sort(key=lambda r: (-r["agencies"], -(r["lost"] or 0), LEVEL_ORDER.get(r["level"], 9), _code_key(r["code"])))
    return out


def area_scores(c: Consolidation) -> tuple[list[str], list[dict]]:
    """Per agency that gave area totals: score per area, total, percentage, rank within its level."""
    a = c.records["areas"]
    if not a:
        return [], []
    codes = sorted({r["code"] for r in a if r["code"]}, key=_code_key)
    per: dict[int, dict] = {}
    for x in a:
        aid, agency, level, code, mx, score = x["aid"], x["agency"], x["level"], x["code"], x["max_score"], x["score"]
        rec = per.setdefault(aid, {"aid": aid, "agency": agency, "level": level, "scores": {}, "max": 0.0,
                                   "total": 0.0, "complete": True, "missing": []})
        sc = _num(score)
        rec["scores"][code] = score
        if sc is None or _num(mx) is None:
            rec["complete"] = False
            rec["missing"].append(code)
        else:
            rec["total"] += sc
            rec["max"] += mx
    rows = list(per.values())
    exempt = {ag["aid"]: set(ag.get("not_applicable") or ()) for ag in c.records["agencies"]}
    for r in rows:
        cat = _catalog_for(c, r["level"])
        # an area that does not apply to the agency is not expected (its maximum is left out)
        expected = [x["code"] for x in cat.criteria["areas"]
                    if x.get("max_score") is not None and x["code"] not in exempt.get(r["aid"], ())]
        absent = [code for code in expected if code not in r["scores"]]
        if absent:
            r["complete"] = False
            r["missing"].extend(absent)
        r["total"] = _tidy(r["total"])
        r["max"] = _tidy(r["max"])
        r["pct"] = round(r["total"] * 100 / r["max"], 2) if r["max"] else None
    by_level: dict[str, list] = defaultdict(list)
    for r in rows:
        if r["complete"] and r["pct"] is not None:
            by_level[r["level"]].append(r)
    for level, group in by_level.items():
        group.sort(key=lambda r: -r["pct"])
        for r in group:
            r["rank"] = 1 + sum(1 for o in group if o["pct"] > r["pct"] + 1e-9)
            r["of"] = len(group)
    for r in rows:
        r.setdefault("rank", None)
        r.setdefault("of", None)
        if r.get("rank"):
            r["words"] = (f"{format_number(r['total'])}/{format_number(r['max'])} điểm "
                          f"({r['pct']:.2f}%".replace(".", ",") + f"), xếp vị thứ {r['rank']}/{r['of']}")
        else:
            r["words"] = "Không xếp hạng: thiếu điểm lĩnh vực " + ", ".join(r["missing"])
    rows.sort(key=lambda r: (LEVEL_ORDER.get(r["level"], 9), r["rank"] or 10 ** 6, fold(r["agency"])))
    return codes, rows


# ---- sheets as plain tables ----------------------------------------------------------------

@dataclass
class Column:
    title: str
    width: float = 14
    kind: str = "text"  # text | long | int | number | score | rate | date | center
    total: object = None  # value of the total row in this column


@dataclass
class Chart:
    title: str
    category_col: int  # 1-based column of the labels
    value_cols: list[int]  # 1-based columns of the series
    rows: int  # number of data rows charted (from the first data row)
    first: int = 0  # offset of the first charted data row
    stacked: bool = False
    y_title: str | None = None
    percent: bool = False


@dataclass
class SheetTable:
    """One output sheet as plain data (title, notes, header, rows), independent of any library."""

    key: str
    name: str
    title: str
    columns: list[Column]
    rows: list[list]
    subtitle: str | None = None
    notes: list[str] = field(default_factory=list)
    total: list | None = None  # a bold last row ("Toàn tỉnh")
    chart: Chart | None = None
    excel_table: bool = False  # an Excel table with filter buttons
    freeze_cols: int = 0
    row_kinds: list[str | None] | None = None  # per row: None | "group" | "missing"
    fit_width: bool = True

    @property
    def header(self) -> list[str]:
        return [col.title for col in self.columns]

    @property
    def header_row(self) -> int:
        """1-based row of the header in the laid-out sheet (title, subtitle, notes, blank)."""
        return 2 + (1 if self.subtitle else 0) + len(self.notes) + 1

    def grid(self) -> list[list]:
        """The sheet as rows of equal length, in layout order (for a live workbook)."""
        n = len(self.columns)

        def pad(row):
            return list(row) + [None] * (n - len(row))

        out = [pad([self.title])]
        if self.subtitle:
            out.append(pad([self.subtitle]))
        out += [pad([note]) for note in self.notes]
        out.append(pad([]))
        out.append(self.header)
        out += [pad(r) for r in self.rows]
        if self.total:
            out.append(pad(self.total))
        return out


def _level_label(level) -> str:
    return {"so": "Sở, ban, ngành", "huyen": "UBND cấp huyện", "xa": "UBND cấp xã"}.get(level, level or "")


def _period_ref(ref) -> str | None:
    if isinstance(ref, dict) and ref.get("year") and ref.get("kind"):
        return spec.period_words(ref["kind"], ref["year"])
    return ref if isinstance(ref, str) and ref else None


def _status_label(status) -> str | None:
    if status in REMEDIATION_KEYS:
        return spec.label_of("statuses", status)
    if status == UNKNOWN_STATUS or not status:
        return "Chưa rõ"
    return str(status)


def _n(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def sheet_tables(c: Consolidation) -> list[SheetTable]:
    """Every output sheet as a plain table, in workbook order.

    When every agency consolidated is of one level, the "Cấp" column says nothing and is left
    out (except on the submission sheet, which also lists the registry).
    """
    tables = [
        _submissions_table(c),
        _progress_table(c),
        _items_table(c),
        _criteria_table(c),
        _criteria_matrix(c),
        _deductions_table(c),
        _scores_table(c),
        _indicator_summary(c),
        _values_matrix(c, "indicators"),
        _values_matrix(c, "propaganda"),
        _notes_table(c),
        _issues_table(c),
    ]
    if c.previous is not None:
        tables.insert(7, comparison_table(c.comparison(), c.previous.get("period"), c.period_words, _subtitle(c)))
    if len(_levels_present(c)) <= 1:
        for t in tables[1:]:
            for i, col in enumerate(t.columns):
                if col.title == "Cấp":
                    _drop_column(t, i)
                    break
    return tables


def _drop_column(t: SheetTable, i: int) -> None:
    def cut(row):
        return row[:i] + row[i + 1:] if row is not None and len(row) > i else row

    t.columns = cut(t.columns)
    t.rows = [cut(r) for r in t.rows]
    t.total = cut(t.total)
    if t.freeze_cols > i:
        t.freeze_cols -= 1
    if t.chart:
        col = i + 1
        t.chart.category_col -= t.chart.category_col > col
        t.chart.value_cols = [v - (v > col) for v in t.chart.value_cols]


def _subtitle(c: Consolidation) -> str:
    return (f"Kỳ báo cáo: {c.period_words}. Tổng hợp lúc {c.made.strftime('%H:%M ngày %d/%m/%Y')} "
            f"từ {_vn(len(c.accepted))} báo cáo được tổng hợp.")


def _submissions_table(c: Consolidation) -> SheetTable:
    counts = Counter(f.status for f in c.files)
    notes = [f"Số tệp tìm thấy: {_vn(len(c.files))} (được tổng hợp {_vn(counts['accepted'])}; bị loại "
             f"{_vn(counts['rejected'])}; bản trùng {_vn(counts['duplicate'])}; bỏ qua {_vn(counts['skipped'])})."]
    if c.registry is not None:
        n = len(c.registry)
        notes.append(f"Cơ quan trong danh sách: {_vn(n)}; đã có báo cáo được tổng hợp: "
                     f"{_vn(n - len(c.missing_agencies))}; chưa có: {_vn(len(c.missing_agencies))}"
                     + (f" ({', '.join(c.missing_agencies[:15])}{', …' if len(c.missing_agencies) > 15 else ''})."
                        if c.missing_agencies else "."))
        outside = [f.agency for f in c.accepted if f.registry_index is None]
        if outside:
            notes.append(f"Cơ quan không có trong danh sách nhưng vẫn được tổng hợp: {_vn(len(outside))}.")
    by_identity: dict[str, list[FileEntry]] = defaultdict(list)
    loose: list[FileEntry] = []
    for f in c.files:
        (by_identity[f.identity] if f.identity else loose).append(f)
    order = {"accepted": 0, "duplicate": 1, "rejected": 2, "skipped": 3}
    rows, kinds = [], []

    def agency_state(files: list[FileEntry], in_registry: bool | None) -> str:
        if any(f.status == "accepted" for f in files):
            return "Đã tổng hợp" if in_registry or in_registry is None else "Đã tổng hợp (ngoài danh sách)"
        if files:
            return "Chưa có báo cáo hợp lệ"
        return "Chưa nộp"

    def add(agency, level, state, f: FileEntry | None, note=None):
        reason = f.reason if f else None
        if note:
            reason = f"{reason}; {note}" if reason else note
        rows.append([len(rows) + 1, agency, _level_label(level), state,
                     f.file if f else None, STATUS_LABELS[f.status] if f else None,
                     f.report_number if f else None, f.report_date if f else None,
                     f.errors if f and f.status != "skipped" else None,
                     f.warnings if f and f.status != "skipped" else None, reason])
        kinds.append("missing" if f is None or state == "Chưa có báo cáo hợp lệ" else None)

    if c.registry is not None:
        for i, a in enumerate(c.registry):
            files = sorted(by_identity.pop(f"registry:{i}", []), key=lambda f: (order[f.status], f.file))
            state = agency_state(files, True)
            if not files:
                add(a.name, a.level, state, None, "không tìm thấy tệp báo cáo của cơ quan")
            for f in files:
                add(a.name, a.level or f.level, state, f)
    rest = sorted(by_identity.items(), key=lambda kv: (LEVEL_ORDER.get(kv[1][0].level, 9), fold(kv[1][0].agency)))
    for _, files in rest:
        files.sort(key=lambda f: (order[f.status], f.file))
        state = agency_state(files, False if c.registry is not None else None)
        note = "không có trong danh sách cơ quan phải báo cáo" if c.registry is not None else None
        for f in files:
            add(f.agency, f.level, state, f, note if f.status == "accepted" else None)
    for f in sorted(loose, key=lambda f: (order[f.status], f.file)):
        add(None, None, None, f)
    cols = [Column("TT", 5, "center"), Column("Cơ quan, đơn vị", 30), Column("Cấp", 13),
            Column("Báo cáo của cơ quan", 16), Column("Tệp", 30), Column("Kết quả xử lý tệp", 14),
            Column("Số báo cáo", 14), Column("Ngày báo cáo", 11, "date"), Column("Số lỗi", 7, "center"),
            Column("Số cảnh báo", 9, "center"), Column("Lý do, ghi chú", 46, "long")]
    return SheetTable("submissions", "Tình hình nộp", f"TÌNH HÌNH NỘP BÁO CÁO CCHC {c.period_words.upper()}", cols,
                      rows, _subtitle(c), notes, row_kinds=kinds, excel_table=True, freeze_cols=2)


def _progress_table(c: Consolidation) -> SheetTable:
    recs = remediation_progress(c)
    rows = []
    for i, r in enumerate(recs, 1):
        rows.append([i, r["agency"], _level_label(r["level"]), r["total"], r["hoan_thanh"], r["dang_thuc_hien"],
                     r["chua_thuc_hien"], r["khong_the_thuc_hien"], r[UNKNOWN_STATUS] or None, r["rate"],
                     r["overdue"], progress_words(r["hoan_thanh"], r["total"])])
    tot = Counter()
    for r in recs:
        for k in ("total", *REMEDIATION_KEYS, UNKNOWN_STATUS, "overdue"):
            tot[k] += r[k]
    total = [None, "Toàn tỉnh", None, tot["total"], tot["hoan_thanh"], tot["dang_thuc_hien"], tot["chua_thuc_hien"],
             tot["khong_the_thuc_hien"], tot[UNKNOWN_STATUS] or None,
             tot["hoan_thanh"] / tot["total"] if tot["total"] else None, tot["overdue"],
             progress_words(tot["hoan_thanh"], tot["total"])]
    cols = [Column("TT", 5, "center"), Column("Cơ quan, đơn vị", 32), Column("Cấp", 13),
            Column("Số tồn tại", 9, "int"), Column("Đã hoàn thành", 10, "int"), Column("Đang thực hiện", 10, "int"),
            Column("Chưa thực hiện", 10, "int"), Column("Không thể thực hiện", 10, "int"),
            Column("Chưa rõ tình trạng", 9, "int"), Column("Tỷ lệ hoàn thành", 10, "rate"),
            Column("Quá hạn", 8, "center"), Column("Kết quả", 34)]
    with_items = [r for r in recs if r["total"]]
    n = len(with_items)
    shown = min(n, 40)
    chart = None
    if shown:
        first = n - shown  # the lowest rates (the list is sorted from the highest)
        title = ("Tỷ lệ hoàn thành khắc phục theo cơ quan" if shown == n
                 else f"Tỷ lệ hoàn thành khắc phục: {shown} cơ quan thấp nhất")
        chart = Chart(title, 2, [10], shown, first=first, percent=True)
    notes = [f"Tổng số tồn tại, hạn chế: {_vn(tot['total'])}; đã hoàn thành {_vn(tot['hoan_thanh'])} "
             f"({progress_words(tot['hoan_thanh'], tot['total'])}); quá hạn chưa hoàn thành: {_vn(tot['overdue'])}.",
             "Quá hạn: tồn tại đang thực hiện hoặc chưa thực hiện có thời hạn trước ngày báo cáo "
             "(hoặc trước ngày cuối kỳ khi báo cáo không ghi ngày). Sắp xếp theo tỷ lệ hoàn thành giảm dần."]
    return SheetTable("progress", "Tiến độ khắc phục",
                      f"TIẾN ĐỘ KHẮC PHỤC TỒN TẠI, HẠN CHẾ THEO CƠ QUAN — {c.period_words.upper()}", cols, rows,
                      _subtitle(c), notes, total=total, chart=chart, freeze_cols=2)


def _items_table(c: Consolidation) -> SheetTable:
    rows = []
    for i, x in enumerate(c.records["remediation"], 1):
        rows.append([i, x["agency"], _level_label(x["level"]), x["code"], x["issue"], x["solution"], x["deadline"],
                     x["due"], _status_label(x["status"]), "Quá hạn" if x["overdue"] else None, x["progress"],
                     x["note"], _period_ref(x["carried_from"])])
    cols = [Column("TT", 5, "center"), Column("Cơ quan, đơn vị", 18), Column("Cấp", 10), Column("Mã tiêu chí", 7),
            Column("Tồn tại, hạn chế", 38, "long"), Column("Giải pháp khắc phục", 32, "long"),
            Column("Thời hạn", 11), Column("Hạn xác định", 10, "date"), Column("Tình trạng", 11),
            Column("Quá hạn", 7, "center"), Column("Tiến độ, kết quả thực hiện", 32, "long"),
            Column("Ghi chú", 12, "long"), Column("Chuyển từ kỳ trước", 11)]
    notes = ["Mỗi dòng là một tồn tại, hạn chế do cơ quan báo cáo. Dùng nút lọc ở dòng tiêu đề để xem theo cơ quan, "
             "tình trạng hoặc các tồn tại quá hạn; cột “Chuyển từ kỳ trước” ghi kỳ báo cáo mà tồn tại được "
             "chuyển sang."]
    return SheetTable("items", "Danh sách tồn tại", f"DANH SÁCH TỒN TẠI, HẠN CHẾ VÀ KẾT QUẢ KHẮC PHỤC — "
                      f"{c.period_words.upper()}", cols, rows, _subtitle(c), notes, excel_table=True, freeze_cols=2)


def _criteria_table(c: Consolidation) -> SheetTable:
    recs = deductions_by_criterion(c)
    n_ag = Counter(a["level"] for a in c.records["agencies"])
    rows = []
    for i, r in enumerate(recs, 1):
        avg = _tidy(r["lost"] / r["agencies"]) if r["lost"] is not None and r["agencies"] else None
        rows.append([i, _level_label(r["level"]), r["code"], r["name"], r["max"], r["agencies"],
                     f"{_vn(r['agencies'])}/{_vn(n_ag.get(r['level'], 0))} cơ quan", r["lost"], avg])
    cols = [Column("TT", 5, "center"), Column("Cấp", 13), Column("Mã tiêu chí", 9), Column("Tiêu chí", 50, "long"),
            Column("Điểm tối đa", 9, "score"), Column("Số cơ quan bị trừ điểm", 11, "int"),
            Column("Tỷ lệ cơ quan", 14), Column("Tổng điểm bị trừ", 11, "score"),
            Column("Bình quân mỗi cơ quan", 11, "score")]
    total_lost = _tidy(sum(r["lost"] or 0 for r in recs)) if recs else 0
    total = [None, None, "Cộng", f"{len(recs)} tiêu chí", None, None, None, total_lost, None]
    shown = min(len(recs), 20)
    chart = Chart("Số cơ quan bị trừ điểm theo tiêu chí" + ("" if shown == len(recs) else f" ({shown} tiêu chí "
                                                                                        "bị trừ nhiều nhất)"),
                  3, [6], shown) if shown else None
    notes = ["Sắp xếp theo số cơ quan bị trừ điểm giảm dần (tiêu chí bị trừ điểm nhiều nhất ở đầu). Điểm bị trừ = "
             "điểm tối đa − điểm đạt (điểm tối đa lấy theo Bộ tiêu chí khi báo cáo không ghi)."]
    return SheetTable("criteria", "Tiêu chí bị trừ điểm", f"CÁC TIÊU CHÍ BỊ TRỪ ĐIỂM — {c.period_words.upper()}",
                      cols, rows, _subtitle(c), notes, total=total, chart=chart)


def _agency_columns(c: Consolidation) -> list[tuple[int, str]]:
    return [(a["aid"], a["agency"]) for a in c.records["agencies"]]


def _criteria_matrix(c: Consolidation) -> SheetTable:
    agencies = _agency_columns(c)
    pos = {aid: i for i, (aid, _) in enumerate(agencies)}
    cells: dict[tuple, dict] = defaultdict(dict)
    names: dict[tuple, str] = {}
    for x in c.records["deductions"]:
        aid, level, code, name, lost, score = x["aid"], x["level"], x["code"], x["name"], x["lost"], x["score"]
        key = (level, code or "")
        names.setdefault(key, name)
        cur = cells[key].get(aid)
        val = _n(lost) if _n(lost) is not None else ("?" if score is None else score)
        if isinstance(cur, (int, float)) and isinstance(val, (int, float)):
            val = _tidy(cur + val)
        cells[key][aid] = val
    keys = sorted(cells, key=lambda k: (LEVEL_ORDER.get(k[0], 9), _code_key(k[1])))
    rows = []
    for i, key in enumerate(keys, 1):
        level, code = key
        cat = _catalog_for(c, level)
        row = [i, _level_label(level), code, cat.criterion_name(code) or names.get(key)]
        lost = [v for v in cells[key].values() if isinstance(v, (int, float))]
        row.append(_tidy(sum(lost)) if lost else None)
        vals = [None] * len(agencies)
        for aid, v in cells[key].items():
            vals[pos[aid]] = v
        rows.append(row + vals)
    cols = [Column("TT", 5, "center"), Column("Cấp", 12), Column("Mã tiêu chí", 9), Column("Tiêu chí", 40, "long"),
            Column("Tổng điểm bị trừ", 10, "score")]
    cols += [Column(name, 11, "score") for _, name in agencies]
    return SheetTable("criteria_matrix", "Điểm trừ theo cơ quan",
                      f"ĐIỂM BỊ TRỪ THEO TIÊU CHÍ VÀ CƠ QUAN — {c.period_words.upper()}", cols, rows, _subtitle(c),
                      ["Mỗi ô là số điểm cơ quan bị trừ ở tiêu chí (điểm tối đa − điểm đạt); ô trống: không bị trừ."],
                      freeze_cols=4, fit_width=len(agencies) <= 20)


def _deductions_table(c: Consolidation) -> SheetTable:
    rows = []
    for i, x in enumerate(c.records["deductions"], 1):
        shown_max = x["max_score"] if x["max_score"] is not None else x["max_used"]
        rows.append([i, x["agency"], _level_label(x["level"]), x["code"], x["name"], shown_max, x["score"], x["lost"],
                     x["reason"]])
    cols = [Column("TT", 6, "center"), Column("Cơ quan, đơn vị", 24), Column("Cấp", 12), Column("Mã tiêu chí", 9),
            Column("Tên tiêu chí", 36, "long"), Column("Điểm tối đa", 8, "score"), Column("Điểm đạt", 8, "score"),
            Column("Điểm bị trừ", 8, "score"), Column("Lý do bị trừ điểm", 50, "long")]
    return SheetTable("deductions", "Điểm bị trừ chi tiết",
                      f"CHI TIẾT CÁC TIÊU CHÍ BỊ TRỪ ĐIỂM CỦA TỪNG CƠ QUAN — {c.period_words.upper()}", cols, rows,
                      _subtitle(c), excel_table=True, freeze_cols=2)


def _scores_table(c: Consolidation) -> SheetTable:
    codes, recs = area_scores(c)
    rows = []
    for i, r in enumerate(recs, 1):
        rows.append([i, r["agency"], _level_label(r["level"]), *[r["scores"].get(code) for code in codes],
                     r["total"], r["max"], (r["pct"] / 100) if r["pct"] is not None else None, r["rank"], r["words"]])
    cols = [Column("TT", 5, "center"), Column("Cơ quan, đơn vị", 28), Column("Cấp", 12)]
    cols += [Column(f"Lĩnh vực {code}", 8, "score") for code in codes]
    cols += [Column("Tổng điểm", 9, "score"), Column("Điểm tối đa", 9, "score"), Column("Tỷ lệ", 9, "rate2"),
             Column("Xếp hạng trong cấp", 9, "center"), Column("Kết quả", 40)]
    notes = ["Điểm từng lĩnh vực theo kết quả thẩm định Đoàn thẩm định công bố (giữ nguyên như cơ quan kê khai). "
             "Xếp hạng theo tỷ lệ điểm, trong từng cấp (sở, ban, ngành; UBND cấp huyện; UBND cấp xã)."]
    if not recs:
        notes.append("Chưa có cơ quan nào kê khai điểm từng lĩnh vực.")
    return SheetTable("scores", "Điểm và xếp hạng", f"ĐIỂM CHỈ SỐ CCHC THEO LĨNH VỰC VÀ XẾP HẠNG — "
                      f"{c.period_words.upper()}", cols, rows, _subtitle(c), notes, freeze_cols=2)


_RULE_WORDS = {"sum": "Cộng", "stats": "Thấp nhất, trung vị, cao nhất", "choices": "Đếm theo lựa chọn",
               "list": "Liệt kê", "none": "Không tổng hợp"}


def _indicator_summary(c: Consolidation) -> SheetTable:
    rows, kinds = [], []
    for row, agg in aggregate_values(c, "indicators"):
        name = (row.get("label") + ": " if row.get("label") else "") + row["name"]
        if agg is None:
            rows.append([row["code"], name, row.get("unit"), None, None, None, None, None, None, None])
            kinds.append("group")
            continue
        rows.append([row["code"], name, row.get("unit"), _RULE_WORDS.get(agg.rule), agg.reporting or None,
                     agg.total, agg.minimum, agg.median, agg.maximum, agg.text or None])
        kinds.append(None)
    cols = [Column("Mã chỉ tiêu", 9), Column("Chỉ tiêu thống kê", 46, "long"), Column("Đơn vị tính", 14),
            Column("Cách tổng hợp", 13), Column("Số cơ quan có số liệu", 10, "int"),
            Column("Tổng toàn tỉnh", 11, "number"),
            Column("Thấp nhất", 9, "number"), Column("Trung vị", 9, "number"), Column("Cao nhất", 9, "number"),
            Column("Tổng hợp", 40, "long")]
    notes = [f"Tổng hợp số liệu Phụ lục III của {_vn(len(c.records['agencies']))} cơ quan: chỉ tiêu đếm được cộng lại; "
             "tỷ lệ phần "
             "trăm không cộng mà nêu thấp nhất, trung vị, cao nhất; chỉ tiêu lựa chọn được đếm theo từng lựa chọn."]
    return SheetTable("indicators", "Chỉ tiêu toàn tỉnh", f"TỔNG HỢP SỐ LIỆU THỐNG KÊ CCHC TOÀN TỈNH (PHỤ LỤC III) — "
                      f"{c.period_words.upper()}", cols, rows, _subtitle(c), notes, row_kinds=kinds)


def _value_display(value, row: dict):
    if row.get("kind") == "choice" and isinstance(value, (int, float)) and not isinstance(value, bool):
        for ch in row.get("choices", []):
            if ch["value"] == value:
                return ch["label"]
    return value


def _values_matrix(c: Consolidation, which: str) -> SheetTable:
    agencies = _agency_columns(c)
    pos = {aid: i for i, (aid, _) in enumerate(agencies)}
    values: dict[str, list] = {}
    for x in c.records[which]:
        if x["value"] is not None:
            values.setdefault(x["code"], [None] * len(agencies))[pos[x["aid"]]] = x["value"]
    aggs = dict((row["code"], (row, agg)) for row, agg in aggregate_values(c, which))
    rows, kinds = [], []
    for code, (row, agg) in aggs.items():
        name = (row.get("label") + ": " if row.get("label") else "") + row["name"]
        vals = [_value_display(v, row) for v in values.get(code, [None] * len(agencies))]
        summary = None
        if agg is not None:
            summary = agg.total if agg.rule == "sum" else (agg.text or None)
        rows.append([code, name, row.get("unit"), summary, *vals])
        kinds.append("group" if row.get("group") else None)
    cols = [Column("Mã", 8), Column("Chỉ tiêu", 40, "long"), Column("Đơn vị tính", 12),
            Column("Toàn tỉnh", 14 if which == "propaganda" else 22, "number")]
    cols += [Column(name, 12, "number") for _, name in agencies]
    if which == "indicators":
        return SheetTable("indicator_matrix", "Chỉ tiêu theo cơ quan",
                          f"SỐ LIỆU THỐNG KÊ CCHC (PHỤ LỤC III) THEO CƠ QUAN — {c.period_words.upper()}", cols, rows,
                          _subtitle(c), ["Mỗi cột là số liệu một cơ quan kê khai; ô trống: cơ quan không kê khai. "
                                         "Cột “Toàn tỉnh” theo cách tổng hợp của từng chỉ tiêu (xem trang "
                                         "Chỉ tiêu toàn tỉnh)."],
                          row_kinds=kinds, freeze_cols=3, fit_width=len(agencies) <= 15)
    return SheetTable("propaganda", "Tuyên truyền", f"TỔNG HỢP CÔNG TÁC TUYÊN TRUYỀN CCHC (PHỤ LỤC I) — "
                      f"{c.period_words.upper()}", cols, rows, _subtitle(c),
                      ["Cột “Toàn tỉnh” là tổng của các cơ quan; các cột sau là số liệu từng cơ quan."],
                      row_kinds=kinds, freeze_cols=3, fit_width=len(agencies) <= 15)


def _notes_table(c: Consolidation) -> SheetTable:
    rows = []
    for which, label in (("indicators", "Phụ lục III"), ("propaganda", "Phụ lục I")):
        names = {r["code"]: r["name"] for r in _value_rows(c, which)}
        for x in c.records[which]:
            if isinstance(x["note"], str) and x["note"]:
                rows.append([len(rows) + 1, label, x["agency"], x["code"], names.get(x["code"]), x["value"], x["note"]])
    cols = [Column("TT", 6, "center"), Column("Phụ lục", 10), Column("Cơ quan, đơn vị", 24), Column("Mã", 8),
            Column("Chỉ tiêu", 40, "long"), Column("Số liệu", 10, "number"), Column("Ghi chú của cơ quan", 50, "long")]
    return SheetTable("notes", "Ghi chú số liệu", f"GHI CHÚ KÈM SỐ LIỆU CỦA CÁC CƠ QUAN — {c.period_words.upper()}",
                      cols, rows, _subtitle(c), excel_table=True, freeze_cols=3)


def _issues_table(c: Consolidation) -> SheetTable:
    rows = []
    for n, x in enumerate(c.records["issues"], 1):
        rows.append([n, x["file"], x["agency"], STATUS_LABELS.get(x["status"]),
                     "Lỗi" if x["severity"] == "error" else "Cảnh báo", x["sheet"], x["cell"], x["code"], x["message"]])
    cols = [Column("TT", 6, "center"), Column("Tệp", 26), Column("Cơ quan, đơn vị", 22),
            Column("Kết quả xử lý tệp", 12),
            Column("Mức độ", 9), Column("Trang", 12), Column("Ô", 7, "center"), Column("Mã lỗi", 16),
            Column("Nội dung", 60, "long")]
    errors = sum(1 for r in rows if r[4] == "Lỗi")
    notes = [f"{_vn(errors)} lỗi và {_vn(len(rows) - errors)} cảnh báo trong {_vn(len({r[1] for r in rows}))} tệp. "
             "Lỗi cần cơ quan "
             "sửa ở đúng trang và ô nêu trong bảng; cảnh báo cần xem lại."]
    return SheetTable("issues", "Lỗi dữ liệu", f"CÁC LỖI, CẢNH BÁO TRONG DỮ LIỆU CÁC CƠ QUAN GỬI — "
                      f"{c.period_words.upper()}", cols, rows, _subtitle(c), notes, excel_table=True, freeze_cols=2)


def _py(v):
    """Plain Python values for every consumer (numpy scalars, NaN and NaT become Python/None)."""
    if v is None or isinstance(v, (str, bool, int)) and not hasattr(v, "dtype"):
        return v
    if hasattr(v, "item") and not isinstance(v, (dt.date, dt.datetime)):
        try:
            v = v.item()
        except (AttributeError, ValueError):
            pass
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if v.__class__.__name__ in ("NaTType", "NAType"):
        return None
    if hasattr(v, "to_pydatetime"):
        return v.to_pydatetime()
    return v


def clean_tables(tables: list[SheetTable]) -> list[SheetTable]:
    for t in tables:
        t.rows = [[_py(v) for v in row] for row in t.rows]
        if t.total:
            t.total = [_py(v) for v in t.total]
    return tables


# ---- the workbook --------------------------------------------------------------------------

TEMPLATE_ID = "cchc-xl/consolidation"  # in the hidden _meta sheet of every consolidated workbook
FONT = "Times New Roman"
BODY_SIZE = 11
_MERGE_MAX_COLS = 14


class _Styles:
    """openpyxl cell styles registered once; the fast row writer refers to them by id."""

    def __init__(self, wb):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.wb = wb
        self._ids: dict[tuple, int] = {}
        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.fills = {"group": PatternFill("solid", fgColor="F2F2F2"), "total": PatternFill("solid", fgColor="DDEBF7"),
                      "missing": PatternFill("solid", fgColor="FCE4D6"),
                      "header": PatternFill("solid", fgColor="DDEBF7")}
        self.Font, self.Alignment = Font, Alignment

    def font(self, size=BODY_SIZE, bold=False, italic=False):
        return self.Font(name=FONT, size=size, bold=bold, italic=italic)

    def id(self, fmt: str = "General", align: str = "left", bold=False, fill=None, quote=False) -> int:
        key = (fmt, align, bold, fill, quote)
        sid = self._ids.get(key)
        if sid is None:
            from openpyxl.cell.cell import Cell

            cell = Cell(self.wb.worksheets[0])
            cell.font = self.font(bold=bold)
            cell.border = self.border
            cell.alignment = self.Alignment(horizontal=align, vertical="top", wrap_text=align != "right")
            cell.number_format = fmt
            if fill:
                cell.fill = self.fills[fill]
            if quote:
                cell.quotePrefix = True
            sid = self._ids[key] = cell.style_id
        return sid


_NUMBER_FORMATS = {
    "int": ("#,##0", "#,##0.###"),
    "number": ("#,##0", "#,##0.0##"),
    "score": ("0", "0.0##"),
    "rate": ("0%", "0.0%"),
    "rate2": ("0%", "0.00%"),
}


_EXCEL_EPOCH = dt.date(1899, 12, 30)


class _FastRows:
    """The data rows of one sheet as worksheet XML, spliced in after openpyxl has saved the rest.

    openpyxl needs ~10 µs a cell to save; a consolidation of a thousand agencies writes close to
    a million cells. The rows below each table header are therefore written here directly (inline
    strings, which can never be formulas), with the style ids registered through openpyxl, and
    inserted into ``<sheetData>`` of the saved file.
    """

    def __init__(self, styles: _Styles, columns: list[Column]):
        from openpyxl.utils import get_column_letter

        from .xlstyle import CHARS_PER_WIDTH, xml_cell_text

        self._text = xml_cell_text
        self.styles = styles
        self.columns = columns
        self.letters = [get_column_letter(i + 1) for i in range(len(columns))]
        # characters on one line of each column, as xlstyle.text_lines counts them
        self.chars = [max(1.0, col.width * CHARS_PER_WIDTH * 11.0 / BODY_SIZE) for col in columns]
        self.parts: list[str] = []
        self.last_row = 0
        self._sids: dict[str | None, list[tuple]] = {}

    def _column_sids(self, row_kind: str | None) -> list[tuple]:
        """Per column: style ids of (blank, text, text starting with = + - @, whole number, decimal, date)."""
        sids = self._sids.get(row_kind)
        if sids is None:
            st = self.styles
            bold = row_kind in ("group", "total")
            fill = row_kind if row_kind in ("group", "total", "missing") else None
            sids = []
            for col in self.columns:
                align = "center" if col.kind == "center" else "left"
                whole, frac = _NUMBER_FORMATS.get(col.kind, ("#,##0", "#,##0.0##"))
                num_align = "center" if col.kind == "center" else "right"
                if col.kind == "center":
                    whole = frac = "General"
                sids.append((st.id("General", align, bold, fill), st.id("General", align, bold, fill),
                             st.id("@", align, bold, fill, quote=True), st.id(whole, num_align, bold, fill),
                             st.id(frac, num_align, bold, fill), st.id("dd/mm/yyyy", "center", bold, fill)))
            self._sids[row_kind] = sids
        return sids

    def add(self, r: int, values: list, row_kind: str | None = None) -> None:
        """One row; its height fitted to the longest wrapped text (the formula of xlstyle.fit_row)."""
        sids = self._column_sids(row_kind)
        xml_cell_text = self._text
        cells = []
        lines = 1
        if len(values) < len(self.letters):
            values = list(values) + [None] * (len(self.letters) - len(values))
        for letter, v, sid, cpl in zip(self.letters, values, sids, self.chars):
            t = type(v)
            if v is None or v == "":
                cells.append(f'<c r="{letter}{r}" s="{sid[0]}"/>')
            elif t is str:
                if len(v) > cpl or "\n" in v:
                    n = sum(max(1, math.ceil(len(part) / cpl)) for part in v.split("\n"))
                    if n > lines:
                        lines = n
                text = xml_cell_text(v)
                keep = ' xml:space="preserve"' if v[0] in " \t\n" or v[-1] in " \t\n" else ""
                cells.append(f'<c r="{letter}{r}" s="{sid[2] if v[0] in "=+-@" else sid[1]}" t="inlineStr"><is>'
                             f"<t{keep}>{text}</t></is></c>")
            elif t is int:
                cells.append(f'<c r="{letter}{r}" s="{sid[3]}"><v>{v}</v></c>')
            elif t is float:
                if v != v or v in (math.inf, -math.inf):
                    cells.append(f'<c r="{letter}{r}" s="{sid[0]}"/>')
                else:
                    cells.append(f'<c r="{letter}{r}" s="{sid[3] if v.is_integer() else sid[4]}"><v>{v!r}</v></c>')
            elif t is bool:
                cells.append(f'<c r="{letter}{r}" s="{sid[1]}" t="inlineStr"><is><t>{"Có" if v else "Không"}</t>'
                             f"</is></c>")
            elif isinstance(v, dt.date):
                d = v.date() if isinstance(v, dt.datetime) else v
                cells.append(f'<c r="{letter}{r}" s="{sid[5]}"><v>{(d - _EXCEL_EPOCH).days}</v></c>')
            elif isinstance(v, (int, float)):  # numpy numbers and the like
                x = float(v)
                if x != x or x in (math.inf, -math.inf):
                    cells.append(f'<c r="{letter}{r}" s="{sid[0]}"/>')
                else:
                    cells.append(f'<c r="{letter}{r}" s="{sid[3] if x.is_integer() else sid[4]}"><v>{x!r}</v></c>')
            else:
                cells.append(f'<c r="{letter}{r}" s="{sid[1]}" t="inlineStr"><is><t xml:space="preserve">'
                             f"{xml_cell_text(str(v))}</t></is></c>")
        height = ""
        if lines > 1:
            height = f' ht="{min(409, round(lines * BODY_SIZE * 1.32 + 4, 1))}" customHeight="1"'
        self.parts.append(f'<row r="{r}"{height}>{"".join(cells)}</row>')
        self.last_row = r

    def xml(self) -> bytes:
        return "".join(self.parts).encode("utf-8")


def _title_cell(ws, row: int, text: str, ncols: int, styles: _Styles, size: float, bold=False, italic=False,
                align="center", min_lines=1, whole_width=False):
    """A line above the table, merged across it (across its first columns when it is very wide)."""
    from openpyxl.utils import get_column_letter

    from .xlstyle import text_lines

    cell = ws.cell(row=row, column=1, value=text)
    cell.font = styles.font(size, bold=bold, italic=italic)
    wide = ncols > _MERGE_MAX_COLS and not whole_width
    span = min(ncols, _MERGE_MAX_COLS) if wide else ncols
    width = sum(ws.column_dimensions[get_column_letter(i)].width or 8.43 for i in range(1, span + 1))
    if span > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
    cell.alignment = styles.Alignment(horizontal="left" if wide else align, vertical="center", wrap_text=True)
    lines = max(min_lines, text_lines(text, width, size))
    ws.row_dimensions[row].height = min(409, round(lines * size * 1.32 + 6, 1))


@lru_cache(maxsize=1)
def _screen_keys() -> frozenset:
    from .printing import screen_sheet_keys

    return frozenset(screen_sheet_keys())


def _lay_out(ws, t: SheetTable, styles: _Styles) -> _FastRows:
    from openpyxl.utils import get_column_letter

    from .xlstyle import fit_row

    n = len(t.columns)
    for i, col in enumerate(t.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    r = 1
    whole = t.fit_width and n <= 30
    _title_cell(ws, r, t.title, n, styles, 14, bold=True, whole_width=whole)
    r += 1
    if t.subtitle:
        _title_cell(ws, r, t.subtitle, n, styles, 11, italic=True, whole_width=whole)
        r += 1
    for note in t.notes:
        _title_cell(ws, r, note, n, styles, 11, align="left", whole_width=whole)
        r += 1
    r += 1
    hr = r
    assert hr == t.header_row
    head_style = None
    for i, col in enumerate(t.columns, 1):
        c = ws.cell(row=hr, column=i, value=col.title)
        if head_style is None:
            c.font = styles.font(BODY_SIZE, bold=True)
            c.fill = styles.fills["header"]
            c.border = styles.border
            c.alignment = styles.Alignment(horizontal="center", vertical="center", wrap_text=True)
            head_style = c._style
        else:  # the same style for a thousand agency columns, without registering it a thousand times
            c._style = copy.copy(head_style)
        _text_safe(c)
    fit_row(ws, hr, BODY_SIZE, min_lines=2)
    fast = _FastRows(styles, t.columns)
    kinds = t.row_kinds or []
    row = hr + 1
    for i, values in enumerate(t.rows):
        fast.add(row, values, kinds[i] if i < len(kinds) else None)
        row += 1
    if t.total:
        fast.add(row, t.total, "total")
        row += 1
    last = max(row - 1, hr)
    last_col = get_column_letter(n)
    ws.freeze_panes = f"{get_column_letter(t.freeze_cols + 1)}{hr + 1}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1 if t.fit_width else 0
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{hr}:{hr}"
    if not t.fit_width and t.freeze_cols:
        ws.print_title_cols = f"A:{get_column_letter(t.freeze_cols)}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "Trang &P / &N"
    ws.oddFooter.center.font = FONT
    ws.print_options.horizontalCentered = True
    if t.key in _screen_keys():  # a long per-agency table, read on the screen (schemas/printing.json)
        from .printing import print_for_screen

        print_for_screen(ws, n)
    if t.excel_table and t.rows:
        from openpyxl.worksheet.filters import AutoFilter
        from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

        ref = f"A{hr}:{last_col}{hr + len(t.rows)}"
        tab = Table(displayName=f"bang_{t.key}", ref=ref, autoFilter=AutoFilter(ref=ref))
        # columns named here: left to openpyxl, it would create a cell object for every cell of the range
        tab.tableColumns = [TableColumn(id=i, name=col.title) for i, col in enumerate(t.columns, 1)]
        tab.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
        ws.add_table(tab)
    if t.chart:
        _add_chart(ws, t, hr, last)
    ws.sheet_view.zoomScale = 100
    return fast


def _text_safe(cell):
    if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
        cell.data_type = "s"
        cell.quotePrefix = True


def _chart_text(size=900, bold=False):
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties

    cp = CharacterProperties(latin=Font(typeface=FONT), sz=size, b=bold)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=cp), endParaRPr=cp)])


def _chart_title(text: str):
    from openpyxl.chart.text import RichText, Text
    from openpyxl.chart.title import Title
    from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties, RegularTextRun

    cp = CharacterProperties(latin=Font(typeface=FONT), sz=1200, b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=cp), r=[RegularTextRun(rPr=cp, t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def _add_chart(ws, t: SheetTable, hr: int, last: int):
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.label import DataLabelList

    ch = t.chart
    first = hr + 1 + ch.first
    end = first + ch.rows - 1
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = _chart_title(ch.title)
    chart.legend = None
    for col in ch.value_cols:
        data = Reference(ws, min_col=col, min_row=first, max_row=end)
        chart.add_data(data, titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=ch.category_col, min_row=first, max_row=end))
    chart.x_axis.scaling.orientation = "maxMin"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.txPr = _chart_text(900)
    chart.y_axis.txPr = _chart_text(900)
    chart.y_axis.majorGridlines = None
    if ch.percent:
        chart.y_axis.numFmt = "0%"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
    chart.dataLabels = DataLabelList()
    chart.dataLabels.showVal = True
    chart.dataLabels.showCatName = False
    chart.dataLabels.showSerName = False
    chart.dataLabels.showLegendKey = False
    chart.dataLabels.showPercent = False
    chart.dataLabels.txPr = _chart_text(800)
    if ch.percent:
        chart.dataLabels.numFmt = "0%"
    chart.gapWidth = 60
    chart.width = 24
    chart.height = min(17, 3.5 + 0.55 * ch.rows)  # one printed page
    chart.series[0].graphicalProperties.solidFill = "4472C4"
    ws.add_chart(chart, f"B{last + 3}")
    # the chart starts a printed page of its own rather than being cut in two
    from openpyxl.worksheet.pagebreak import Break

    ws.row_breaks.append(Break(id=last + 1))


def build_workbook(c: Consolidation, tables: list[SheetTable] | None = None):
    """The consolidated workbook (openpyxl) and the data rows to splice in when saving."""
    from openpyxl import Workbook

    from . import __version__

    tables = tables if tables is not None else sheet_tables(c)  # plain Python values already
    wb = Workbook()
    styles = _Styles(wb)
    first = wb.active
    fast: dict = {}
    for t in tables:
        ws = wb.create_sheet(t.name)
        fast[ws.title] = (ws, _lay_out(ws, t, styles))
    meta = wb.create_sheet("_meta")
    for i, (k, v) in enumerate((("template_id", TEMPLATE_ID), ("period_year", c.period.get("year")),
                                ("period_kind", c.period.get("kind")), ("made", c.made.isoformat()),
                                ("generator", f"cchc-xl {__version__}")), start=1):
        meta.cell(row=i, column=1, value=k)
        meta.cell(row=i, column=2, value=v)
    meta.sheet_state = "veryHidden"
    wb.remove(first)
    wb.active = 0
    wb.properties.creator = f"cchc-xl {__version__}"
    wb.properties.title = f"Tổng hợp báo cáo CCHC {c.period_words}"
    return wb, fast


def _add_appendix(wb, c: Consolidation, fast: dict) -> str | None:
    """The provincial appendix sheets of cchc_xl.appendix; their rows join ``fast`` (spliced on save)."""
    from .appendix import SHEET_PROVINCE_REMEDIATION, SHEET_PROVINCE_SUMMARY, add_province_appendix_sheets

    try:
        from .registry_order import province_reports  # the registry's order and spelling

        sheets = add_province_appendix_sheets(wb, province_reports(c), {"year": c.period.get("year"),
                                                                        "kind": c.period.get("kind")}, xml_rows=True)
    except Exception as exc:  # noqa: BLE001 - the consolidation itself is still worth writing
        for title in (SHEET_PROVINCE_REMEDIATION, SHEET_PROVINCE_SUMMARY):
            if title in wb.sheetnames and title not in fast:
                wb.remove(wb[title])  # no half-made appendix sheet
        return f"không lập được các trang phụ lục tổng hợp ({type(exc).__name__}: {exc})"
    for ws, rows in sheets:
        fast[ws.title] = (ws, rows)
    return None


def write_consolidated_workbook(c: Consolidation, out: str | os.PathLike,
                                tables: list[SheetTable] | None = None, appendix: bool = True) -> list[str]:
    """Write the consolidated workbook atomically; returns warnings (e.g. appendix not added).

    ``appendix``: add the provincial appendix sheets of ``cchc_xl.appendix`` when available.
    """
    from .model import check_writable

    out = Path(out)
    try:
        check_writable(out)
    except OSError as exc:
        raise ConsolidationError(str(exc)) from None
    wb, fast = build_workbook(c, tables)
    warnings = []
    w = _add_appendix(wb, c, fast) if appendix else None
    if w:
        warnings.append(w)
    wb._sheets.sort(key=lambda ws: ws.title == "_meta")  # the hidden identification sheet last
    try:
        _save(wb, fast, out)
    except OSError as exc:
        raise ConsolidationError(f"{out}: không ghi được tệp ({os_reason(exc)}); hãy đóng tệp nếu đang mở "
                                 "trong Excel, kiểm tra quyền ghi và dung lượng đĩa") from None
    return warnings


_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')


def _save(wb, fast: dict, out: Path) -> Path:
    from .model import atomic_output

    buf = io.BytesIO()
    wb.save(buf)
    patches = {}
    for ws, rows in fast.values():
        if rows.parts:
            patches[ws.path.lstrip("/")] = rows
    with atomic_output(out) as tmp:
        with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for info in zin.infolist():
                data = zin.read(info.filename)
                rows = patches.get(info.filename)
                if rows is not None:
                    data = _splice(data, rows)
                zout.writestr(info, data)
    return out


def _splice(sheet_xml: bytes, rows: _FastRows) -> bytes:
    body = rows.xml()
    if b"</sheetData>" in sheet_xml:
        sheet_xml = sheet_xml.replace(b"</sheetData>", body + b"</sheetData>", 1)
    else:
        sheet_xml = re.sub(rb"<sheetData\s*/>", lambda _: b"<sheetData>" + body + b"</sheetData>", sheet_xml, count=1)
    ref = f'<dimension ref="A1:{rows.letters[-1]}{rows.last_row}"/>'.encode()
    return _DIMENSION.sub(lambda _: ref, sheet_xml, count=1)


# ---- the command ---------------------------------------------------------------------------

class ProgressBar:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, label: str = "Đang đọc các tệp", stream=None, width: int = 30):
        self.label, self.stream, self.width = label, stream or sys.stderr, width
        self._last = 0.0
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        k = int(self.width * done / total) if total else self.width
        text = f"\r{self.label} [{'#' * k}{'.' * (self.width - k)}] {done}/{total}"
        try:
            self.stream.write(text)
            self.stream.flush()
            self._shown = True
        except (OSError, UnicodeEncodeError, ValueError):
            pass

    def note(self, text: str) -> None:
        """A line of its own (after the bar), e.g. what happens next."""
        try:
            self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, UnicodeEncodeError, ValueError):
            pass

    def close(self) -> None:
        if self._shown:
            try:
                self.stream.write("\n")
                self.stream.flush()
            except (OSError, ValueError):
                pass


def closing_summary(c: Consolidation, summary: dict, out, json_out=None, warnings=()) -> list[str]:
    """The Vietnamese lines printed at the end of ``cchc-xl consolidate``."""
    counts = Counter(f["status"] for f in summary["files"])
    lines = [f"Tổng hợp báo cáo CCHC {c.period_words}: tìm thấy {_vn(len(summary['files']))} tệp — được tổng hợp "
             f"{_vn(counts['accepted'])}, bị loại {_vn(counts['rejected'])}, bản trùng {_vn(counts['duplicate'])}, "
             f"bỏ qua {_vn(counts['skipped'])}."]
    if c.registry is not None:
        n = len(c.registry)
        miss = c.missing_agencies
        line = f"Đã có báo cáo của {_vn(n - len(miss))}/{_vn(n)} cơ quan trong danh sách"
        if miss:
            line += f"; chưa có: {', '.join(miss[:10])}"
            if len(miss) > 10:
                line += f" và {_vn(len(miss) - 10)} cơ quan khác"
        lines.append(line + ".")
        if summary["unregistered_agencies"]:
            lines.append(f"Cơ quan không có trong danh sách (vẫn được tổng hợp): "
                         f"{', '.join(summary['unregistered_agencies'][:10])}.")
    st = summary["remediation_by_status"]
    total = summary["counts"]["remediation"]
    lines.append(f"Tồn tại, hạn chế: {_vn(total)} ({progress_words(st.get('hoan_thanh', 0), total).lower()}); "
                 f"đang thực hiện {_vn(st.get('dang_thuc_hien', 0))}, chưa thực hiện "
                 f"{_vn(st.get('chua_thuc_hien', 0))}, không thể thực hiện {_vn(st.get('khong_the_thuc_hien', 0))}; "
                 f"quá hạn {_vn(summary['remediation_overdue'])}.")
    lines.append(f"Tiêu chí bị trừ điểm: {_vn(summary['counts']['deductions'])} lượt; số liệu thống kê: "
                 f"{_vn(summary['counts']['indicator_values'])} giá trị.")
    acc = [f for f in c.files if f.status == "accepted"]
    errs, warns = sum(f.errors for f in acc), sum(f.warnings for f in acc)
    if errs or warns:
        lines.append(f"Các tệp được tổng hợp còn {_vn(errs)} lỗi và {_vn(warns)} cảnh báo (xem trang “Lỗi dữ liệu”).")
    bad = [f for f in c.files if f.status in ("rejected", "duplicate")]
    if bad:
        lines.append("Tệp bị loại hoặc trùng:")
        for f in bad[:12]:
            lines.append(f"  - {f.file}: {f.reason}")
        if len(bad) > 12:
            lines.append(f"  … và {_vn(len(bad) - 12)} tệp khác (xem trang “Tình hình nộp”).")
    for w in warnings:
        lines.append(f"Lưu ý: {w}.")
    if c.previous is not None:
        lines.append(f"So sánh với kỳ trước: trang “So sánh kỳ trước” của {out}.")
    where = f"Đã ghi sổ tổng hợp: {out}"
    if json_out:
        where += f"; tóm tắt JSON: {json_out}"
    lines.append(where)
    lines.append(f"Thời gian: {format_number(round(c.seconds, 1))} giây.")
    return lines


def _overwrites_a_submission(output, input_dir) -> bool:
    """Whether writing ``output`` would replace a file of the input folder that is not an earlier
    consolidated workbook (a consolidation run again into its own folder is fine)."""
    out = Path(output)
    try:
        if not out.is_file() or not out.resolve().is_relative_to(Path(input_dir).resolve()):
            return False
        with zipfile.ZipFile(out) as zf:
            names = set(zf.namelist())
            book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            sheet = re.search(r'<(?:\w+:)?sheet\b[^>]*name="_meta"[^>]*/>', book)
            rid = re.search(r'r:id="([^"]+)"', sheet.group(0)) if sheet else None
            target = re.search(rf'<Relationship\b[^>]*Id="{rid.group(1)}"[^>]*/>', rels) if rid else None
            path = re.search(r'Target="([^"]+)"', target.group(0)).group(1) if target else None
            if path is None:
                return True
            path = path.lstrip("/") if path.startswith("/") else f"xl/{path}"
            data = zf.read(path) if path in names else b""
            if "xl/sharedStrings.xml" in names:
                data += zf.read("xl/sharedStrings.xml")
        return TEMPLATE_ID.encode() not in data
    except (OSError, zipfile.BadZipFile):
        return True  # not a workbook we wrote: never overwrite it


def run_consolidation(input_dir, output, registry=None, year=None, kind=None, strict=False, jobs=None,
                      progress=False, json_out=None, echo=print, docx_out=None, previous=None) -> dict:
    """``cchc-xl consolidate``: read, consolidate, write OUT.xlsx (and the JSON summary), report.

    ``previous``: a previous consolidation's JSON summary; adds the comparison sheet."""
    from .model import check_writable, write_text_atomic

    start = time.perf_counter()
    prev_summary = None
    if previous is not None:
        from .cycle.compare import PreviousSummaryError, load_previous

        try:
            prev_summary = load_previous(previous)
        except PreviousSummaryError as exc:
            raise ConsolidationError(str(exc)) from None
    for target in [output] + [p for p in (json_out, docx_out) if p]:
        try:
            check_writable(target)
        except OSError as exc:
            raise ConsolidationError(str(exc)) from None
    if _overwrites_a_submission(output, input_dir):
        raise ConsolidationError(f"{output}: tệp này nằm trong thư mục bài nộp và không phải sổ tổng hợp; ghi vào đó "
                                 "sẽ xóa mất bài nộp của một cơ quan — hãy chọn tên hoặc thư mục khác")
    bar = ProgressBar() if progress else None
    try:
        cons = consolidate(input_dir, registry=registry, year=year, kind=kind, strict=strict, jobs=jobs,
                           on_progress=bar, exclude=[p for p in (output, json_out) if p])
    finally:
        if bar:
            bar.close()
    cons.previous = prev_summary
    t_write = time.perf_counter()
    if bar:
        bar.note(f"Đang lập sổ tổng hợp {Path(output).name} …")
    warnings = write_consolidated_workbook(cons, output)
    cons.timings["write"] = time.perf_counter() - t_write
    summary = cons.summary()
    if json_out:
        try:
            write_text_atomic(json_out, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
        except OSError as exc:
            raise ConsolidationError(f"{json_out}: không ghi được tệp ({os_reason(exc)})") from None
    if docx_out:  # the province's report draft (report_draft.py)
        from .report_draft import ReportDraftError, write_report_draft

        try:
            write_report_draft(cons, summary, docx_out)
        except ReportDraftError as exc:
            raise ConsolidationError(str(exc)) from None
    cons.seconds = time.perf_counter() - start
    for line in closing_summary(cons, summary, output, json_out, warnings):
        echo(line)
    if docx_out:
        echo(f"Đã ghi dự thảo báo cáo: {docx_out}")
    return summary
