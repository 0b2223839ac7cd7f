"""A copy of a checked workbook with a results sheet and the faulty cells marked.

The input file is never modified: we load it, mark the copy in memory and write the copy
atomically elsewhere. Errors are filled red, warnings yellow, each with a comment holding the
message; the results sheet has one row per issue with a link that jumps to its cell.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import spec
from .issues import Issue

ERROR_COLOR = "FFC7CE"
WARNING_COLOR = "FFEB9C"
SEVERITY_LABEL = {"error": "Lỗi", "warning": "Cảnh báo"}
RESULT_COLUMNS = [("STT", 6), ("Mức độ", 10), ("Trang", 16), ("Ô", 8), ("Mã lỗi", 22), ("Nội dung", 90)]


def results_rows(issues: list[Issue]) -> list[list]:
    """Rows of the results sheet (shared by the file annotator and the Excel button)."""
    rows = []
    for n, i in enumerate(issues, start=1):
        rows.append([n, SEVERITY_LABEL.get(i.severity, i.severity), i.sheet or "", i.cell or "", i.code, i.message])
    return rows


def link_formula(sheet: str, cell: str) -> str:
    target = "'" + sheet.replace("'", "''") + "'!" + cell
    return f'=HYPERLINK("#{target}","{cell}")'


def summary_sentence(errors: int, warnings: int) -> str:
    if errors == 0 and warnings == 0:
        return "Biểu mẫu hợp lệ: không có lỗi, không có cảnh báo."
    if errors == 0:
        return f"Biểu mẫu hợp lệ, còn {warnings} cảnh báo nên xem lại."
    return f"Còn {errors} lỗi và {warnings} cảnh báo; xem trang “{spec.sheets()['sheets']['results']['title']}”."


def annotate_workbook(wb, issues: list[Issue]) -> None:
    """Mark an openpyxl workbook in place (the caller decides where to save it)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    from .template import BORDER, HEADER_FILL, _print_setup, _set_text, font
    from .xlstyle import fit_row

    title = spec.sheets()["sheets"]["results"]["title"]
    if title in wb.sheetnames:
        del wb[title]
    ws = wb.create_sheet(title, 0)
    errors = sum(1 for i in issues if i.severity == "error")
    ws.cell(row=1, column=1, value="KẾT QUẢ KIỂM TRA BIỂU MẪU").font = font(14, bold=True)
    ws.cell(row=2, column=1, value=summary_sentence(errors, len(issues) - errors)).font = font(12, italic=True)
    for col, (name, width) in enumerate(RESULT_COLUMNS, start=1):
        c = ws.cell(row=4, column=col, value=name)
        c.font, c.fill, c.border = font(11, bold=True), HEADER_FILL, BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[c.column_letter].width = width
    for r, (row, issue) in enumerate(zip(results_rows(issues), issues), start=5):
        for col, value in enumerate(row, start=1):
            c = ws.cell(row=r, column=col)
            _set_text(c, value)
            c.font, c.border = font(11), BORDER
            c.alignment = Alignment(wrap_text=True, vertical="top")
        if issue.sheet and issue.cell and issue.sheet in wb.sheetnames:
            link = ws.cell(row=r, column=4)
            link.value = link_formula(issue.sheet, issue.cell)
            link.font = Font(name="Times New Roman", size=11, color="0563C1", underline="single")
        fit_row(ws, r, 11)
    ws.freeze_panes = "A5"
    _print_setup(ws, "4:4", "F")

    fills = {"error": PatternFill("solid", fgColor=ERROR_COLOR), "warning": PatternFill("solid", fgColor=WARNING_COLOR)}
    notes: dict[tuple[str, str], list[Issue]] = {}
    for issue in issues:
        if issue.sheet and issue.cell and issue.sheet in wb.sheetnames:
            notes.setdefault((issue.sheet, issue.cell), []).append(issue)
    for (sheet, cell), items in notes.items():
        target = wb[sheet][cell]
        worst = "error" if any(i.severity == "error" for i in items) else "warning"
        target.fill = fills[worst]
        text = "\n".join(f"{SEVERITY_LABEL[i.severity]}: {i.message}" for i in items)
        comment = Comment(text[:2000], "cchc-xl")
        comment.width, comment.height = 320, 120
        target.comment = comment
    wb.active = 0


def annotate_file(src: str | os.PathLike, issues: list[Issue], out: str | os.PathLike) -> Path:
    """Write ``out``: a marked copy of ``src`` (which stays untouched)."""
    from openpyxl import load_workbook

    from .template import save_atomic

    keep_vba = Path(src).suffix.lower() == ".xlsm"
    wb = load_workbook(src, keep_vba=keep_vba)
    annotate_workbook(wb, issues)
    return save_atomic(wb, out)
