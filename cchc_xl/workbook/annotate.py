"""A copy of a checked workbook with a results sheet and the faulty cells marked.

The input file is never modified: we load it, mark the copy in memory and write the copy
atomically elsewhere. Errors are filled red, warnings yellow, each with a comment holding the
message; the results sheet has one row per issue with a link that jumps to its cell. An issue on
a merged cell marks the merged range's top-left cell (the only one that can hold a comment).

openpyxl opens only .xlsx/.xlsm; a .xls or .ods input (which the reader accepts) is rebuilt
from its cell values into a new .xlsx, said so on the results sheet: the marked cells are at the
same addresses, but formatting, formulas and drop-down lists of the original are not kept.
"""

from __future__ import annotations

import os
from pathlib import Path

from cchc_xl import spec
from cchc_xl.safetext import looks_like_formula, writable
from cchc_xl.spec.issues import Issue, sort_issues


class AnnotateError(Exception):
    """The marked copy cannot be written (message in Vietnamese, names the file)."""


ERROR_COLOR = "FFC7CE"
WARNING_COLOR = "FFEB9C"
SEVERITY_LABEL = {"error": "Lỗi", "warning": "Cảnh báo"}
# The kind in Vietnamese for the reader; the stable code (for programs) in a narrow last column.
RESULT_COLUMNS = [("STT", 6), ("Mức độ", 10), ("Trang", 16), ("Ô", 8), ("Loại", 22), ("Nội dung", 90),
                  ("Mã", 8)]


def kind_label(code: str) -> str:
    """The Vietnamese name of an issue code (``schemas/issues.json``)."""
    return (spec.load("issues").get(code) or {}).get("label", code)


def results_rows(issues: list[Issue]) -> list[list]:
    """Rows of the results sheet (shared by the file annotator and the Excel button), errors
    first, then by sheet in workbook order, then by row (issues.sort_issues)."""
    rows = []
    for n, i in enumerate(issues, start=1):
        rows.append([n, SEVERITY_LABEL.get(i.severity, i.severity), i.sheet or "", i.cell or "", kind_label(i.code),
                     i.message, i.code])
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


def _anchor(ws, cell: str) -> str:
    """The cell that shows ``cell``: itself, or the top-left cell of the merged range holding it."""
    from openpyxl.utils.cell import coordinate_to_tuple

    try:
        row, col = coordinate_to_tuple(cell)
    except (ValueError, TypeError):
        return cell
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return rng.start_cell.coordinate
    return cell


def annotate_workbook(wb, issues: list[Issue], note: str | None = None) -> None:
    """Mark an openpyxl workbook in place (the caller decides where to save it)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    from cchc_xl.sheets.measure import fit_row
    from cchc_xl.workbook.kit import set_text
    from cchc_xl.workbook.style import BORDER, HEADER_FILL, font, print_setup

    title = spec.sheets()["sheets"]["results"]["title"]
    if title in wb.sheetnames:
        del wb[title]
    ws = wb.create_sheet(title, 0)
    errors = sum(1 for i in issues if i.severity == "error")
    ws.cell(row=1, column=1, value="KẾT QUẢ KIỂM TRA BIỂU MẪU").font = font(14, bold=True)
    ws.cell(row=2, column=1, value=summary_sentence(errors, len(issues) - errors)).font = font(12, italic=True)
    if note:
        ws.cell(row=3, column=1, value=note).font = font(11, italic=True, color="C00000")
    for col, (name, width) in enumerate(RESULT_COLUMNS, start=1):
        c = ws.cell(row=4, column=col, value=name)
        c.font, c.fill, c.border = font(11, bold=True), HEADER_FILL, BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[c.column_letter].width = width
    issues = sort_issues(issues)
    for r, (row, issue) in enumerate(zip(results_rows(issues), issues), start=5):
        for col, value in enumerate(row, start=1):
            c = ws.cell(row=r, column=col)
            set_text(c, writable(value))
            c.font, c.border = font(11), BORDER
            c.alignment = Alignment(wrap_text=True, vertical="top")
        if issue.sheet and issue.cell and issue.sheet in wb.sheetnames:
            link = ws.cell(row=r, column=4)
            link.value = link_formula(issue.sheet, issue.cell)
            link.font = Font(name="Times New Roman", size=11, color="0563C1", underline="single")
        fit_row(ws, r, 11)
    ws.freeze_panes = "A5"
    print_setup(ws, "4:4", "G")

    fills = {"error": PatternFill("solid", fgColor=ERROR_COLOR), "warning": PatternFill("solid", fgColor=WARNING_COLOR)}
    notes: dict[tuple[str, str], list[Issue]] = {}
    for issue in issues:
        if issue.sheet and issue.cell and issue.sheet in wb.sheetnames:
            notes.setdefault((issue.sheet, _anchor(wb[issue.sheet], issue.cell)), []).append(issue)
    for (sheet, cell), items in notes.items():
        target = wb[sheet][cell]
        worst = "error" if any(i.severity == "error" for i in items) else "warning"
        target.fill = fills[worst]
        text = "\n".join(f"{SEVERITY_LABEL[i.severity]}" + (f" (ô {i.cell})" if i.cell != cell else "")
                         + f": {i.message}" for i in items)
        comment = Comment(text[:2000], "cchc-xl")
        comment.width, comment.height = 320, 120
        target.comment = comment
    wb.active = 0


OPENPYXL_SUFFIXES = {".xlsx", ".xlsm"}


def annotate_file(src: str | os.PathLike, issues: list[Issue], out: str | os.PathLike, display: str | None = None,
                  max_cells: int | None = None) -> Path:
    """Write ``out``: a marked copy of ``src`` (which stays untouched).

    ``display``: the file's name as its sender knows it (the server stores files under generated
    names); ``max_cells``: the server's cell budget (``budget``), checked before the workbook is
    loaded. Raises ``AnnotateError`` with a Vietnamese message when the copy cannot be made.
    """
    from openpyxl import load_workbook

    from cchc_xl.files import budget
    from cchc_xl.files.area import UnreadableError
    from cchc_xl.sheets.printing import refresh_input_tables, whole_page_numbers
    from cchc_xl.sheets.xlsx import save_atomic

    src, out = Path(src), Path(out)
    shown = display or src.name
    try:
        budget.check_file(src, max_cells)
    except UnreadableError as exc:
        raise AnnotateError(f"{shown}: không ghi được bản đánh dấu lỗi vì {exc.reason}") from None
    note = None
    wb = None
    if src.suffix.lower() in OPENPYXL_SUFFIXES:
        # Macros (and their buttons) are kept only when the copy is an .xlsm too: an .xlsx holding
        # them is refused by Excel.
        keep_vba = src.suffix.lower() == ".xlsm" and out.suffix.lower() == ".xlsm"
        try:
            wb = load_workbook(src, keep_vba=keep_vba)
        except Exception:  # e.g. a file saved by another program that openpyxl cannot open: use its values
            wb = _load_cleaned(src, keep_vba)
    if wb is None:
        wb = _values_copy(src, shown, max_cells)
        note = (f"Bản này được dựng lại từ giá trị các ô của tệp {shown}: định dạng, công thức và danh sách "
                f"chọn của tệp gốc không được giữ. Hãy sửa trên tệp gốc (hoặc lưu tệp gốc thành .xlsx để có "
                f"bản đánh dấu đầy đủ).")
    annotate_workbook(wb, issues, note)
    refresh_input_tables(wb)  # rows filled since the workbook was written print too
    whole_page_numbers(wb)
    try:
        return save_atomic(wb, out)
    except OSError as exc:
        from cchc_xl.files.fileio import os_reason

        raise AnnotateError(f"{out.name}: không ghi được bản đánh dấu lỗi ({os_reason(exc)})") from None


def _load_cleaned(src: Path, keep_vba: bool):
    """The workbook read from a copy of ``src`` whose XML no longer holds the character references
    XML forbids (``&#1;``, written by some programs; Excel refuses them too), through the
    sanitiser; None when that is not the trouble or the copy cannot be read either."""
    import io
    import zipfile

    from openpyxl import load_workbook

    from cchc_xl.safetext import xml_without_forbidden_references

    try:
        buf, changed = io.BytesIO(), 0
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename.endswith((".xml", ".rels")):
                    data, n = xml_without_forbidden_references(data, src.name)
                    changed += n
                zout.writestr(item, data)
        return load_workbook(io.BytesIO(buf.getvalue()), keep_vba=keep_vba) if changed else None
    except Exception:
        return None


def _values_copy(src: Path, shown: str, max_cells: int | None = None):
    """A new workbook holding every sheet's values of ``src`` (read as the checker reads it)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    from cchc_xl.files import budget
    from cchc_xl.read.agency import UnreadableError
    from cchc_xl.files.boundary import load_grids

    try:
        grids, visibility = load_grids(src)
        budget.check(budget.count_grids(grids) if max_cells else None, max_cells)
    except UnreadableError as exc:
        raise AnnotateError(f"{shown}: không ghi được bản đánh dấu lỗi vì {exc.reason}") from None
    wb = Workbook()
    wb.remove(wb.active)
    wrap = Alignment(wrap_text=True, vertical="top")
    for name, grid in grids.items():
        ws = wb.create_sheet(writable(name)[:31] or "Trang")
        widths: dict[int, int] = {}
        for r, row in enumerate(grid, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(row=r, column=c)
                # control characters and forbidden character references of the source: through the sanitiser
                value = writable(value, src.name, f"trang “{ws.title}” ô {cell.coordinate}: ")
                if looks_like_formula(value):
                    cell.value = value
                    cell.data_type = "s"  # text that looks like a formula stays text
                else:
                    cell.value = value
                if isinstance(value, str):
                    cell.alignment = wrap
                widths[c] = max(widths.get(c, 8), min(len(str(value)) + 2, 60))
        for c, w in widths.items():
            ws.column_dimensions[get_column_letter(c)].width = w
        state = visibility.get(name, "visible")
        if state in ("hidden", "veryhidden"):
            ws.sheet_state = "veryHidden" if state == "veryhidden" else "hidden"
    return wb
