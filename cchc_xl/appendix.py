"""Official appendix sheets (Phụ lục I, II, III) for one agency, and the province's tables.

The appendices are what gets printed, signed and attached to a report, so they must look like
the official forms (seeds 000 and 004) and print whole. The work is split in two so that a
workbook on disk (openpyxl, here) and a live workbook behind the "Điền phụ lục" button
(xlwings, in ``excel.py``) print the same thing:

1. **Sheet models** — plain data (``SheetModel`` → ``RowModel`` → ``CellModel``): every text
   already rendered from the jinja2 templates ``cchc_xl/templates/phu_luc_*.j2`` (a province
   overrides them with ``CCHC_XL_TEMPLATE_DIR``), numbers already written the Vietnamese way
   ("1,5", "260.141", "100%"), merges, borders and row heights already decided. Row heights
   are estimated from Times New Roman metrics (``fit_heights``) for the narrowest usual
   column-width unit; a renderer that knows its workbook's default font estimates them again
   (``fit_heights(model, width_unit_pt(font, size))``). A tall row is split into continuation
   rows that print as one cell, so page breaks fall inside it and no row exceeds Excel's 409 pt.
2. **Renderers** — ``render_sheets(wb, models)`` for openpyxl; the xlwings one mirrors it.

Texts are written as text, not numbers with a number format: a number format prints "1.5" on
an English-locale Excel, and an appendix must read "1,5" wherever it is printed.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path

from . import spec
from .normalize import fold, format_number, parse_date
from .render import RenderError, render
from .model import os_reason

FONT_NAME = "Times New Roman"
BODY_SIZE = 12
TITLE_SIZE = 13
MAX_ROW_HEIGHT = 409.0  # Excel's limit for one row, in points
# Rows estimated taller than this are split into continuation rows that print as one cell, so
# that a page break falls between them instead of pushing a whole tall row to the next page.
SPLIT_AT = 170.0
BORDER_ALL = "ltrb"

SHEET_I = "Phụ lục I"
SHEET_II = "Phụ lục II"
SHEET_III = "Phụ lục III"
SHEET_PROVINCE_REMEDIATION = "PL tổng hợp khắc phục"
SHEET_PROVINCE_SUMMARY = "PL tổng hợp theo cơ quan"


class AppendixError(Exception):
    """The appendix cannot be made from this input (Vietnamese message naming the file)."""


# ---- the sheet model -----------------------------------------------------------------------

@dataclass
class CellModel:
    """One cell. ``value`` is what is printed (text, or a plain number for counts).

    ``border`` names the sides drawn: any of "l", "t", "r", "b" ("" for none). A merged cell
    (``merge_across`` columns × ``merge_down`` rows) is the anchor of its range; the positions it
    covers hold ``None`` in their rows. ``bold_chars`` makes the first N characters bold (the
    rest follows ``bold``), as in "**Tiêu chí 1: …:** Đoàn thẩm định …" of the templates.
    ``size`` None means the sheet's ``font_size``.
    """

    value: str | int | float | None = None
    bold: bool = False
    italic: bool = False
    align: str = "left"  # left | center | right
    valign: str = "top"  # top | center | bottom
    wrap: bool = True
    border: str = BORDER_ALL
    merge_across: int = 1
    merge_down: int = 1
    number_format: str | None = None
    size: float | None = None
    bold_chars: int = 0


@dataclass
class RowModel:
    """One row: exactly one entry per column (``None`` where a merge covers the position).

    ``height`` is in points (None: let the renderer decide). ``kind`` says what the row is
    ("title", "subtitle", "ref", "spacer", "header", "numbers", "area", "criterion", "item",
    "group", "data", "agency", "total", "continuation") and ``code`` which criterion, indicator
    or agency it is about; renderers may ignore both.
    """

    cells: list[CellModel | None]
    height: float | None = None
    kind: str = "data"
    code: str | None = None
    fitted: bool = False  # the height was estimated by fit_heights (and may be estimated again)


@dataclass
class SheetModel:
    """A printable sheet. ``columns`` are widths in Excel character units.

    ``header_rows`` = (first, last), 1-based, the rows repeated at the top of every printed page
    (the table header and the row of column numbers); ``freeze_row`` is the first row that
    scrolls. Printing: A4, ``landscape``, fit to one page wide and as many pages tall as needed,
    ``footer`` centred ("&P" page, "&N" pages), ``margins`` in inches (left, right, top, bottom).
    """

    key: str
    title: str
    columns: list[float]
    rows: list[RowModel] = field(default_factory=list)
    header_rows: tuple[int, int] | None = None
    freeze_row: int | None = None
    landscape: bool = True
    font_name: str = FONT_NAME
    font_size: float = BODY_SIZE
    footer: str = "Trang &P / &N"
    margins: tuple[float, float, float, float] = (0.5, 0.4, 0.55, 0.6)
    width_unit_pt: float = 0.0  # the column-width unit the row heights were fitted for (0: not yet)

    @property
    def ncols(self) -> int:
        return len(self.columns)

    def texts(self) -> list[str]:
        """Every printed text, row by row (for tests and searches)."""
        return [str(c.value) for r in self.rows for c in r.cells if c is not None and c.value not in (None, "")]


def _cell(value=None, **kw) -> CellModel:
    return CellModel(_clean(value), **kw)


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean(value):
    """NFC text without control characters a workbook cannot hold."""
    if isinstance(value, str):
        return _ILLEGAL.sub("", unicodedata.normalize("NFC", value))
    return value


def _full_row(model_cols: int, cell: CellModel, kind: str, height: float | None = None) -> RowModel:
    cell.merge_across = model_cols
    return RowModel([cell] + [None] * (model_cols - 1), height=height, kind=kind)


# ---- text from the templates ---------------------------------------------------------------

def _text(template: str, **ctx) -> str:
    return _clean(render(template, **ctx))


def _lines(template: str, count: int | None = None, **ctx) -> list[str]:
    lines = [ln.strip() for ln in _text(template, **ctx).split("\n") if ln.strip()]
    if count is not None and len(lines) != count:
        raise RenderError(f"Mẫu văn bản {template} phải có đúng {count} dòng (mỗi dòng một tiêu đề), "
                          f"hiện có {len(lines)} dòng")
    return lines


def _marked(text: str) -> tuple[str, int]:
    """"**Tiêu chí 1: …:** rest" → ("Tiêu chí 1: …: rest", number of bold leading characters)."""
    if text.startswith("**"):
        end = text.find("**", 2)
        if end > 2:
            head = text[2:end]
            return head + text[end + 2:], len(head)
    return text, 0


def _title_lines(template: str, **ctx) -> tuple[str, str]:
    lines = _lines(template, **ctx)
    if not lines:
        raise RenderError(f"Mẫu văn bản {template} không có nội dung")
    return lines[0], "\n".join(lines[1:])


def _period_ctx(report_or_period: dict, agency: str | None = None, level: str | None = None,
                appraisal_year=None) -> dict:
    period = report_or_period.get("period", report_or_period) or {}
    year, kind = period.get("year"), period.get("kind")
    words = spec.period_words(kind, year) if year else (spec.label_of("period_kinds", kind) or "")
    return {"period_words": words, "year": year, "kind": kind, "appraisal_year": appraisal_year,
            "agency": agency, "level": level}


def _period_end_month(kind: str | None) -> int | None:
    for item in spec.period_kinds():
        if item["key"] == kind:
            return int(item["end"].split("-")[0])
    return None


def report_ref(number: str | None, date, agency: str | None, agency_code: str | None,
               period: dict | None) -> str:
    """The italic line "(Kèm theo Báo cáo số 2216/BC-STC ngày 15/6/2024 của Sở Tài chính)".

    A number not yet assigned ("/BC-STC", or none) and a date not yet known are left blank the
    way agencies leave them before signing; see ``phu_luc_kem_theo.j2``.
    """
    num = (number or "").strip()
    if "/" in num:
        no, symbol = num.split("/", 1)
    else:
        no, symbol = num, ""
    symbol = symbol.strip() or (f"BC-{agency_code}" if agency_code else "BC-")
    d = parse_date(date) if date else None
    period = period or {}
    if d:
        day, month, year = d.day, d.month, d.year
    else:
        day, month, year = None, _period_end_month(period.get("kind")), period.get("year")
    return _text("phu_luc_kem_theo.j2", number=no.strip(), symbol=symbol, day=day, month=month, year=year,
                 agency=agency or "…")


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
                cut = len(word)
                while cut > 1 and text_width(word[:cut], size, w_bold) > width_pt:
                    cut -= 1
                out.append(word[:cut])
                word = word[cut:]
                ww = text_width(word.rstrip(" "), size, w_bold)
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
    if not model.width_unit_pt:
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


# ---- shared layout pieces ------------------------------------------------------------------

def _title_block(model: SheetModel, heading: str, title: str, ref: str | None) -> None:
    n = model.ncols
    model.rows.append(_full_row(n, _cell(heading, bold=True, align="center", border="", size=TITLE_SIZE), "title"))
    if title:
        model.rows.append(_full_row(n, _cell(title, bold=True, align="center", border="", size=TITLE_SIZE,
                                             valign="center"), "subtitle"))
    if ref:
        model.rows.append(_full_row(n, _cell(ref, italic=True, align="center", border=""), "ref"))
    model.rows.append(_full_row(n, _cell(None, border=""), "spacer", height=8))


def _header_row(titles: list[str]) -> RowModel:
    return RowModel([_cell(t, bold=True, align="center", valign="center") for t in titles], kind="header")


def _numbers_row(n: int) -> RowModel:
    return RowModel([_cell(f"({i})", italic=True, align="center", valign="center", size=BODY_SIZE - 1)
                     for i in range(1, n + 1)], kind="numbers")


def _finish(model: SheetModel, first_header: int, last_header: int) -> SheetModel:
    model.header_rows = (first_header, last_header)
    model.freeze_row = last_header + 1
    return fit_heights(model)


def _bulleted(paragraphs: list[str]) -> str:
    """Several paragraphs in one cell: each on its own line behind "- ", as the seeds write them.

    Paragraphs that already carry a bullet, and lead-in lines ending with ":", are left as written.
    """
    paras = [p.strip() for p in paragraphs if p and p.strip()]
    if len(paras) <= 1:
        return paras[0] if paras else ""
    out = []
    for p in paras:
        if p[:1] in _BULLET_START or p.endswith(":"):
            out.append(p)
        else:
            out.append("- " + p)
    return "\n".join(out)


_BULLET_START = "-+•*–"
_SENTENCE_END = ".;:!?…"


def _paragraphs(text) -> list[str]:
    """The paragraphs of a cell. A line break inside a sentence (text pasted from Word: the next
    line starts in lower case after a line without closing punctuation, or follows a comma)
    continues the paragraph, kept as a line break, so that it does not become a new bullet."""
    if text is None:
        return []
    out: list[str] = []
    for line in (p.strip() for p in str(text).split("\n")):
        if not line:
            continue
        prev = out[-1] if out else None
        continues = prev is not None and line[0] not in _BULLET_START and (
            prev.endswith(",") or (line[0].islower() and not prev.endswith(tuple(_SENTENCE_END))))
        if continues:
            out[-1] = prev + "\n" + line
        else:
            out.append(line)
    return out


def display_value(row: dict, value) -> str:
    """An indicator value as the appendix prints it: "1,5", "260.141", "98,73%", a choice's label."""
    if value is None or value == "":
        return ""
    kind = row.get("kind")
    if isinstance(value, bool):
        return str(value)
    if kind == "choice":
        for c in row.get("choices") or []:
            if isinstance(value, (int, float)) and c["value"] == value:
                return c["label"]
    if isinstance(value, (int, float)):
        text = format_number(value)
        return text + "%" if kind == "percent" else text
    return str(value)


def display_unit(row: dict) -> str:
    """The unit cell; for coded choices the codes as the catalog defines them, one per line
    ("Không = 0", "Có = 1"), not the official form's colliding codes."""
    if row.get("kind") == "choice" and row.get("choices"):
        return "\n".join(f"{c['label']} = {c['value']}" for c in row["choices"])
    return row.get("unit") or ""


# ---- Phụ lục I (propaganda) ----------------------------------------------------------------

def _doc_ctx(report: dict) -> dict:
    agency = report.get("agency") or {}
    return _period_ctx(report, agency.get("name"), agency.get("level"), report.get("appraisal_year"))


def _ref_for(report: dict) -> str:
    agency = report.get("agency") or {}
    rep = report.get("report") or {}
    return report_ref(rep.get("number"), rep.get("date"), agency.get("name"), agency.get("code"),
                      report.get("period"))


def propaganda_model(report: dict, cat: spec.Catalog) -> SheetModel:
    """Phụ lục I: TT | Chỉ tiêu | Đơn vị tính | Số lượng | Ghi chú (04 with its second line)."""
    model = SheetModel("phu_luc_i", SHEET_I, [6, 66, 16, 13, 28])
    heading, title = _title_lines("phu_luc_i_tieu_de.j2", **_doc_ctx(report))
    _title_block(model, heading, title, _ref_for(report))
    first = len(model.rows) + 1
    model.rows.append(_header_row(_lines("phu_luc_i_cot.j2", 5)))
    model.rows.append(_numbers_row(5))
    last = len(model.rows)
    values = report.get("propaganda") or {}
    rows = list(cat.propaganda["rows"])
    known = {r["code"] for r in rows}
    rows += [{"code": c, "name": "(Mã không có trong danh mục)", "kind": "text"} for c in values if c not in known]
    for row in rows:
        v = values.get(row["code"]) or {}
        number = row.get("form_number", row["code"])
        model.rows.append(RowModel([
            _cell(number, align="center"),
            _cell((row["label"] + ": " if row.get("label") else "") + row["name"]),
            _cell(display_unit(row), align="center"),
            _cell(display_value(row, v.get("value")), align="center"),
            _cell(v.get("note")),
        ], code=row["code"]))
    return _finish(model, first, last)


# ---- Phụ lục III (indicators) --------------------------------------------------------------

def indicators_model(report: dict, cat: spec.Catalog) -> SheetModel:
    """Phụ lục III: every catalog row, group rows bold, numbers the way the catalog corrects them.

    The STT column prints the catalog's code ("1.2.1."), not the official form's repeated and
    drifting numbers (``form_number``): the catalog is where those defects are corrected.
    """
    model = SheetModel("phu_luc_iii", SHEET_III, [9, 64, 18, 13, 26])
    heading, title = _title_lines("phu_luc_iii_tieu_de.j2", **_doc_ctx(report))
    _title_block(model, heading, title, _ref_for(report))
    first = len(model.rows) + 1
    t = _lines("phu_luc_iii_cot.j2", 6)
    hdr = dict(bold=True, align="center", valign="center")
    model.rows.append(RowModel([_cell(t[0], merge_down=2, **hdr), _cell(t[1], merge_down=2, **hdr),
                                _cell(t[2], merge_across=2, **hdr), None,
                                _cell(t[5], merge_down=2, **hdr)], kind="header"))
    model.rows.append(RowModel([None, None, _cell(t[3], **hdr), _cell(t[4], **hdr), None], kind="header"))
    model.rows.append(_numbers_row(5))
    last = len(model.rows)
    values = report.get("indicators") or {}
    rows = list(cat.indicators["rows"])
    known = {r["code"] for r in rows}
    rows += [{"code": c, "name": "(Mã không có trong danh mục)", "kind": "text"} for c in values if c not in known]
    for row in rows:
        group = bool(row.get("group"))
        v = values.get(row["code"]) or {}
        name = (row["label"] + ": " if row.get("label") else "") + row["name"]
        model.rows.append(RowModel([
            _cell(row["code"] + ".", bold=group),
            _cell(name, bold=group),
            _cell("" if group else display_unit(row), align="center"),
            _cell("" if group else display_value(row, v.get("value")), align="center"),
            _cell(v.get("note"), bold=False),
        ], kind="group" if group else "data", code=row["code"]))
    return _finish(model, first, last)


# ---- Phụ lục II (remediation) --------------------------------------------------------------

def _status_words() -> dict[str, list[str]]:
    return {s["key"]: [fold(s["label"])] + [fold(x) for x in s.get("synonyms", [])] for s in spec.statuses()}


def progress_text(item: dict) -> str:
    """The "Tiến độ thực hiện" text of one remediation item (``phu_luc_ii_tien_do.j2``)."""
    status = item.get("status")
    label = spec.label_of("statuses", status) if status else None
    progress = (item.get("progress") or "").strip() or None
    states = False
    if progress:
        f = fold(progress)
        states = any(f.startswith(w) for w in _status_words().get(status, []))
    return _text("phu_luc_ii_tien_do.j2", status=status, status_label=label, progress=progress,
                 progress_lines=_paragraphs(progress), states_status=states)


def _right_cells(items: list[dict]) -> list[CellModel]:
    """Solution, deadline, progress and note of the items a row answers for."""
    solutions = [p for it in items for p in _paragraphs(it.get("solution"))]
    deadlines = [str(it.get("deadline")).strip() for it in items if it.get("deadline")]
    if len(set(deadlines)) == 1:
        deadlines = deadlines[:1]
    progress = [p for it in items for p in _paragraphs(progress_text(it))]
    notes = [p for it in items for p in _paragraphs(it.get("note"))]
    return [_cell(_bulleted(solutions)), _cell(_bulleted(deadlines), align="center" if len(deadlines) <= 1 else "left"),
            _cell(_bulleted(progress)), _cell(_bulleted(notes))]


@dataclass
class _Line:
    """A criterion line of an area: a deduction, or a criterion only named by remediation items."""

    code: str
    deduction: dict | None
    items: list[dict] = field(default_factory=list)


@dataclass
class _Area:
    code: str
    name: str | None
    score: float | None
    max_score: float | None
    stated: bool
    lines: list[_Line] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)  # coded with the area itself


def remediation_groups(report: dict, cat: spec.Catalog) -> tuple[list[_Area], list[dict]]:
    """Areas in catalog order with their deductions and remediation items, and the uncoded items.

    An item coded with a deducted criterion stands beside that criterion; one coded with the
    area stands beside the whole area; one coded with a criterion that lost no points gets a
    line of its own. Area totals are taken exactly as the appraisal team announced them.
    """
    stated = {a["code"]: a for a in report.get("areas") or [] if a.get("code")}
    order = [a["code"] for a in cat.criteria["areas"]] + [c for c in stated if c not in cat.areas_by_code]
    area_codes = set(order)
    areas: dict[str, _Area] = {}

    def area(code: str) -> _Area:
        if code not in areas:
            if code not in area_codes:
                order.append(code)
                area_codes.add(code)
            st = stated.get(code) or {}
            areas[code] = _Area(code, st.get("name") or cat.criterion_name(code),
                                st.get("score"), st.get("max_score") if st.get("max_score") is not None
                                else cat.max_score(code), bool(st))
        return areas[code]

    for code in stated:
        area(code)
    lines: dict[str, _Line] = {}
    for d in report.get("deductions") or []:
        code = d.get("code")
        if not code:
            continue
        if code in lines:  # the same criterion twice: keep both lines
            code_key = f"{code}#{len(lines)}"
        else:
            code_key = code
        line = _Line(code, d)
        lines[code_key] = line
        area(code if code in area_codes else spec.area_of(code)).lines.append(line)
    others: list[dict] = []
    for it in report.get("remediation") or []:
        code = it.get("code")
        if not code:
            others.append(it)
        elif code in area_codes or "." not in code:
            area(code).items.append(it)
        elif code in lines:
            lines[code].items.append(it)
        else:
            line = _Line(code, None, [it])
            lines[code] = line
            area(spec.area_of(code)).lines.append(line)
    ordered = [areas[c] for c in order if c in areas]
    return [a for a in ordered if a.lines or a.items or a.stated], others


def _criterion_line(line: _Line, level: str | None, cat: spec.Catalog) -> str:
    d = line.deduction or {}
    max_score = d.get("max_score")
    if max_score is None and d.get("score") is not None:
        max_score = cat.max_score(line.code)
    return _text("phu_luc_ii_tieu_chi.j2", code=line.code, title=d.get("name") or cat.criterion_name(line.code),
                 score=d.get("score"), max_score=max_score, reason=(d.get("reason") or "").strip() or None,
                 issues=[it["issue"].strip() for it in line.items if (it.get("issue") or "").strip()],
                 deducted=line.deduction is not None, level=level)


def _tt_cell(value, first: bool, last: bool) -> CellModel:
    """The TT column of a group drawn as one cell over the group's rows, without merging them
    (a merged cell that crosses a page break loses its text on the second page)."""
    border = "l" + ("t" if first else "") + "r" + ("b" if last else "")
    return _cell(value, align="center", border=border)


def remediation_model(report: dict, cat: spec.Catalog) -> SheetModel:
    """Phụ lục II grouped by area as in seed 004 (columns as in seed 000).

    An area whose items answer for the whole area prints as one row, heading and criterion lines
    in one cell beside the solutions, as seed 004 does. An area with items tied to its criteria
    prints a heading row and one row per criterion, each beside its own solutions, as seed 000
    does. Items not tied to any criterion close the table in a group of their own.
    """
    model = SheetModel("phu_luc_ii", SHEET_II, [5, 47, 32, 12, 30, 9])
    ctx = _doc_ctx(report)
    level = (report.get("agency") or {}).get("level")
    heading, title = _title_lines("phu_luc_ii_tieu_de.j2", **ctx)
    _title_block(model, heading, title, _ref_for(report))
    first = len(model.rows) + 1
    model.rows.append(_header_row(_lines("phu_luc_ii_cot.j2", 6)))
    model.rows.append(_numbers_row(6))
    last = len(model.rows)
    areas, others = remediation_groups(report, cat)
    tt = 0
    for a in areas:
        tt += 1
        head, bold_n = _marked(_text(
            "phu_luc_ii_linh_vuc.j2", code=a.code, title=a.name, score=a.score, max_score=a.max_score,
            has_deductions=any(ln.deduction is not None for ln in a.lines),
            issues=[it["issue"].strip() for it in a.items if (it.get("issue") or "").strip()], level=level))
        texts = [_criterion_line(ln, level, cat) for ln in a.lines]
        if not any(ln.items for ln in a.lines):
            body = "\n".join([head, *texts])
            model.rows.append(RowModel([_cell(tt, align="center"), _cell(body, bold_chars=bold_n),
                                        *_right_cells(a.items)], kind="area", code=a.code))
            continue
        model.rows.append(RowModel([_tt_cell(tt, True, False), _cell(head, bold_chars=bold_n),
                                    *_right_cells(a.items)], kind="area", code=a.code))
        for i, (ln, text) in enumerate(zip(a.lines, texts)):
            model.rows.append(RowModel([_tt_cell(None, False, i == len(a.lines) - 1), _cell(text),
                                        *_right_cells(ln.items)], kind="criterion", code=ln.code))
    if others:
        tt += 1
        head, bold_n = _marked(_text("phu_luc_ii_nhom_khac.j2", count=len(others), level=level))
        model.rows.append(RowModel([_tt_cell(tt, True, False), _cell(head, bold_chars=bold_n),
                                    *_right_cells([])], kind="group"))
        for n, it in enumerate(others, start=1):
            text = _text("phu_luc_ii_ton_tai_khac.j2", n=n, issue=(it.get("issue") or "").strip())
            model.rows.append(RowModel([_tt_cell(None, False, n == len(others)), _cell(text), *_right_cells([it])],
                                       kind="item"))
    return _finish(model, first, last)


# ---- one agency ----------------------------------------------------------------------------

def agency_appendix_models(report: dict, catalog: spec.Catalog | None = None) -> list[SheetModel]:
    """Phụ lục I, II and III of one canonical report, in that order.

    Raises ``RenderError`` (Vietnamese message) when a wording template is missing or broken.
    """
    cat = catalog or spec.catalog((report.get("agency") or {}).get("level") or "so", report.get("appraisal_year"))
    return [propaganda_model(report, cat), remediation_model(report, cat), indicators_model(report, cat)]


def _load_source(src: str | os.PathLike, issues: list | None = None) -> tuple[dict, spec.Catalog | None]:
    """The report and catalog of a workbook or JSON document; with ``issues``, a workbook's
    validation issues are added to that list from the same reading."""
    from .model import ReportError, load_report
    from .reader import UnreadableError, read_file

    path = Path(src)
    name = path.name
    if path.suffix.lower() == ".json":
        try:
            return load_report(path), None
        except ReportError as exc:
            raise AppendixError(str(exc)) from None
    try:
        result = read_file(path)
    except UnreadableError as exc:
        raise AppendixError(f"{name}: {exc.reason}") from None
    if issues is not None:
        from .validate import check_read

        issues.extend(check_read(result))
    return result.report, result.catalog


def build_agency_workbook(report: dict, catalog: spec.Catalog | None = None):
    """An openpyxl workbook holding only Phụ lục I, II and III."""
    from openpyxl import Workbook

    from . import __version__

    wb = Workbook()
    wb.remove(wb.active)
    set_default_font(wb)
    render_sheets(wb, agency_appendix_models(report, catalog))
    wb.active = 0
    wb.properties.creator = f"cchc-xl {__version__}"
    wb.properties.title = "Phụ lục báo cáo CCHC"
    return wb


def write_agency_appendix(src: str | os.PathLike, out: str | os.PathLike, issues: list | None = None) -> Path:
    """Phụ lục I, II, III of a filled agency workbook (.xlsx/.xlsm) or a canonical report (.json).

    The output is written whole or not at all. Every failure is an ``AppendixError`` whose
    Vietnamese message names the input file. Pass a list as ``issues`` to receive the workbook's
    validation issues, found in the same reading (the command warns when there are errors).
    """
    from .model import same_file
    from .template import save_atomic

    name = Path(src).name
    if same_file(src, out):
        raise AppendixError(f"{out}: tệp ra phải khác tệp đầu vào (tệp của cơ quan không bao giờ bị ghi đè)")
    word = Path(out).suffix.lower() == ".docx"  # the output's suffix decides: Word tables or sheets
    try:
        report, cat = _load_source(src, issues)
        if word:
            from .sheets.docx import build_document

            doc = build_document(agency_appendix_models(report, cat))
        else:
            wb = build_agency_workbook(report, cat)
    except (RenderError, spec.SpecError) as exc:
        raise AppendixError(f"{name}: không lập được phụ lục: {exc}") from None
    try:
        if word:
            from .sheets.docx import save_document

            return save_document(doc, out)
        return save_atomic(wb, out)
    except OSError as exc:
        raise AppendixError(f"{name}: không ghi được {out}: {os_reason(exc)}") from None


# ---- the province --------------------------------------------------------------------------

def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += letters
            n -= value
    return out


def _rate(done: int, total: int):
    return round(100.0 * done / total, 2) if total else None


def points_lost(report: dict):
    """Points an agency lost: from the area totals the appraisal team announced when it gave
    them (kept as entered, even when the deductions listed do not add up), else the sum over the
    deducted criteria; None when neither is known."""
    areas = [a for a in report.get("areas") or [] if a.get("score") is not None and a.get("max_score") is not None]
    if areas:
        return round(sum(a["max_score"] - a["score"] for a in areas), 6)
    deds = [d for d in report.get("deductions") or [] if d.get("score") is not None and d.get("max_score") is not None]
    if deds:
        return round(sum(d["max_score"] - d["score"] for d in deds), 6)
    return None


def _majority_appraisal_year(reports: list[dict], period: dict):
    years = [r.get("appraisal_year") for r in reports if r.get("appraisal_year")]
    if years:
        return max(set(years), key=lambda y: (years.count(y), y))
    return (period.get("year") - 1) if period.get("year") else None


def status_counts(report: dict) -> dict[str, int]:
    counts = {s["key"]: 0 for s in spec.statuses()}
    for it in report.get("remediation") or []:
        if it.get("status") in counts:
            counts[it["status"]] += 1
    return counts


def province_remediation_model(reports: list[dict], period: dict, issuer: dict | None = None) -> SheetModel:
    """The consolidated Phụ lục II: one heading row per agency, then its items (seed 002's spirit)."""
    issuer = issuer or {}
    model = SheetModel("tong_hop_khac_phuc", SHEET_PROVINCE_REMEDIATION, [5, 24, 32, 28, 12, 13, 28])
    ctx = {**_period_ctx(period, issuer.get("name")), "appraisal_year": _majority_appraisal_year(reports, period),
           "agencies": len(reports)}
    heading, title = _title_lines("phu_luc_tong_hop_tieu_de.j2", **ctx)
    _title_block(model, heading, title, _issuer_ref(issuer, period))
    first = len(model.rows) + 1
    model.rows.append(_header_row(_lines("phu_luc_tong_hop_cot.j2", 7)))
    model.rows.append(_numbers_row(7))
    last = len(model.rows)
    n = model.ncols
    crit_texts: dict[tuple, str] = {}
    for k, rep in enumerate(reports, start=1):
        agency = rep.get("agency") or {}
        level = agency.get("level")
        items = rep.get("remediation") or []
        done = status_counts(rep)["hoan_thanh"]
        head = _text("phu_luc_tong_hop_co_quan.j2", agency=agency.get("name") or "…", total=len(items), done=done,
                     rate=_rate(done, len(items)))
        model.rows.append(RowModel([_cell(_roman(k), bold=True, align="center"),
                                    _cell(head, bold=True, merge_across=n - 1)] + [None] * (n - 2),
                                   kind="agency", code=agency.get("code") or agency.get("name")))
        try:
            cat = spec.catalog(level or "so", rep.get("appraisal_year"))
        except spec.SpecError:
            cat = None
        deds = {d.get("code"): d for d in rep.get("deductions") or [] if d.get("code")}
        stated = {a.get("code"): a for a in rep.get("areas") or [] if a.get("code")}
        for i, it in enumerate(items, start=1):
            code = it.get("code")
            d = deds.get(code) or stated.get(code) or {}
            is_area = bool(code) and (code in stated or (cat is not None and code in cat.areas_by_code)
                                      or "." not in code)
            name = d.get("name") or (cat.criterion_name(code) if cat and code else None)
            key = (code, name, d.get("score"), d.get("max_score"), is_area, level)
            crit = crit_texts.get(key)
            if crit is None:  # the same criterion and score recur across agencies: rendered once
                crit = crit_texts[key] = _text("phu_luc_tong_hop_tieu_chi.j2", code=code, title=name,
                                               score=d.get("score"), max_score=d.get("max_score"),
                                               is_area=is_area, level=level)
            issue = (it.get("issue") or "").strip() or (deds.get(code) or {}).get("reason") or ""
            label = spec.label_of("statuses", it.get("status")) if it.get("status") else ""
            model.rows.append(RowModel([
                _cell(i, align="center"), _cell(crit), _cell(issue), _cell(_bulleted(_paragraphs(it.get("solution")))),
                _cell(it.get("deadline"), align="center"), _cell(label, align="center"),
                _cell(_bulleted(_paragraphs(it.get("progress")))),
            ], kind="item", code=code))
    return _finish(model, first, last)


def province_summary_model(reports: list[dict], period: dict, issuer: dict | None = None) -> SheetModel:
    """One row per agency: items, finished, in progress, not started, cannot, rate, points lost."""
    issuer = issuer or {}
    model = SheetModel("tong_hop_theo_co_quan", SHEET_PROVINCE_SUMMARY, [5, 36, 12, 12, 12, 12, 12, 16, 12])
    ctx = {**_period_ctx(period, issuer.get("name")), "appraisal_year": _majority_appraisal_year(reports, period),
           "agencies": len(reports)}
    heading, title = _title_lines("phu_luc_thong_ke_tieu_de.j2", **ctx)
    _title_block(model, heading, title, _issuer_ref(issuer, period))
    first = len(model.rows) + 1
    titles = _lines("phu_luc_thong_ke_cot.j2", 10)
    model.rows.append(_header_row(titles[:9]))
    model.rows.append(_numbers_row(9))
    last = len(model.rows)
    keys = ["hoan_thanh", "dang_thuc_hien", "chua_thuc_hien", "khong_the_thuc_hien"]
    total = {k: 0 for k in keys}
    total_items = 0
    for k, rep in enumerate(reports, start=1):
        counts = status_counts(rep)
        n_items = len(rep.get("remediation") or [])
        lost = points_lost(rep)
        total_items += n_items
        for key in keys:
            total[key] += counts[key]
        model.rows.append(RowModel(
            [_cell(k, align="center"), _cell((rep.get("agency") or {}).get("name") or "…"),
             _cell(n_items, align="center")]
            + [_cell(counts[key], align="center") for key in keys]
            + [_cell(_text("phu_luc_ty_le.j2", done=counts["hoan_thanh"], total=n_items,
                           rate=_rate(counts["hoan_thanh"], n_items)), align="center"),
               _cell(format_number(lost, 3) if lost is not None else "", align="center")],
            kind="data", code=(rep.get("agency") or {}).get("code")))
    model.rows.append(RowModel(
        [_cell(titles[9], bold=True, align="center", merge_across=2), None, _cell(total_items, bold=True, align="center")]
        + [_cell(total[key], bold=True, align="center") for key in keys]
        + [_cell(_text("phu_luc_ty_le.j2", done=total["hoan_thanh"], total=total_items,
                       rate=_rate(total["hoan_thanh"], total_items)), bold=True, align="center"),
           _cell(None, bold=True, align="center")],  # points of different agencies do not add up
        kind="total"))
    return _finish(model, first, last)


def _issuer_ref(issuer: dict, period: dict) -> str:
    return report_ref(issuer.get("number"), issuer.get("date"), issuer.get("name") or "Sở Nội vụ",
                      issuer.get("code") or "SNV", period)


def province_appendix_models(reports: list[dict], period: dict, issuer: dict | None = None) -> list[SheetModel]:
    """The consolidated remediation appendix and the summary per agency, for the Home Affairs
    department. ``issuer`` (optional): {"name", "code", "number", "date"} of the province's report,
    by default Sở Nội vụ with the number and day left blank."""
    return [province_remediation_model(reports, period, issuer), province_summary_model(reports, period, issuer)]


def add_province_appendix_sheets(wb, reports: list[dict], period: dict, issuer: dict | None = None,
                                 xml_rows: bool = False) -> list:
    """Add (or replace) the province's appendix sheets in an openpyxl workbook; returns them
    (as ``(ws, SheetRowsXml)`` pairs with ``xml_rows``, see ``render_sheets``)."""
    return render_sheets(wb, province_appendix_models(reports, period, issuer), xml_rows=xml_rows)


# ---- the openpyxl renderer -----------------------------------------------------------------

def set_default_font(wb, name: str = FONT_NAME, size: float = BODY_SIZE) -> None:
    """Make ``name`` the default font of a new openpyxl workbook (before anything is styled).

    The column-width unit follows the default font; with Times New Roman it is the same in Excel
    and in LibreOffice (Liberation Serif has its metrics), where Calibri may be missing and
    replaced by a wider font.
    """
    from openpyxl.styles import Font
    from openpyxl.utils.indexed_list import IndexedList

    font = Font(name=name, size=size)
    wb._fonts = IndexedList([font, *list(wb._fonts)[1:]])
    wb._named_styles["Normal"].font = font


def workbook_width_unit_pt(wb) -> float:
    """The column-width unit of an openpyxl workbook, from its default font."""
    try:
        font = wb._fonts[0]
        return width_unit_pt(font.name, font.sz)
    except (AttributeError, IndexError):
        return DEFAULT_WIDTH_UNIT_PT


def render_sheets(wb, models: list[SheetModel], xml_rows: bool = False) -> list:
    """Write each model as a sheet of ``wb``: a sheet of the same title is replaced in place.

    Row heights fitted for another column-width unit are estimated again for this workbook's.
    With ``xml_rows`` the cells are not created in openpyxl: each sheet comes back as
    ``(ws, SheetRowsXml)``, whose worksheet XML rows the caller splices into the saved file
    (``consolidate._save``); that is several times faster for the province's long sheets.
    """
    out = []
    unit = workbook_width_unit_pt(wb)
    for m in models:
        if m.width_unit_pt != unit:
            fit_heights(m, unit)
        if m.title in wb.sheetnames:
            idx = wb.sheetnames.index(m.title)
            wb.remove(wb[m.title])
            ws = wb.create_sheet(m.title, idx)
        else:
            ws = wb.create_sheet(m.title)
        if xml_rows:
            out.append((ws, _render_sheet_xml(ws, m)))
        else:
            _render_sheet(ws, m)
            out.append(ws)
    return out


class _Styler:
    """One openpyxl StyleArray per distinct cell look of a sheet model, registered in the workbook
    once (setting fonts, borders and alignments cell by cell is what makes openpyxl slow)."""

    def __init__(self, ws, m: SheetModel):
        from openpyxl.styles import Side

        self.ws, self.m = ws, m
        self.thin = Side(style="thin", color="000000")
        self._arrays: dict[tuple, object] = {}
        self._ids: dict[tuple, int] = {}
        self._borders: dict[str, object] = {}
        self._fonts: dict[tuple, object] = {}

    @staticmethod
    def key(m: SheetModel, cell: CellModel, value) -> tuple:
        size = cell.size or m.font_size
        bold = cell.bold or (0 < len(str(cell.value or "")) <= cell.bold_chars)
        quote = isinstance(value, str) and value[:1] in ("=", "+", "-", "@")
        return (size, bold, cell.italic, cell.align, cell.valign, cell.wrap, cell.border, cell.number_format, quote)

    def array(self, key: tuple):
        arr = self._arrays.get(key)
        if arr is None:
            from openpyxl.cell.cell import Cell
            from openpyxl.styles import Alignment, Border, Font, Side

            size, bold, italic, align, valign, wrap, sides, number_format, quote = key
            fkey = (size, bold, italic)
            if fkey not in self._fonts:
                self._fonts[fkey] = Font(name=self.m.font_name, size=size, bold=bold, italic=italic)
            xc = Cell(self.ws)  # detached: only its style is wanted
            xc.font = self._fonts[fkey]
            xc.alignment = Alignment(horizontal=align, vertical=valign, wrap_text=wrap)
            if sides:
                if sides not in self._borders:
                    t = self.thin
                    self._borders[sides] = Border(left=t if "l" in sides else Side(),
                                                  right=t if "r" in sides else Side(),
                                                  top=t if "t" in sides else Side(),
                                                  bottom=t if "b" in sides else Side())
                xc.border = self._borders[sides]
            if number_format:
                xc.number_format = number_format
            if quote:
                xc.quotePrefix = True  # agency text stays text, even when edited again in Excel
            arr = self._arrays[key] = xc._style
        return arr

    def id(self, key: tuple) -> int:
        sid = self._ids.get(key)
        if sid is None:
            sid = self._ids[key] = self.ws.parent._cell_styles.add(self.array(key))
        return sid


def _rich(m: SheetModel, cell: CellModel, value):
    """The value to write: rich text when only the first ``bold_chars`` characters are bold."""
    if isinstance(value, str) and 0 < cell.bold_chars < len(value) and not cell.bold:
        return (value[:cell.bold_chars], value[cell.bold_chars:])
    return None


def _render_sheet(ws, m: SheetModel) -> None:
    from copy import copy

    from openpyxl.cell.cell import MergedCell
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.merge import MergedCellRange

    styler = _Styler(ws, m)
    merges = []
    for r, row in enumerate(m.rows, start=1):
        if row.height is not None:
            ws.row_dimensions[r].height = row.height
        for c, cell in enumerate(row.cells, start=1):
            if cell is None:
                continue
            size = cell.size or m.font_size
            xc = ws.cell(row=r, column=c)
            value = cell.value
            parts = _rich(m, cell, value)
            if parts:
                value = CellRichText([
                    TextBlock(InlineFont(rFont=m.font_name, sz=size, b=True, i=cell.italic), parts[0]),
                    TextBlock(InlineFont(rFont=m.font_name, sz=size, b=False, i=cell.italic), parts[1]),
                ])
            xc.value = value
            if isinstance(cell.value, str) and cell.value.startswith("="):
                xc.data_type = "s"
            key = _Styler.key(m, cell, cell.value)
            xc._style = copy(styler.array(key))  # copying a ready StyleArray is far cheaper
            if cell.merge_across > 1 or cell.merge_down > 1:
                merges.append((r, c, r + cell.merge_down - 1, c + cell.merge_across - 1))
                if cell.border:  # every cell of the range carries the border, as spreadsheets expect
                    for rr in range(r, r + cell.merge_down):
                        for cc in range(c, c + cell.merge_across):
                            if (rr, cc) != (r, c):
                                ws.cell(row=rr, column=cc)._style = copy(styler.array(key))
    for r1, c1, r2, c2 in merges:
        # what Worksheet.merge_cells does, without re-deriving the borders we already copied
        rng = MergedCellRange(ws, f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}")
        ws.merged_cells.ranges.add(rng)  # the ranges never overlap: no need to search them
        for rr in range(r1, r2 + 1):
            for cc in range(c1, c2 + 1):
                if (rr, cc) != (r1, c1):
                    covered = MergedCell(ws, row=rr, column=cc)
                    old_cell = ws._cells.get((rr, cc))
                    if old_cell is not None:
                        covered._style = copy(old_cell._style)
                    ws._cells[(rr, cc)] = covered
    _page_setup(ws, m)


def _xml_t(text: str) -> str:
    """A <t> element, spaces kept (the text as ``xlstyle.xml_cell_text`` makes it safe)."""
    from .xlstyle import xml_cell_text

    return f'<t xml:space="preserve">{xml_cell_text(text)}</t>'


class SheetRowsXml:
    """The rows of one sheet as worksheet XML (``<row>`` elements), for splicing into
    ``<sheetData>`` of the file openpyxl saved (see ``consolidate._splice``)."""

    def __init__(self, ncols: int):
        from openpyxl.utils import get_column_letter

        self.letters = [get_column_letter(i) for i in range(1, max(1, ncols) + 1)]
        self.parts: list[str] = []
        self.last_row = 0

    def xml(self) -> bytes:
        return "".join(self.parts).encode("utf-8")


def _render_sheet_xml(ws, m: SheetModel) -> SheetRowsXml:
    """``_render_sheet`` for the XML row writer: the same cells, styles, merges and heights."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.merge import MergedCellRange

    styler = _Styler(ws, m)
    out = SheetRowsXml(m.ncols)
    letters = out.letters
    covered: dict[tuple[int, int], int] = {}  # (row, col) inside a bordered merge -> style id
    font = m.font_name.replace("&", "&amp;").replace('"', "&quot;")
    for r, row in enumerate(m.rows, start=1):
        cells = []
        for c, cell in enumerate(row.cells, start=1):
            ref = f"{letters[c - 1]}{r}"
            if cell is None:
                sid = covered.pop((r, c), None)
                if sid is not None:
                    cells.append(f'<c r="{ref}" s="{sid}"/>')
                continue
            value = cell.value
            sid = styler.id(_Styler.key(m, cell, value))
            if cell.merge_across > 1 or cell.merge_down > 1:
                r2, c2 = r + cell.merge_down - 1, c + cell.merge_across - 1
                ws.merged_cells.ranges.add(MergedCellRange(ws, f"{ref}:{get_column_letter(c2)}{r2}"))
                if cell.border:
                    for rr in range(r, r2 + 1):
                        for cc in range(c, c2 + 1):
                            if (rr, cc) != (r, c):
                                covered[(rr, cc)] = sid
            if value is None or value == "":
                cells.append(f'<c r="{ref}" s="{sid}"/>')
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                text = str(value)
                parts = _rich(m, cell, text)
                if parts:
                    size = cell.size or m.font_size
                    ital = "<i/>" if cell.italic else ""
                    body = "".join(f'<r><rPr><rFont val="{font}"/>{b}{ital}<sz val="{size:g}"/></rPr>{_xml_t(t)}</r>'
                                   for b, t in (("<b/>", parts[0]), ("", parts[1])))
                else:
                    body = _xml_t(text)
                cells.append(f'<c r="{ref}" s="{sid}" t="inlineStr"><is>{body}</is></c>')
            elif value != value or value in (math.inf, -math.inf):
                cells.append(f'<c r="{ref}" s="{sid}"/>')
            else:
                cells.append(f'<c r="{ref}" s="{sid}"><v>{value!r}</v></c>')
        height = f' ht="{row.height:g}" customHeight="1"' if row.height is not None else ""
        out.parts.append(f'<row r="{r}"{height}>{"".join(cells)}</row>')
        out.last_row = r
    # openpyxl creates the anchor cell of every merged range; left there, it would be saved as a
    # second <row> of the same number, which Excel reports as a damaged file
    ws._cells.clear()
    _page_setup(ws, m)
    return out


def _page_setup(ws, m: SheetModel) -> None:
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(m.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    last_col = get_column_letter(m.ncols)
    ps = ws.page_setup
    ps.paperSize = ws.PAPERSIZE_A4
    ps.orientation = "landscape" if m.landscape else "portrait"
    ps.fitToWidth = 1
    ps.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    left, right, top, bottom = m.margins
    ws.page_margins.left, ws.page_margins.right = left, right
    ws.page_margins.top, ws.page_margins.bottom = top, bottom
    ws.page_margins.header, ws.page_margins.footer = 0.25, 0.25
    if m.header_rows:
        ws.print_title_rows = f"{m.header_rows[0]}:{m.header_rows[1]}"
    if m.footer:
        ws.oddFooter.center.text = m.footer
        ws.oddFooter.center.font = f"{m.font_name},Regular"
        ws.oddFooter.center.size = 11
    ws.print_area = f"A1:{last_col}{max(1, len(m.rows))}"
    if m.freeze_row:
        ws.freeze_panes = f"A{m.freeze_row}"
    ws.sheet_view.zoomScale = 90
