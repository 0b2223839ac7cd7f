"""Layout helpers shared by every workbook writer (openpyxl).

Spreadsheet programs do not grow a row for wrapped text that a library wrote, so printed
tables would hide lines. We estimate each row's height from its texts and column widths.
"""

from __future__ import annotations

import math
import re

from openpyxl.utils import get_column_letter

# Times New Roman is narrower than the default font the column width unit is based on.
CHARS_PER_WIDTH = 1.2


def text_lines(text, width: float, size: float = 11) -> int:
    if text is None or text == "":
        return 1
    s = str(text)
    if s.startswith("="):
        return 1
    cpl = max(1.0, width * CHARS_PER_WIDTH * 11.0 / size)
    return sum(max(1, math.ceil(len(part) / cpl)) for part in s.split("\n"))


def cell_lines(cell, width: float, size: float) -> int:
    """Lines a wrapped cell shows in a column ``width`` units wide, measured with the appendix's
    Times New Roman metrics (bold counted); line breaks inside the text stay line breaks."""
    from .appendix import column_text_width, wrap_text

    value = cell.value
    if not isinstance(value, str) or value.startswith("="):
        return 1
    f = cell.font
    sz = (f.sz if f is not None and f.sz else size)
    return len(wrap_text(value, column_text_width(width), sz, bool(f is not None and f.b)))


def fit_row(ws, row: int, size: float = 11, min_lines: int = 1, max_col: int | None = None) -> None:
    """Set the height of one row so that every wrapped cell shows all its lines."""
    need = min_lines * size * 1.32 + 4
    last = max_col or ws.max_column
    for col in range(1, last + 1):
        dim = ws.column_dimensions[get_column_letter(col)]
        if dim.hidden:
            continue
        cell = ws.cell(row=row, column=col)
        if cell.value is None:
            continue
        width = dim.width or 8.43
        indent = cell.alignment.indent or 0
        sz = (cell.font.sz if cell.font is not None and cell.font.sz else size)
        need = max(need, cell_lines(cell, max(1.0, width - 1.5 * indent), size) * sz * 1.32 + 4)
    ws.row_dimensions[row].height = min(409, round(need, 1))


def fit_rows(ws, first: int, last: int, size: float = 11, max_col: int | None = None) -> None:
    for r in range(first, last + 1):
        fit_row(ws, r, size, max_col=max_col)


# ---- text inside worksheet XML written directly (consolidated tables, province appendix) ------

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MARKUP = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # text that needs escaping
MAX_CELL_TEXT = 32767  # Excel's limit for one cell


def xml_cell_text(s: str) -> str:
    """Cell text as it may stand inside ``<t>``: characters XML forbids dropped, markup escaped,
    cut at Excel's limit for one cell (Excel calls a longer one a damaged file)."""
    if _MARKUP.search(s) is None and len(s) <= MAX_CELL_TEXT:
        return s
    s = _ILLEGAL_XML.sub("", s)
    if len(s) > MAX_CELL_TEXT:
        s = s[:MAX_CELL_TEXT - 1] + "…"
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

