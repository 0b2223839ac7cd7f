"""Text measurement shared by every workbook writer: how many lines a text takes in a column.

Spreadsheet programs do not grow a row for wrapped text that a library wrote, so printed
tables would hide lines. We estimate each row's height from its texts and column widths:
roughly by characters (``text_lines``, ``fit_row``: the agency workbooks and the consolidated
tables) or from Times New Roman's advance widths (``fit_heights``: the printed appendices).
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

from cchc_xl.sheets.model import BORDER_ALL, CellModel, RowModel, SheetModel
from cchc_xl.sheets.style import MAX_ROW_HEIGHT

# Times New Roman is narrower than the default font the column width unit is based on.
CHARS_PER_WIDTH = 1.2
# A wrapped line's pitch as a multiple of the font size, for the estimates by characters.
LINE_PITCH = 1.32


def row_height(lines: int, size: float, padding: float = 4) -> float:
    """Points a row needs to show ``lines`` lines of ``size``-point text with ``padding`` points
    around them (a table's body rows 4, a title above a table 6), within Excel's limit."""
    return min(MAX_ROW_HEIGHT, round(lines * size * LINE_PITCH + padding, 1))


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
    value = cell.value
    if not isinstance(value, str) or value.startswith("="):
        return 1
    f = cell.font
    sz = (f.sz if f is not None and f.sz else size)
    return len(wrap_text(value, column_text_width(width), sz, bool(f is not None and f.b)))


def fit_row(ws, row: int, size: float = 11, min_lines: int = 1, max_col: int | None = None) -> None:
    """Set the height of one row so that every wrapped cell shows all its lines."""
    from openpyxl.utils import get_column_letter

    need = row_height(min_lines, size)
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
        need = max(need, row_height(cell_lines(cell, max(1.0, width - 1.5 * indent), size), sz))
    ws.row_dimensions[row].height = need


# Rows estimated taller than this are split into continuation rows that print as one cell, so
# that a page break falls between them instead of pushing a whole tall row to the next page.
SPLIT_AT = 170.0

# ---- measuring text (Times New Roman; Liberation Serif has the same metrics) ---------------

# Advance widths in 1/1000 em of the printable ASCII characters 32..126.
_W_REG = [250, 333, 408, 500, 500, 833, 777, 180, 333, 333, 500, 563, 250, 333, 250, 277, 500, 500, 500, 500,
          500, 500, 500, 500, 500, 500, 277, 277, 563, 563, 563, 443, 920, 722, 666, 666, 722, 610, 556, 722,
          722, 333, 389, 722, 610, 889, 722, 722, 556, 722, 666, 556, 610, 722, 722, 943, 722, 722, 610, 333,
          277, 333, 469, 500, 333, 443, 500, 443, 500, 443, 333, 500, 500, 277, 277, 500, 277, 777, 500, 500,
          500, 500, 333, 389, 277, 500, 500, 722, 500, 500, 443, 479, 200, 479, 541]
_W_BOLD = [250, 333, 555, 500, 500, 1000, 833, 277, 333, 333, 500, 569, 250, 333, 250, 277, 500, 500, 500, 500,
           500, 500, 500, 500, 500, 500, 333, 333, 569, 569, 569, 500, 930, 722, 666, 722, 722, 666, 610, 777,
           777, 389, 500, 777, 666, 943, 722, 777, 610, 777, 722, 556, 666, 722, 722, 1000, 722, 722, 666, 333,
           277, 333, 581, 500, 333, 500, 556, 443, 556, 443, 333, 500, 556, 277, 333, 556, 277, 833, 556, 500,
           556, 556, 443, 389, 333, 556, 500, 722, 500, 500, 443, 394, 220, 394, 520]
_W_EXTRA = {"đ": (500, 556), "Đ": (722, 722), "ơ": (580, 590), "Ơ": (790, 800), "ư": (590, 620),
            "Ư": (800, 820), "–": (500, 500), "—": (1000, 1000), "“": (443, 500), "”": (443, 500),
            "‘": (333, 333), "’": (333, 333), "…": (1000, 1000), "•": (350, 350), "\u00a0": (250, 250)}
_width_cache: dict[tuple[str, bool], float] = {}

# A column-width unit is the width of a digit in the workbook's default font, whole pixels at
# 96 dpi: 7 px = 5,25 pt for Calibri 11 (Excel's and openpyxl's default), 8 px = 6 pt for Times
# New Roman 12 (the default of the appendix workbooks written here). Heights are estimated for
# the narrower unit unless the renderer knows its workbook: too tall leaves a little space, too
# short would hide lines.
DEFAULT_WIDTH_UNIT_PT = 5.25
CELL_PADDING_PT = 4.0  # the space a spreadsheet keeps free inside a cell, both sides together
WIDTH_SAFETY = 0.96  # print a little narrower than measured: renderers differ in kerning and hinting
LINE_FACTOR = 1.31  # line pitch as a multiple of the font size: Excel's (21 px per line of Times
# New Roman 12); LibreOffice sets lines closer, so its prints show a little space under the text
ROW_PADDING_PT = 2.0
_DIGIT_EM = {"calibri": 0.507, "carlito": 0.507, "arial": 0.556, "liberation sans": 0.556,
             "times new roman": 0.5, "liberation serif": 0.5, "cambria": 0.555, "tahoma": 0.546,
             "verdana": 0.636, "segoe ui": 0.554}


def _char_width(ch: str, bold: bool) -> float:
    key = (ch, bold)
    w = _width_cache.get(key)
    if w is None:
        o = ord(ch)
        if 32 <= o <= 126:
            w = (_W_BOLD if bold else _W_REG)[o - 32]
        elif ch in _W_EXTRA:
            w = _W_EXTRA[ch][1 if bold else 0]
        else:
            base = unicodedata.normalize("NFD", ch)[0]
            if base != ch and 32 <= ord(base) <= 126:
                w = (_W_BOLD if bold else _W_REG)[ord(base) - 32]
            elif base in _W_EXTRA:
                w = _W_EXTRA[base][1 if bold else 0]
            else:
                w = 722 if ch.isupper() else 560
        w = w / 1000.0
        _width_cache[key] = w
    return w


@lru_cache(maxsize=1 << 16)
def _em_width(text: str, bold: bool) -> float:
    # Vietnamese text is short syllables that recur endlessly: remember each word's width
    return sum(_char_width(ch, bold) for ch in text)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Printed width of one line of text in points."""
    return _em_width(text, bold) * size


def width_unit_pt(font_name: str | None, size: float | None) -> float:
    """The column-width unit in points for a workbook whose default font is this one."""
    em = _DIGIT_EM.get((font_name or "").strip().lower(), 0.5)
    px = max(1, round((size or 11) * 96 / 72 * em))
    return px * 0.75


def column_text_width(width_units: float, unit_pt: float = DEFAULT_WIDTH_UNIT_PT) -> float:
    """Points available for text in a column of the given width."""
    return max(6.0, (width_units * unit_pt - CELL_PADDING_PT) * WIDTH_SAFETY)


def wrap_text(text: str, width_pt: float, size: float, bold: bool = False, bold_chars: int = 0) -> list[str]:
    """The lines a spreadsheet shows for wrapped text: greedy, on spaces, long words broken."""
    return list(_wrap_text(str(text), width_pt, size, bold, bold_chars))


@lru_cache(maxsize=1 << 14)
def _wrap_text(text: str, width_pt: float, size: float, bold: bool, bold_chars: int) -> tuple[str, ...]:
    # the same cell is measured several times (fitting, splitting tall rows, re-fitting per font)
    out: list[str] = []
    pos = 0
    for para in str(text).split("\n"):
        para_bold_end = max(0, bold_chars - pos)
        pos += len(para) + 1
        if not para:
            out.append("")
            continue
        line, line_w, i = "", 0.0, 0
        for word in re.split(r"(?<= )", para):  # keep the trailing space with each word
            w_bold = bold or i < para_bold_end
            ww = text_width(word.rstrip(" "), size, w_bold)
            sw = text_width(" ", size, w_bold) if word.endswith(" ") else 0.0
            if line and line_w + ww > width_pt:
                out.append(line.rstrip(" "))
                line, line_w = "", 0.0
            while ww > width_pt and len(word) > 1:  # a word longer than the line
                cut, cut_w = 0, 0.0  # the longest head that fits (at least one character), measured once
                for ch in word:
                    cw = _char_width(ch, w_bold) * size
                    if cut and cut_w + cw > width_pt:
                        break
                    cut, cut_w = cut + 1, cut_w + cw
                out.append(word[:cut])
                word = word[cut:]
                ww = max(0.0, ww - cut_w)
            line += word
            line_w += ww + sw
            i += len(word)
        out.append(line.rstrip(" "))
    return tuple(out)


def line_height(size: float) -> float:
    return size * LINE_FACTOR


def _cell_width(model: SheetModel, col: int, cell: CellModel) -> float:
    return sum(model.columns[col:col + cell.merge_across])


def cell_height(model: SheetModel, col: int, cell: CellModel, unit_pt: float = DEFAULT_WIDTH_UNIT_PT) -> float:
    """Points a cell needs to show all its lines."""
    size = cell.size or model.font_size
    if cell.value in (None, ""):
        return line_height(size) + ROW_PADDING_PT
    if not cell.wrap:
        n = str(cell.value).count("\n") + 1
    else:
        n = len(wrap_text(str(cell.value), column_text_width(_cell_width(model, col, cell), unit_pt), size,
                          cell.bold, cell.bold_chars))
    return n * line_height(size) + ROW_PADDING_PT


def fit_heights(model: SheetModel, unit_pt: float = DEFAULT_WIDTH_UNIT_PT) -> SheetModel:
    """Give every row without a fixed height the height its texts need, for a workbook whose
    column-width unit is ``unit_pt`` points (see ``width_unit_pt``).

    The first fitting also splits rows taller than Excel allows into continuation rows; a later
    call (a renderer that knows its workbook's default font) only estimates the heights again.
    A cell merged down over several rows adds what it lacks to the last of them.
    """
    known: list[float | None] = [None] * len(model.rows)
    if not model.width_unit_pt and model.split_tall_rows:
        rows: list[RowModel] = []
        known = []
        for row in model.rows:
            parts, need = _split_tall_row(model, row)
            rows.extend(parts)
            # a row left whole was measured while deciding; measured again only for another unit
            known.extend([need if len(parts) == 1 and unit_pt == DEFAULT_WIDTH_UNIT_PT else None] * len(parts))
        model.rows = rows
    heights: list[float] = []
    for row, need in zip(model.rows, known):
        if need is not None:
            heights.append(need or line_height(model.font_size) + ROW_PADDING_PT)
            continue
        h = 0.0
        for col, cell in enumerate(row.cells):
            if cell is not None and cell.merge_down == 1:
                h = max(h, cell_height(model, col, cell, unit_pt))
        heights.append(h or line_height(model.font_size) + ROW_PADDING_PT)
    for r, row in enumerate(model.rows):
        for col, cell in enumerate(row.cells):
            if cell is not None and cell.merge_down > 1:
                span = range(r, min(len(model.rows), r + cell.merge_down))
                lack = cell_height(model, col, cell, unit_pt) - sum(heights[i] for i in span)
                if lack > 0:
                    heights[span[-1]] += lack
    for row, h in zip(model.rows, heights):
        if row.height is None or row.fitted:
            row.height = round(min(MAX_ROW_HEIGHT, h), 1)
            row.fitted = True
    model.width_unit_pt = unit_pt
    return model


def _split_tall_row(model: SheetModel, row: RowModel) -> tuple[list[RowModel], float | None]:
    """A tall row as several rows that print as one cell (no rule between them), so that a page
    break can fall inside it and no row exceeds what Excel allows; with the height the row needs
    when it was measured (None when not).

    Every column is cut into about the same number of pieces, at paragraph ends; a paragraph is
    itself cut (between its printed lines) only when it alone is taller than a row may be.
    """
    if row.height is not None or any(c is not None and c.merge_down > 1 for c in row.cells):
        return [row], None
    need = max((cell_height(model, i, c) for i, c in enumerate(row.cells) if c is not None), default=0)
    if need <= SPLIT_AT:
        return [row], need
    target_parts = math.ceil(need / SPLIT_AT)
    chunks: list[list[str]] = []
    for i, c in enumerate(row.cells):
        if c is None or not isinstance(c.value, str) or not c.value:
            chunks.append([])
            continue
        size = c.size or model.font_size
        hard = max(1, int((MAX_ROW_HEIGHT - ROW_PADDING_PT) // line_height(size)) - 1)
        chunks.append(_chunk_text(c.value, column_text_width(_cell_width(model, i, c)), size, c.bold,
                                  c.bold_chars, target_parts, hard))
    parts = max(1, max(len(ch) for ch in chunks))
    out: list[RowModel] = []
    for p in range(parts):
        cells: list[CellModel | None] = []
        for i, c in enumerate(row.cells):
            if c is None:
                cells.append(None)
                continue
            piece = CellModel(**{**c.__dict__})
            if isinstance(c.value, str) and c.value:
                piece.value = chunks[i][p] if p < len(chunks[i]) else None
                piece.bold_chars = min(c.bold_chars, len(piece.value or "")) if p == 0 else 0
            elif p > 0:
                piece.value = None
            sides = set(c.border)
            if p > 0:
                sides.discard("t")
            if p < parts - 1:
                sides.discard("b")
            piece.border = "".join(s for s in BORDER_ALL if s in sides)
            cells.append(piece)
        out.append(RowModel(cells, kind=row.kind if p == 0 else "continuation", code=row.code))
    return out, None


def _chunk_text(text: str, width_pt: float, size: float, bold: bool, bold_chars: int, parts: int,
                hard: int) -> list[str]:
    """Cut a text into about ``parts`` pieces of similar height, at paragraph ends; a paragraph of
    more than ``hard`` printed lines is cut between its lines."""
    paras: list[tuple[str, int]] = []
    pos = 0
    for para in text.split("\n"):
        lines = wrap_text(para, width_pt, size, bold, max(0, bold_chars - pos))
        pos += len(para) + 1
        while len(lines) > hard:
            paras.append((" ".join(lines[:hard]), hard))
            lines = lines[hard:]
            para = " ".join(lines)
        paras.append((para, len(lines)))
    total = sum(n for _, n in paras)
    target = max(1, math.ceil(total / parts))
    pieces: list[str] = []
    cur: list[str] = []
    cur_lines = 0
    for para, n in paras:
        if cur and (cur_lines + n > target + n // 2 or cur_lines + n > hard):
            pieces.append("\n".join(cur))
            cur, cur_lines = [], 0
        cur.append(para)
        cur_lines += n
    if cur:
        pieces.append("\n".join(cur))
    return pieces


_FIT_CACHE: dict = {}  # (column widths, what a row shows) → its height: the catalog rows are alike in every workbook


def fit_known(ws, r: int, key: tuple, ncol: int, size: float = 11) -> None:
    """``fit_row`` for a row that ``key`` describes whole (its texts and their look)."""
    widths = tuple(ws.column_dimensions[_letter(c)].width for c in range(1, ncol + 1))
    height = _FIT_CACHE.get((widths, size, key))
    if height is None:
        fit_row(ws, r, size, max_col=ncol)
        if len(_FIT_CACHE) < 50000:
            _FIT_CACHE[(widths, size, key)] = ws.row_dimensions[r].height
    else:
        ws.row_dimensions[r].height = height


def _letter(c: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(c)
