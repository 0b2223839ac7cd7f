"""The xlwings renderer: sheet models and tables into the sheets of an open workbook.

Everything used is part of xlwings' common API (desktop Excel through COM or AppleScript, and
xlwings' remote engine); only the page setup goes through Excel's own object model, on Windows.
Nothing heavy is imported: a button click starts a fresh Python.
"""

from __future__ import annotations

import re
import sys

from cchc_xl.safetext import looks_like_formula
from cchc_xl.sheets.style import (
    DATE_FORMAT,
    DEFAULT_NUMBER_FORMATS,
    FONT_NAME,
    FOOTER,
    HEADER_FILL,
    HEADER_FOOTER_DISTANCE,
    NUMBER_FORMATS,
    ROW_FILLS,
    TABLE_BODY_SIZE,
    TABLE_MARGINS,
    TABLE_TITLE_SIZE,
)

_NUMBER_LIKE = re.compile(r"\s*[\d(.,]")  # what Excel would turn into a number or a date


def cell_value(v):
    """A value as it must be sent to Excel: text that Excel would turn into a formula, a number
    or a date ("- Đã hoàn thành", "1,5", "15/6/2024", "1.1") is kept as text by a leading
    apostrophe (which Excel does not store)."""
    if looks_like_formula(v) or (isinstance(v, str) and _NUMBER_LIKE.match(v)):
        return "'" + v
    return v


def try_optional(fn, *args, **kwargs):
    """Formatting that some engines cannot do (page setup on the remote engine…) is optional."""
    try:
        return fn(*args, **kwargs)
    except Exception:  # noqa: BLE001 - cosmetic only; the data has been written already
        return None


def set_optional(obj, attr: str, value) -> None:
    try:
        setattr(obj, attr, value)
    except Exception:  # noqa: BLE001 - cosmetic only
        pass



def _is_com(sheet) -> bool:
    """Desktop Excel on Windows (COM). On a Mac, ``sheet.api`` is an AppleScript reference with
    another object model; the remote engine gives plain data."""
    return sys.platform == "win32" and not isinstance(sheet.api, (dict, list))


def fresh_sheet(book, title: str, after=None):
    """An empty sheet named ``title``: an existing one is deleted and made again in its place
    (so no merge, height or format of the previous run survives), a new one goes after ``after``
    (default: last)."""
    old = next((s for s in book.sheets if s.name == title), None)
    if old is not None:
        idx = old.index
        old.delete()
        if idx <= 1:
            return book.sheets.add(title, before=book.sheets[0])
        return book.sheets.add(title, after=book.sheets[idx - 2])
    return book.sheets.add(title, after=after if after is not None else book.sheets[len(book.sheets) - 1])


def render_models(book, models, unit_pt: float, after=None) -> list:
    """Each ``SheetModel`` into a fresh sheet (the openpyxl renderer is ``sheets.xlsx.render_sheets``)."""
    from cchc_xl.sheets.measure import fit_heights

    out = []
    for m in models:
        if m.width_unit_pt != unit_pt:
            fit_heights(m, unit_pt)
        sheet = fresh_sheet(book, m.title, after=after)
        _render_model(sheet, m)
        after = sheet
        out.append(sheet)
    return out


_SIDES = {"l": "edge_left", "r": "edge_right", "t": "edge_top", "b": "edge_bottom"}


def _render_model(sheet, m) -> None:
    n, nrows = m.ncols, len(m.rows)
    grid = [[cell_value(c.value) if c is not None else None for c in row.cells] for row in m.rows]
    whole = sheet.range((1, 1), (nrows, n))
    whole.value = grid
    set_optional(whole.font, "name", m.font_name)
    set_optional(whole.font, "size", m.font_size)
    set_optional(whole, "wrap_text", True)
    set_optional(whole, "vertical_alignment", "top")
    for i, w in enumerate(m.columns, start=1):
        set_optional(sheet.range((1, i)), "column_width", w)
    r = 0
    while r < nrows:  # equal heights in one go
        h = m.rows[r].height
        k = r
        while k + 1 < nrows and m.rows[k + 1].height == h:
            k += 1
        if h is not None:
            set_optional(sheet.range((r + 1, 1), (k + 1, 1)), "row_height", h)
        r = k + 1
    runs: list[tuple] = []  # (row, col1, col2, rows down, style) of cells styled alike
    edges: list[tuple] = []  # the same for the borders alone
    for r, row in enumerate(m.rows, start=1):
        for c, cell in enumerate(row.cells, start=1):
            if cell is None:
                continue
            text = str(cell.value or "")
            bold = cell.bold or (0 < len(text) <= cell.bold_chars)
            style = (bold, cell.italic, cell.size, cell.align, cell.valign, cell.wrap, cell.number_format)
            if cell.merge_across > 1 or cell.merge_down > 1:
                sheet.range((r, c), (r + cell.merge_down - 1, c + cell.merge_across - 1)).merge()
            _extend(runs, r, c, c + cell.merge_across - 1, cell.merge_down, style, True)
            _extend(edges, r, c, c + cell.merge_across - 1, cell.merge_down, cell.border,
                    ("l" in cell.border) == ("r" in cell.border))
            if isinstance(cell.value, str) and 0 < cell.bold_chars < len(cell.value) and not cell.bold:
                try_optional(lambda rng=sheet.range((r, c)), k=cell.bold_chars: setattr(rng.characters[0:k].font, "bold", True))
    for r1, r2, c1, c2, (bold, italic, size, align, valign, wrap, fmt) in _blocks(runs, lambda st: True):
        rng = sheet.range((r1, c1), (r2, c2))
        if bold:
            set_optional(rng.font, "bold", True)
        if italic:
            set_optional(rng.font, "italic", True)
        if size and size != m.font_size:
            set_optional(rng.font, "size", size)
        if align != "left":
            set_optional(rng, "horizontal_alignment", align)
        if valign != "top":
            set_optional(rng, "vertical_alignment", valign)
        if not wrap:
            set_optional(rng, "wrap_text", False)
        if fmt:
            set_optional(rng, "number_format", fmt)
    for r1, r2, c1, c2, border in _blocks(edges, lambda b: ("t" in b) == ("b" in b)):
        if not border:
            continue
        sides = [_SIDES[x] for x in border if x in _SIDES]
        if "l" in border and "r" in border and c2 > c1:
            sides.append("inside_vertical")
        if "t" in border and "b" in border and r2 > r1:
            sides.append("inside_horizontal")
        try_optional(sheet.range((r1, c1), (r2, c2)).borders.set, sides, line_style="continuous")
    last_col = letter_of(n)
    try_optional(setattr, sheet.page_setup, "print_area", f"A1:{last_col}{max(1, nrows)}")
    if _is_com(sheet):
        try_optional(_com_page_setup, sheet, m.landscape, m.header_rows, m.footer, m.margins)


def _extend(runs: list, r: int, c1: int, c2: int, down: int, style, joinable: bool) -> None:
    """Add a cell to the runs of its row, joining it to the previous one when it looks alike."""
    last = runs[-1] if runs else None
    if joinable and last and last[0] == r and last[2] == c1 - 1 and last[3] == down and last[4] == style:
        runs[-1] = (r, last[1], c2, down, style)
    else:
        runs.append((r, c1, c2, down, style))


def _blocks(runs: list[tuple], joins_down) -> list[tuple]:
    """Runs (row, col1, col2, rows down, style) joined down the rows into rectangles
    (row1, row2, col1, col2, style) where ``joins_down(style)`` says the style looks the same on a
    rectangle as cell by cell (a border with a top rule but no bottom rule does not)."""
    open_: dict[tuple, list] = {}
    out: list[list] = []
    for r, c1, c2, down, style in sorted(runs, key=lambda x: (x[0], x[1])):
        key = (c1, c2, style)
        blk = open_.get(key)
        if blk is not None and blk[1] + 1 == r and joins_down(style):
            blk[1] = r + down - 1
        else:
            blk = [r, r + down - 1, c1, c2, style]
            out.append(blk)
            if joins_down(style):
                open_[key] = blk
    return [tuple(b) for b in out]


def _com_page_setup(sheet, landscape, header_rows, footer, margins) -> None:
    """A4, landscape, one page wide, title rows, footer: desktop Excel only (the remote engine
    has no page setup), and every property is optional."""
    app = sheet.book.app.api
    set_optional(app, "PrintCommunication", False)
    ps = sheet.api.PageSetup
    set_optional(ps, "PaperSize", 9)
    set_optional(ps, "Orientation", 2 if landscape else 1)
    set_optional(ps, "Zoom", False)
    set_optional(ps, "FitToPagesWide", 1)
    set_optional(ps, "FitToPagesTall", False)
    set_optional(ps, "CenterHorizontally", True)
    if header_rows:
        set_optional(ps, "PrintTitleRows", f"${header_rows[0]}:${header_rows[1]}")
    if footer:
        set_optional(ps, "CenterFooter", footer)
    if margins:
        left, right, top, bottom = margins
        for attr, inches in (("LeftMargin", left), ("RightMargin", right), ("TopMargin", top),
                             ("BottomMargin", bottom)):
            set_optional(ps, attr, inches * 72)
        set_optional(ps, "HeaderMargin", HEADER_FOOTER_DISTANCE * 72)
        set_optional(ps, "FooterMargin", HEADER_FOOTER_DISTANCE * 72)
    set_optional(app, "PrintCommunication", True)


def letter_of(n: int) -> str:
    """1 → "A" (1-based, as the live workbook's ranges are)."""
    from cchc_xl.files.area import col_letter

    return col_letter(n - 1)


def render_table(sheet, t) -> None:
    """One ``SheetTable`` into a live sheet (values first, then formatting), looking like the file
    ``sheets.xlsx`` writes: the same fonts, fills, alignments and number formats."""
    n = len(t.columns)
    grid = [[cell_value(v) for v in row] for row in t.grid()]
    sheet.range((1, 1)).value = grid
    nrows = len(grid)
    hr = t.header_row
    whole = sheet.range((1, 1), (nrows, n))
    set_optional(whole.font, "name", FONT_NAME)
    set_optional(whole.font, "size", TABLE_BODY_SIZE)
    set_optional(whole, "vertical_alignment", "top")
    set_optional(sheet.range((1, 1)).font, "bold", True)
    set_optional(sheet.range((1, 1)).font, "size", TABLE_TITLE_SIZE)
    if t.subtitle:
        set_optional(sheet.range((2, 1)).font, "italic", True)
    header = sheet.range((hr, 1), (hr, n))
    set_optional(header.font, "bold", True)
    set_optional(header, "color", "#" + HEADER_FILL)
    set_optional(header, "wrap_text", True)
    set_optional(header, "horizontal_alignment", "center")
    body_rows = t.rows + ([t.total] if t.total else [])
    last = hr + len(body_rows)
    table = sheet.range((hr, 1), (max(last, hr), n))
    try_optional(table.borders.set, "all", line_style="continuous", weight="thin")
    for i, col in enumerate(t.columns, start=1):
        set_optional(sheet.range((1, i)), "column_width", col.width)
        if last <= hr:
            continue
        rng = sheet.range((hr + 1, i), (last, i))
        if col.kind == "date":
            set_optional(rng, "number_format", DATE_FORMAT)
            set_optional(rng, "horizontal_alignment", "center")
        elif col.kind == "center":
            set_optional(rng, "horizontal_alignment", "center")
            set_optional(rng, "wrap_text", True)
        else:
            whole_fmt, frac_fmt = NUMBER_FORMATS.get(col.kind, DEFAULT_NUMBER_FORMATS)
            set_optional(rng, "number_format", whole_fmt)
            set_optional(rng, "wrap_text", True)
            for r, row in enumerate(body_rows, start=hr + 1):  # numbers: right, fractions their format
                v = row[i - 1] if i - 1 < len(row) else None
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    cell = sheet.range((r, i))
                    set_optional(cell, "horizontal_alignment", "right")
                    if isinstance(v, float) and not v.is_integer():
                        set_optional(cell, "number_format", frac_fmt)
    kinds = list(t.row_kinds or [])
    if t.total:
        kinds += [None] * (len(t.rows) - len(kinds)) + ["total"]
    i = 0
    while i < len(kinds):  # rows of one kind in a row are styled together
        k = i
        while k + 1 < len(kinds) and kinds[k + 1] == kinds[i]:
            k += 1
        if kinds[i] in ROW_FILLS:
            rng = sheet.range((hr + 1 + i, 1), (hr + 1 + k, n))
            set_optional(rng, "color", "#" + ROW_FILLS[kinds[i]])
            if kinds[i] in ("group", "total"):
                set_optional(rng.font, "bold", True)
        i = k + 1
    try_optional(setattr, sheet.page_setup, "print_area", f"A1:{letter_of(n)}{max(nrows, 1)}")
    if _is_com(sheet):
        try_optional(_com_page_setup, sheet, True, (hr, hr), FOOTER, TABLE_MARGINS)
