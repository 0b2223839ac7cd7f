"""The open input tables of the agency workbook hold only what people type.

No empty row is prepared cell by cell: the look of a row people type comes from the columns'
styles (font, wrap, number format, unlocked) and one conditional format drawing the table's
rules over the input range; dropdowns and limits from data validations over that range; the
per-row checks live on a hidden sheet (``_kiem_tra``) whose row ``r`` reads row ``r`` of the input
sheet. An input sheet has print titles and no print area: Excel prints its used range and
LibreOffice its filled cells, so every typed row prints and no empty one does.

Styles are stamped from a per-workbook cache (``stamp``): openpyxl hashes every style object
on every assignment, which made writing a workbook take a second.
"""

from __future__ import annotations

from copy import copy

from openpyxl.formatting.rule import Rule
from openpyxl.styles import Border, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import column_index_from_string, get_column_letter, quote_sheetname

from cchc_xl.sheets.style import TABLE_BORDER

CHECK_SHEET = "_kiem_tra"
ROW_RULE = Side(style="thin", color=TABLE_BORDER)
ROW_RULES = DifferentialStyle(border=Border(left=ROW_RULE, right=ROW_RULE, top=ROW_RULE, bottom=ROW_RULE))


def stamp(cell, key, make) -> None:
    """Give ``cell`` the style ``key`` names; the first cell of a key is styled by ``make(cell)``,
    the others take a copy of its style (the same ids in the workbook's style lists)."""
    cache = cell.parent.parent.__dict__.setdefault("_cchc_styles", {})
    style = cache.get(key)
    if style is None:
        make(cell)
        cache[key] = copy(cell._style)
    else:
        cell._style = copy(style)


def column_style(ws, letter: str, font, alignment, protection, number_format: str | None = None) -> None:
    """The style a cell typed in column ``letter`` takes (Excel and LibreOffice give a new cell
    its column's style); no border, no fill: those would make every row of the column "used"."""
    dim = ws.column_dimensions[letter]
    dim.font = font
    dim.alignment = alignment
    dim.protection = protection
    if number_format:
        dim.number_format = number_format


def row_rules(ws, rng: str) -> None:
    """The table's thin rules over its whole input range, as a conditional format: seen on the
    screen on every row ready for typing, printed only on the rows that hold something."""
    ws.conditional_formatting.add(rng, Rule(type="expression", formula=["TRUE"], dxf=ROW_RULES))


class CheckSheet:
    """The hidden sheet of per-row checks: one column per check, row ``r`` for row ``r`` of the
    input sheet it reads (row 1 names the check)."""

    def __init__(self, wb):
        self.ws = wb.create_sheet(CHECK_SHEET)
        self.ws.sheet_state = "hidden"
        self.ws.protection.sheet = True
        self._next = 1

    def column(self, name: str) -> str:
        letter = get_column_letter(self._next)
        self._next += 1
        self.ws[f"{letter}1"] = name
        return letter

    def put(self, letter: str, row: int, formula: str) -> None:
        self.ws.cell(row=row, column=column_index_from_string(letter), value="=" + formula)

    def total(self, letter: str, first: int, last: int) -> str:
        return f"SUM({quote_sheetname(self.ws.title)}!${letter}${first}:${letter}${last})"


def prefix(ws) -> str:
    """``'Sheet name'!``: a reference from the check sheet to a cell of ``ws``."""
    return quote_sheetname(ws.title) + "!"


def last_filled_row(ws, first: int, ncol: int) -> int:
    """The last row from ``first`` holding something in columns B…``ncol`` (``first - 1``: none)."""
    last = first - 1
    for r, row in enumerate(ws.iter_rows(min_row=first, max_row=max(ws.max_row, first), min_col=2, max_col=ncol,
                                         values_only=True), start=first):
        if any(v is not None and str(v).strip() != "" for v in row):
            last = r
    return last


def clear_print_area(ws) -> None:
    """No fixed print area (one in a workbook written before this design would cut typed rows)."""
    ws.print_area = None


def runs(rows: list[int]) -> list[tuple[int, int]]:
    """Ascending row numbers as runs of consecutive rows: [5, 6, 7, 9] → [(5, 7), (9, 9)]."""
    out: list[tuple[int, int]] = []
    for r in rows:
        if out and out[-1][1] == r - 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


AREA_ROWS_ALLOWANCE = 60  # rows of the Điểm bị trừ sheet above its deductions, at most (title, areas table)


def refuse_unreadable(doc, name: str) -> None:
    """A report (as parsed, before any change) holding what a workbook would not carry back to the
    reader is refused with a Vietnamese reason naming the file: more rows than the reader reads
    (``boundary.MAX_ROWS``) or a text longer than one Excel cell holds (``safetext.MAX_CELL_TEXT``).
    Bounded work: it counts and measures, before the schema check walks the whole document."""
    from cchc_xl.files.boundary import MAX_ROWS
    from cchc_xl.numtext import format_number as format_number_vi
    from cchc_xl.safetext import MAX_CELL_TEXT
    from cchc_xl.spec.jsonfile import ReportError

    if not isinstance(doc, dict):
        return
    from cchc_xl import spec

    cfg = spec.sheets()["sheets"]
    limits = {"remediation": (MAX_ROWS - cfg["remediation"]["header_row"], cfg["remediation"]["title"], "dòng"),
              "deductions": (MAX_ROWS - AREA_ROWS_ALLOWANCE, cfg["scores"]["title"], "tiêu chí bị trừ điểm"),
              "indicators": (MAX_ROWS - cfg["indicators"]["header_row"], cfg["indicators"]["title"], "chỉ tiêu"),
              "propaganda": (MAX_ROWS - cfg["propaganda"]["header_row"], cfg["propaganda"]["title"], "nội dung")}
    for key, (limit, title, what) in limits.items():
        n = len(doc.get(key) or ()) if isinstance(doc.get(key), (list, dict)) else 0
        if n > limit:
            raise ReportError(f"{name}: có {format_number_vi(n)} {what} ở “{key}”, quá {format_number_vi(limit)} — "
                              f"số dòng trang “{title}” chứa được trong vùng công cụ đọc lại "
                              f"({format_number_vi(MAX_ROWS)} dòng đầu); hãy tách hoặc rút gọn báo cáo")
    stack = [(doc, "")]
    while stack:
        obj, path = stack.pop()
        if isinstance(obj, str):
            if len(obj) > MAX_CELL_TEXT:
                raise ReportError(f"{name}: nội dung ở “{path}” dài {format_number_vi(len(obj))} ký tự, quá giới hạn "
                                  f"{format_number_vi(MAX_CELL_TEXT)} ký tự của một ô Excel; hãy rút gọn")
        elif isinstance(obj, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in obj.items())
        elif isinstance(obj, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(obj))
