"""Printing of the open-ended input tables (Điểm bị trừ, Khắc phục) of a written workbook.

An input sheet holds only the rows people filled (``cchc_xl.workbook.input_rows``) and has no print area:
Excel prints the used range, LibreOffice the filled cells, so every copy (blank, filled,
distributed, annotated) prints every filled row and no empty one, however many rows were typed
after it was written. A workbook written before this design (300 prepared empty rows) keeps a
print area; its annotated copy moves it down to the last filled row.

Row heights: spreadsheet programs do not grow a row for wrapped text a library wrote
(LibreOffice draws the lines over the next rows), so every filled row gets the height its text
needs when a workbook is written (``fit_filled_rows``).
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter


def _filled(ws, r: int, ncol: int) -> bool:
    return any(ws.cell(row=r, column=c).value not in (None, "") for c in range(2, ncol + 1))


def print_filled_rows(ws, first: int, last: int, ncol: int) -> None:
    """Print ``ws`` from A1 down to its last filled row among ``first``…``last`` (column A holds
    the automatic row numbers); at least down to ``first``."""
    end = max([first] + [r for r in range(first, last + 1) if _filled(ws, r, ncol)])
    ws.print_area = f"A1:{get_column_letter(ncol)}{end}"


def fit_filled_rows(ws, first: int, last: int, ncol: int, size: float = 11) -> int:
    """Give every filled row of ``first``…``last`` at least the height its texts need; returns the
    last filled row (``first - 1`` when none)."""
    from cchc_xl.sheets.measure import fit_row

    last_filled = first - 1
    for r in range(first, last + 1):
        if _filled(ws, r, ncol):
            before = ws.row_dimensions[r].height
            fit_row(ws, r, size, max_col=ncol)
            if before is not None and before > (ws.row_dimensions[r].height or 0):
                ws.row_dimensions[r].height = before
            last_filled = r
    return last_filled


def _table_rows(ws, header_title: str, ncol: int) -> tuple[int, int] | None:
    """(first, last) data rows under the header whose column B reads ``header_title``."""
    for r in range(1, min(ws.max_row, 200) + 1):
        if str(ws.cell(row=r, column=2).value or "").strip() == header_title.strip():
            return r + 1, max(ws.max_row, r + 1)
    return None


def refresh_input_tables(wb) -> None:
    """A copy of a filled agency workbook (the annotated copy): every row filled since the workbook
    was written prints, looks like the table's rows (a cell another program wrote without a style
    takes its column's) and gets the height its text needs."""
    from cchc_xl import spec

    cfg = spec.sheets()["sheets"]
    tables = [(cfg["remediation"]["title"], cfg["remediation"]["columns"]),
              (cfg["scores"]["title"], cfg["scores"]["deduction_columns"])]
    for title, cols in tables:
        if title not in wb.sheetnames:
            continue
        ws = wb[title]
        found = _table_rows(ws, cols[1]["title"], len(cols))
        if found is None:
            continue
        first, last = found
        _style_typed_cells(ws, first, last, len(cols))
        fit_filled_rows(ws, first, last, len(cols))
        if ws.print_area:  # a workbook written with prepared empty rows
            print_filled_rows(ws, first, last, len(cols))


def whole_page_numbers(wb) -> None:
    """A copy of a workbook written with the footer too low for its margin (before issue 22: 0.5"
    inside a 0.6" bottom margin, cut in half by LibreOffice): the page number moves inside."""
    from cchc_xl.sheets.style import HEADER_FOOTER_DISTANCE

    for ws in wb.worksheets:
        m = ws.page_margins
        if ws.oddFooter.center.text and m is not None and (m.bottom or 0) - (m.footer or 0) < 0.35:
            m.footer = HEADER_FOOTER_DISTANCE
            m.bottom = max(m.bottom or 0, HEADER_FOOTER_DISTANCE + 0.45)
            m.header = min(m.header or HEADER_FOOTER_DISTANCE, HEADER_FOOTER_DISTANCE)


def _style_typed_cells(ws, first: int, last: int, ncol: int) -> None:
    """Filled rows' cells holding no style take their column's, with the table's rules."""
    from copy import copy

    from openpyxl.styles import Border, Side

    from cchc_xl.sheets.style import TABLE_BORDER

    ROW_RULE = Side(style="thin", color=TABLE_BORDER)  # the open tables' rules (workbook.input_rows)
    border = Border(left=ROW_RULE, right=ROW_RULE, top=ROW_RULE, bottom=ROW_RULE)
    for r in range(first, last + 1):
        if not _filled(ws, r, ncol):
            continue
        for c in range(1, ncol + 1):
            cell = ws.cell(row=r, column=c)
            if cell.has_style:
                continue
            dim = ws.column_dimensions.get(get_column_letter(c))
            if dim is None or not dim.has_style:
                continue
            cell.font, cell.alignment, cell.protection = copy(dim.font), copy(dim.alignment), copy(dim.protection)
            cell.number_format = dim.number_format
            cell.border = border


# ---- the consolidated workbook: paper or screen ------------------------------------------------

def screen_sheet_keys() -> set[str]:
    """The consolidated tables read on the screen (schemas/printing.json)."""
    from cchc_xl import spec

    return set(spec.load("printing")["consolidated"]["screen_sheets"])


def print_for_screen(ws, ncol: int) -> None:
    """A sheet read on the screen prints nothing when the workbook is printed: its print area is
    one empty cell beside the table (LibreOffice leaves an empty page out, Excel finds nothing to
    print). Its page setup stays ready: clearing the print area prints the whole table."""
    ws.print_area = f"{get_column_letter(ncol + 2)}1"
