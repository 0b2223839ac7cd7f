"""Last period's workbooks: find the latest one of each agency in a folder and match it to today's agency.

Since 2025 departments merged and were renamed, so last year's "Sở Kế hoạch và Đầu tư" is this
year's part of "Sở Tài chính". An agency is matched to earlier workbooks by the one identity rule
(``cchc_xl.read.identity``): its code, its name (tone marks count: Thạch Hà is not Thạch Hạ), one of its
former names, or a name typed without diacritics that fits it alone; a merged agency inherits the
workbooks of all its former agencies. A workbook that fits several agencies goes to none.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from cchc_xl import spec
from cchc_xl.read.identity import AgencyIndex, Match, group_keys


@dataclass
class PreviousWorkbook:
    path: Path
    report: dict
    level: str | None
    why: str | None = None  # why no agency of today claims it (several fit: identity rule 3)

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
    from cchc_xl.consolidate.files import find_files

    return [e.path for e in find_files(folder) if e.status == "accepted"]


def read_previous(folder: str | os.PathLike) -> PreviousFolder:
    """The latest agency workbook of every agency in ``folder``; other files are listed as skipped."""
    from cchc_xl.read.agency import UnreadableError, read_file

    found: list[tuple[str, PreviousWorkbook]] = []
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
        found.append((shown, wb))
    by_agency: dict[str, PreviousWorkbook] = {}  # one per agency (identity rules 1 and 2)
    for (shown, wb), key in zip(found, group_keys([(wb.name, wb.code) for _, wb in found])):
        other = by_agency.get(key)
        if other is None or wb.order() > other.order():
            if other is not None:
                skipped.append((str(other.path.relative_to(root)), f"đã có báo cáo mới hơn của {wb.name}"))
            by_agency[key] = wb
        else:
            skipped.append((shown, f"đã có báo cáo mới hơn của {other.name}"))
    return PreviousFolder(list(by_agency.values()), skipped)


class Lineage:
    """Today's agencies with their former names: who a name of earlier years is now (the one
    identity rule, ``identity.AgencyIndex``)."""

    def __init__(self, agencies: list[tuple[str, str | None, tuple[str, ...]]]):
        self.names = [a[0] for a in agencies]
        self.index = AgencyIndex([{"name": name, "code": code, "former_names": former}
                                  for name, code, former in agencies])

    def resolve(self, name: str | None, code: str | None = None) -> Match:
        return self.index.resolve(name, code)

    def match(self, name: str | None, code: str | None = None) -> int | None:
        """Index of today's agency that ``name`` (a current or former name) or ``code`` belongs to."""
        return self.index.match(name, code)

    def current_name(self, name: str | None, code: str | None = None) -> str | None:
        i = self.match(name, code)
        return self.names[i] if i is not None else None


def match_previous(lineage: Lineage, folder: PreviousFolder) -> tuple[dict[int, list[PreviousWorkbook]],
                                                                        list[PreviousWorkbook]]:
    """Today's agency index → its earlier workbooks (its own and its former agencies'), and the
    workbooks no agency of today claims (``why`` says so when several agencies fit)."""
    from cchc_xl.read.identity import ambiguous_message

    matched: dict[int, list[PreviousWorkbook]] = {}
    orphans = []
    for wb in folder.latest:
        found = lineage.resolve(wb.name, wb.code)
        if found.index is None:
            if found.ambiguous:
                wb.why = ambiguous_message(wb.name, lineage.index.agencies, found)
            orphans.append(wb)
        else:
            matched.setdefault(found.index, []).append(wb)
    return matched, orphans
