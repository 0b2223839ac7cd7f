"""Printing of the open-ended input tables (Điểm bị trừ, Khắc phục) of a written workbook.

Every copy written (template filled from a report, distributed, annotated) prints the rows filled
in it and not the prepared empty rows: its print area is set, when it is written, down to the
last filled row. Excel and LibreOffice both honour a plain print area; a print area given as a
formula that would follow rows typed later is refused by Excel (it "repairs" the file, as
xlsx-audit reports) and ignored by LibreOffice, so rows typed later print once "Kiểm tra" has
been clicked or the print area is chosen again (README).

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
    from .sheets.measure import fit_row

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
    """A copy of a filled agency workbook (the annotated copy): the input tables print every row
    filled since the workbook was written, and rows whose text was typed or pasted by another
    program get the height it needs."""
    from . import spec

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
        fit_filled_rows(ws, first, last, len(cols))
        print_filled_rows(ws, first, last, len(cols))


# ---- the consolidated workbook: paper or screen ------------------------------------------------

def screen_sheet_keys() -> set[str]:
    """The consolidated tables read on the screen (schemas/printing.json)."""
    from . import spec

    return set(spec.load("printing")["consolidated"]["screen_sheets"])


def print_for_screen(ws, ncol: int) -> None:
    """A sheet read on the screen prints nothing when the workbook is printed: its print area is
    one empty cell beside the table (LibreOffice leaves an empty page out, Excel finds nothing to
    print). Its page setup stays ready: clearing the print area prints the whole table."""
    ws.print_area = f"{get_column_letter(ncol + 2)}1"
