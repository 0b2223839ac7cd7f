"""The next period's workbook of an agency, carrying what is still open from the previous one.

At every report an agency used to start again from a blank table although most shortcomings
were still being worked on. ``write_next`` reads the filled workbook of the previous period and
writes the next period's workbook of the same agency:

- period: the next one after the previous (quý I → quý II → quý III → quý IV → quý I of the next
  year; 6 tháng → năm of the same year; 9 tháng → năm of the same year; năm → 6 tháng of the next
  year), unless ``year`` / ``kind`` say otherwise; it must end after the previous period;
- the same agency, appraisal year, area totals and deductions (the appraisal result stands until
  the next appraisal; a new appraisal is distributed with ``cchc-xl distribute`` instead);
- within one cycle (the periods of one report year: 6 tháng → năm, quý I → quý II …) every
  item: finished ones as they stand, with their status and result, so that the year-end
  Phụ lục II lists the year's work and its completion rate counts what was done in the first
  half; crossing into the next year only the unfinished ones, as below;
- every remediation item that is not finished: only "Đã hoàn thành" closes an item. Items
  "Đang thực hiện", "Chưa thực hiện", "Không thể thực hiện" (the shortcoming and its deduction
  still stand, and the agency reports on it again) and items with no or an unrecognised status
  are carried. Each carried item keeps its criterion, shortcoming, solution, deadline and
  status (the dropdown shows where it stood; the agency changes it), gets
  ``carried_from`` = the previous period, and its progress text moves into the note
  ("Kỳ trước (6 tháng đầu năm 2024): …") so that the progress cell is free for this period;
- indicators, propaganda, report number and date start blank; the preparer is kept.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cchc_xl import spec
from cchc_xl.files.fileio import os_reason
from cchc_xl.spec import SCHEMA_VERSION

CLOSED_STATUSES = {"hoan_thanh"}
_NEXT = {"quy_1": ("quy_2", 0), "quy_2": ("quy_3", 0), "quy_3": ("quy_4", 0), "quy_4": ("quy_1", 1),
         "6_thang": ("nam", 0), "9_thang": ("nam", 0), "nam": ("6_thang", 1)}


class CarryError(Exception):
    """The next period's workbook cannot be made (Vietnamese message naming the file)."""


def _kinds() -> set[str]:
    return {p["key"] for p in spec.period_kinds()}


def _period_end(year: int, kind: str) -> dt.date:
    return spec.period_bound(kind, year, "end")


def next_period(year: int, kind: str) -> tuple[int, str]:
    """The usual next report after ``(year, kind)``: ``(2024, "6_thang")`` → ``(2024, "nam")``."""
    nxt, step = _NEXT[kind]
    return year + step, nxt


def resolve_period(prev_year: int | None, prev_kind: str | None, year: int | None = None,
                   kind: str | None = None) -> tuple[int, str]:
    """The next period, with ``year`` / ``kind`` overriding the usual one.

    Only ``kind`` given: the first year in which that kind of period ends after the previous one
    (6 tháng 2024 then ``quy_3`` → quý III 2024; năm 2024 then ``quy_1`` → quý I 2025). Only
    ``year`` given: the usual next kind in that year. Raises ``ValueError`` (Vietnamese) when the
    previous period is unknown and not both are given, or when the result does not end after it.
    """
    known = isinstance(prev_year, int) and prev_kind in _kinds()
    if not known:
        if year is None or kind is None:
            raise ValueError("biểu mẫu kỳ trước chưa ghi đủ năm và kỳ báo cáo; hãy ghi --year và --period")
        return year, kind
    prev_end = _period_end(prev_year, prev_kind)
    if year is None and kind is None:
        year, kind = next_period(prev_year, prev_kind)
    elif year is None:
        year = prev_year
        while _period_end(year, kind) <= prev_end:
            year += 1
    elif kind is None:
        kind = next_period(prev_year, prev_kind)[1]
    if _period_end(year, kind) <= prev_end:
        raise ValueError(f"kỳ {spec.period_words(kind, year)} không sau kỳ trước "
                         f"({spec.period_words(prev_kind, prev_year)})")
    return year, kind


def same_cycle(prev_year: int | None, new_year: int) -> bool:
    """Reports of one appraisal cycle: the periods of one report year (quý, 6 tháng, 9 tháng, năm),
    which all answer the same appraisal. The year-end report starts the next cycle's record."""
    return prev_year is not None and prev_year == new_year


def keep_item(item: dict, prev: dict | None) -> dict:
    """A finished item of the same cycle, carried as it stands so the year's record stays whole."""
    out = {k: item.get(k) for k in ("code", "issue", "solution", "deadline", "status", "progress", "note")}
    out["carried_from"] = item.get("carried_from") or ({"year": prev["year"], "kind": prev["kind"]} if prev else None)
    return out


def carry_item(item: dict, prev: dict | None) -> dict:
    """A remediation item of the previous period (``{"year", "kind"}``, None if unknown), ready to update."""
    statuses = {s["key"] for s in spec.statuses()}
    raw = item.get("status")
    status = raw if raw in statuses else None
    parts = []
    if raw and status is None:
        parts.append(f"tình trạng ghi “{raw}”")
    if item.get("progress"):
        parts.append(str(item["progress"]))
    lines = [item["note"]] if item.get("note") else []
    if parts:
        when = f" ({spec.period_words(prev['kind'], prev['year'])})" if prev else ""
        lines.append(f"Kỳ trước{when}: " + "; ".join(parts))
    return {
        "code": item.get("code"),
        "issue": item.get("issue"),
        "solution": item.get("solution"),
        "deadline": item.get("deadline"),
        "status": status,
        "progress": None,
        "note": "\n".join(lines) or None,
        "carried_from": {"year": prev["year"], "kind": prev["kind"]} if prev else None,
    }


def is_open(item: dict) -> bool:
    """Not finished: anything but "Đã hoàn thành" (see the module docstring)."""
    return item.get("status") not in CLOSED_STATUSES


def next_report(previous: dict, level: str, year: int | None = None, kind: str | None = None) -> tuple[dict, int]:
    """The next period's canonical report from the previous one, and how many items were carried."""
    period = previous.get("period") or {}
    prev_year = period.get("year") if isinstance(period.get("year"), int) else None
    prev_kind = period.get("kind") if period.get("kind") in _kinds() else None
    new_year, new_kind = resolve_period(prev_year, prev_kind, year, kind)
    items = previous.get("remediation") or []
    prev = {"year": prev_year, "kind": prev_kind} if prev_year is not None and prev_kind is not None else None
    whole = same_cycle(prev_year, new_year)
    carried = [carry_item(it, prev) if is_open(it) else keep_item(it, prev) for it in items
               if whole or is_open(it)]
    agency = previous.get("agency") or {}
    ay = previous.get("appraisal_year")
    report = {
        "schema_version": SCHEMA_VERSION,
        "agency": {"name": agency.get("name"), "code": agency.get("code"), "level": level},
        "period": {"year": new_year, "kind": new_kind},
        "appraisal_year": ay if isinstance(ay, int) else None,
        "report": {"number": None, "date": None},
    }
    if previous.get("preparer"):
        report["preparer"] = dict(previous["preparer"])
    report.update({
        "areas": [dict(a) for a in previous.get("areas") or []],
        "deductions": [dict(d) for d in previous.get("deductions") or []],
        "remediation": carried,
        "indicators": {},
        "propaganda": {},
    })
    return report, len(carried)


def write_next(previous_path, out, year: int | None = None, kind: str | None = None,
               macros: bool = False) -> tuple[Path, int]:
    """``cchc-xl template --from PREVIOUS -o OUT``: write the next period's workbook.

    Returns the path written and the number of remediation items carried.
    """
    from cchc_xl.read.agency import UnreadableError, read_file

    prev_path, out = Path(previous_path), Path(out)
    if kind is not None and kind not in _kinds():
        raise CarryError(f"kỳ báo cáo “{kind}” không hợp lệ (dùng: {', '.join(sorted(_kinds()))})")
    if out.exists() and out.resolve() == prev_path.resolve():
        raise CarryError(f"{out.name}: tệp ra phải khác tệp kỳ trước (tệp kỳ trước không bao giờ bị sửa)")
    if not macros and out.suffix.lower() == ".xlsm":
        raise CarryError(f"{out.name}: tệp .xlsm chỉ tạo được với --macros")
    if macros and out.suffix.lower() != ".xlsm":
        raise CarryError(f"{out.name}: biểu mẫu có nút bấm (--macros) phải có đuôi .xlsm")
    try:
        result = read_file(prev_path)
    except UnreadableError as exc:
        raise CarryError(f"{prev_path.name}: {exc.reason}") from None
    except spec.SpecError as exc:
        raise CarryError(f"{prev_path.name}: {exc}") from None
    doc = result.report
    level = (doc.get("agency") or {}).get("level")
    if level not in spec.level_keys():
        level = result.meta.get("level")
    try:
        report, count = next_report(doc, level, year, kind)
    except ValueError as exc:
        raise CarryError(f"{prev_path.name}: {exc}") from None
    try:
        if macros:
            from cchc_xl.workbook.macros import BuildError, write_macro_template

            try:
                path = write_macro_template(out, level=level, year=report["period"]["year"],
                                            kind=report["period"]["kind"], agency=report["agency"]["name"],
                                            report=report)
            except BuildError as exc:
                raise CarryError(f"{out.name}: {exc}") from None
        else:
            from cchc_xl.workbook.template import write_template

            path = write_template(out, report=report)
    except OSError as exc:
        raise CarryError(f"{out}: không ghi được tệp ({os_reason(exc)})") from None
    except spec.SpecError as exc:
        raise CarryError(f"{prev_path.name}: {exc}") from None
    return Path(path), count


def write_next_all(previous_dir, out_dir, year: int | None = None, kind: str | None = None) -> tuple[list[Path], list]:
    """``cchc-xl template --from FOLDER -o OUT_DIR``: the next period's workbook of every agency whose
    latest workbook is in FOLDER (one run for twenty agencies). Returns the paths written and the
    files skipped (``(file, reason)``). Nothing is overwritten; on a failure nothing is kept."""
    from types import SimpleNamespace

    from cchc_xl.cycle.filenames import agency_file_names
    from cchc_xl.cycle.previous import read_previous
    from cchc_xl.workbook.template import write_template

    prev_dir, out_dir = Path(previous_dir), Path(out_dir)
    if kind is not None and kind not in _kinds():
        raise CarryError(f"kỳ báo cáo “{kind}” không hợp lệ (dùng: {', '.join(sorted(_kinds()))})")
    if out_dir.exists() and not out_dir.is_dir():
        raise CarryError(f"{out_dir}: với --from là thư mục, -o phải là thư mục (đã có một tệp trùng tên)")
    if out_dir.resolve() == prev_dir.resolve():
        raise CarryError(f"{out_dir}: thư mục ra phải khác thư mục kỳ trước")
    folder = read_previous(prev_dir)
    if not folder.latest:
        raise CarryError(f"{prev_dir}: không có biểu mẫu cơ quan nào đọc được")
    jobs = []
    for wb in sorted(folder.latest, key=lambda w: w.name):
        try:
            report, _ = next_report(wb.report, wb.level, year, kind)
        except ValueError as exc:
            raise CarryError(f"{wb.path.name}: {exc}") from None
        jobs.append(report)
    names = agency_file_names([SimpleNamespace(name=r["agency"]["name"], code=r["agency"]["code"]) for r in jobs])
    targets = [out_dir / n for n in names]
    existing = [t.name for t in targets if t.exists()]
    if existing:
        raise CarryError(f"{out_dir}: đã có tệp “{existing[0]}”; không ghi đè")
    written: list[Path] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for target, report in zip(targets, jobs):
            written.append(Path(write_template(target, report=report)))
    except BaseException as exc:
        for p in written:
            p.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise CarryError(f"{out_dir}: không ghi được biểu mẫu ({os_reason(exc)}); không tệp nào được giữ lại") from None
        raise
    return written, folder.skipped


__all__ = ["CarryError", "write_next", "next_report", "next_period", "resolve_period", "carry_item", "is_open",
           "same_cycle", "keep_item", "write_next_all"]
