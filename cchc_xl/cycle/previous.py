"""Last period's workbooks: find the latest one of each agency in a folder and match it to today's agency.

Since 2025 departments merged and were renamed, so last year's "Sở Kế hoạch và Đầu tư" is this
year's part of "Sở Tài chính". An agency is matched to earlier workbooks by its name, by one of
its former names, or by its code when that is unambiguous; a merged agency inherits the
workbooks of all its former agencies.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import spec
from ..registry import code_key, name_key


@dataclass
class PreviousWorkbook:
    path: Path
    report: dict
    level: str | None

    @property
    def name(self) -> str:
        return (self.report.get("agency") or {}).get("name") or ""

    @property
    def code(self) -> str | None:
        return (self.report.get("agency") or {}).get("code")

    @property
    def period(self) -> dict | None:
        p = self.report.get("period") or {}
        return {"year": p["year"], "kind": p["kind"]} if isinstance(p.get("year"), int) and p.get("kind") else None

    def order(self):
        """Later period first, then later report date, then later modification."""
        p = self.period
        try:
            end = spec.period_bound(p["kind"], p["year"]) if p else dt.date.min
        except KeyError:
            end = dt.date.min
        date = (self.report.get("report") or {}).get("date") or ""
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            mtime = 0
        return end, str(date), mtime


@dataclass
class PreviousFolder:
    latest: list[PreviousWorkbook]  # one per agency name, the latest
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


def workbook_files(folder: str | os.PathLike) -> list[Path]:
    """Spreadsheets under ``folder`` (recursively), found as the consolidation finds them
    (``consolidate.files.find_files``): every readable suffix, no Office lock files, no hidden
    files or folders."""
    from ..consolidate.files import find_files

    return [e.path for e in find_files(folder) if e.status == "accepted"]


def read_previous(folder: str | os.PathLike) -> PreviousFolder:
    """The latest agency workbook of every agency in ``folder``; other files are listed as skipped."""
    from ..reader import UnreadableError, read_file

    by_agency: dict[str, PreviousWorkbook] = {}
    skipped = []
    root = Path(folder)
    for path in workbook_files(root):
        shown = str(path.relative_to(root))
        try:
            result = read_file(path)
        except UnreadableError as exc:
            skipped.append((shown, exc.reason))
            continue
        except spec.SpecError as exc:
            skipped.append((shown, str(exc)))
            continue
        doc = result.report
        level = (doc.get("agency") or {}).get("level") or result.meta.get("level")
        wb = PreviousWorkbook(path, doc, level)
        if not wb.name:
            skipped.append((shown, "chưa ghi tên cơ quan ở trang Thông tin"))
            continue
        key = name_key(wb.name)
        other = by_agency.get(key)
        if other is None or wb.order() > other.order():
            if other is not None:
                skipped.append((str(other.path.relative_to(root)), f"đã có báo cáo mới hơn của {wb.name}"))
            by_agency[key] = wb
        else:
            skipped.append((shown, f"đã có báo cáo mới hơn của {wb.name}"))
    return PreviousFolder(list(by_agency.values()), skipped)


class Lineage:
    """Today's agencies with their former names: who a name of earlier years is now."""

    def __init__(self, agencies: list[tuple[str, str | None, tuple[str, ...]]]):
        self.names = [a[0] for a in agencies]
        self.by_name: dict[str, int] = {}
        for i, (name, _, former) in enumerate(agencies):
            self.by_name.setdefault(name_key(name), i)
        for i, (_, _, former) in enumerate(agencies):
            for old in former:
                self.by_name.setdefault(name_key(old), i)
        codes: dict[str, list[int]] = {}
        for i, (_, code, _) in enumerate(agencies):
            if code:
                codes.setdefault(code_key(code), []).append(i)
        self.by_code = {k: v[0] for k, v in codes.items() if len(v) == 1}

    def match(self, name: str | None, code: str | None = None) -> int | None:
        """Index of today's agency that ``name`` (a current or former name) or ``code`` belongs to."""
        if name:
            i = self.by_name.get(name_key(name))
            if i is not None:
                return i
        if code:
            return self.by_code.get(code_key(code))
        return None

    def current_name(self, name: str | None, code: str | None = None) -> str | None:
        i = self.match(name, code)
        return self.names[i] if i is not None else None


def match_previous(lineage: Lineage, folder: PreviousFolder) -> tuple[dict[int, list[PreviousWorkbook]],
                                                                        list[PreviousWorkbook]]:
    """Today's agency index → its earlier workbooks (its own and its former agencies'), and the
    workbooks no agency of today claims."""
    matched: dict[int, list[PreviousWorkbook]] = {}
    orphans = []
    for wb in folder.latest:
        i = lineage.match(wb.name, wb.code)
        if i is None:
            orphans.append(wb)
        else:
            matched.setdefault(i, []).append(wb)
    return matched, orphans
