"""Text measurement shared by every workbook writer: how many lines a text takes in a column.

Spreadsheet programs do not grow a row for wrapped text that a library wrote, so printed
tables would hide lines. We estimate each row's height from its texts and column widths.
"""

from __future__ import annotations

import math

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


def fit_row(ws, row: int, size: float = 11, min_lines: int = 1, max_col: int | None = None) -> None:
    """Set the height of one row so that every wrapped cell shows all its lines."""
    lines = min_lines
    last = max_col or ws.max_column
    for col in range(1, last + 1):
        dim = ws.column_dimensions[get_column_letter(col)]
        if dim.hidden:
            continue
        value = ws.cell(row=row, column=col).value
        if value is None:
            continue
        width = dim.width or 8.43
        indent = ws.cell(row=row, column=col).alignment.indent or 0
        lines = max(lines, text_lines(value, max(1.0, width - 1.5 * indent), size))
    ws.row_dimensions[row].height = min(409, round(lines * size * 1.32 + 4, 1))
