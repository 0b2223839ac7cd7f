"""``cchc-xl consolidate``: read, consolidate, write, and the Vietnamese closing summary."""

from __future__ import annotations

import re
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

from cchc_xl.consolidate.aggregate import progress_words
from cchc_xl.consolidate.files import ConsolidationError
from cchc_xl.consolidate.records import Consolidation, consolidate
from cchc_xl.files.fileio import os_reason
from cchc_xl.numtext import format_number
from cchc_xl.workbook.consolidation import TEMPLATE_ID, write_consolidated_workbook

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
    lines = [f"Tổng hợp báo cáo CCHC {c.period_words}: tìm thấy {format_number(len(summary['files']))} tệp — được tổng hợp "
             f"{format_number(counts['accepted'])}, bị loại {format_number(counts['rejected'])}, bản trùng {format_number(counts['duplicate'])}, "
             f"bỏ qua {format_number(counts['skipped'])}."]
    if c.registry is not None:
        n = len(c.registry)
        miss = c.missing_agencies
        line = f"Đã có báo cáo của {format_number(n - len(miss))}/{format_number(n)} cơ quan trong danh sách"
        if miss:
            line += f"; chưa có: {', '.join(miss[:10])}"
            if len(miss) > 10:
                line += f" và {format_number(len(miss) - 10)} cơ quan khác"
        lines.append(line + ".")
        remind = summary.get("reminders") or []
        if remind:
            with_contact = sum(1 for x in remind if x["lien_he"])
            lines.append(f"Cần nhắc {format_number(len(remind))} cơ quan chưa nộp hoặc có tệp bị loại; {format_number(with_contact)} cơ quan có "
                         "thông tin liên hệ (cột “Liên hệ để nhắc” ở trang “Tình hình nộp”).")
        if summary["unregistered_agencies"]:
            lines.append(f"Cơ quan không có trong danh sách (vẫn được tổng hợp): "
                         f"{', '.join(summary['unregistered_agencies'][:10])}.")
    st = summary["remediation_by_status"]
    total = summary["counts"]["remediation"]
    lines.append(f"Tồn tại, hạn chế: {format_number(total)} ({progress_words(st.get('hoan_thanh', 0), total).lower()}); "
                 f"đang thực hiện {format_number(st.get('dang_thuc_hien', 0))}, chưa thực hiện "
                 f"{format_number(st.get('chua_thuc_hien', 0))}, không thể thực hiện {format_number(st.get('khong_the_thuc_hien', 0))}; "
                 f"quá hạn {format_number(summary['remediation_overdue'])}.")
    lines.append(f"Tiêu chí bị trừ điểm: {format_number(summary['counts']['deductions'])} lượt; số liệu thống kê: "
                 f"{format_number(summary['counts']['indicator_values'])} giá trị.")
    acc = [f for f in c.files if f.status == "accepted"]
    errs, warns = sum(f.errors for f in acc), sum(f.warnings for f in acc)
    if errs or warns:
        lines.append(f"Các tệp được tổng hợp còn {format_number(errs)} lỗi và {format_number(warns)} cảnh báo (xem trang “Lỗi dữ liệu”).")
    left = summary["counts"].get("excluded_values", 0)
    if left:
        lines.append(f"{format_number(left)} giá trị có lỗi không được tính vào số liệu toàn tỉnh (đánh dấu trên các trang theo "
                     "cơ quan, liệt kê ở trang “Lỗi dữ liệu”).")
    bad = [f for f in c.files if f.status in ("rejected", "duplicate")]
    if bad:
        lines.append("Tệp bị loại hoặc trùng:")
        for f in bad[:12]:
            lines.append(f"  - {f.file}: {f.reason}")
        if len(bad) > 12:
            lines.append(f"  … và {format_number(len(bad) - 12)} tệp khác (xem trang “Tình hình nộp”).")
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
                      progress=False, json_out=None, echo=print, docx_out=None, previous=None,
                      report_date=None) -> dict:
    """``cchc-xl consolidate``: read, consolidate, write OUT.xlsx (and the JSON summary), report.

    ``previous``: a previous consolidation's JSON summary; adds the comparison sheet.
    ``report_date``: the report draft's own date (``--date``; default: today in Vietnam time)."""
    from cchc_xl.files.fileio import check_writable, write_text_atomic

    start = time.perf_counter()
    prev_summary = None
    if previous is not None:
        from cchc_xl.consolidate.compare import PreviousSummaryError, load_previous

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
            from cchc_xl import safetext

            write_text_atomic(json_out, safetext.dumps(summary, Path(json_out).name, indent=2) + "\n")
        except OSError as exc:
            raise ConsolidationError(f"{json_out}: không ghi được tệp ({os_reason(exc)})") from None
    if docx_out:  # the province's report draft (report_draft.py)
        from cchc_xl.appendix.report_draft import ReportDraftError, write_report_draft

        try:
            write_report_draft(cons, summary, docx_out, date=report_date, registry=registry)
        except ReportDraftError as exc:
            raise ConsolidationError(str(exc)) from None
    cons.seconds = time.perf_counter() - start
    for line in closing_summary(cons, summary, output, json_out, warnings):
        echo(line)
    if docx_out:
        echo(f"Đã ghi dự thảo báo cáo: {docx_out}")
    return summary
