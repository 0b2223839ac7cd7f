"""What several sheets of the agency workbook share: the ``Layout`` the live checks are gathered in,
titles and table headers as ``schemas/sheets.json`` declares them, input hints, dropdowns, and the look of
a typed cell (an input table's cell, an information sheet's "label | value | hint" row)."""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from cchc_xl import spec
from cchc_xl.check import number_sheet, register
from cchc_xl.safetext import looks_like_formula
from cchc_xl.sheets.measure import fit_row
from cchc_xl.sheets.style import DATE_FORMAT
from cchc_xl.workbook import input_rows
from cchc_xl.workbook.style import BORDER, CENTER, HEADER_FILL, INPUT_FILL, REQUIRED_FILL, UNLOCKED, WRAP_TOP, font


def msg(key: str):
    return spec.sheets()["messages"][key]


@dataclass
class Layout:
    """Where things landed, for the live checks (sheet title → flag cells, etc.)."""

    error_flags: list[tuple[str, str]] = field(default_factory=list)  # (description, formula)
    value_cells: dict[str, str] = field(default_factory=dict)  # indicator code → 'Thống kê'!$D$9
    info_cells: dict[str, str] = field(default_factory=dict)  # field key → 'Thông tin'!$B$5
    info_rows: dict[str, int] = field(default_factory=dict)  # field key → its row on 'Thông tin'
    date_values: dict[str, str] = field(default_factory=dict)  # date field key → $col$row of its date
    checks: input_rows.CheckSheet | None = None  # the hidden sheet of per-row checks


def set_text(cell, value):
    """Write a value; text that Excel would take for a formula stays text."""
    cell.value = value
    if looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True


def cell_ref(ws, col: str, row: int, absolute=True) -> str:
    c = f"${col}${row}" if absolute else f"{col}{row}"
    return f"{quote_sheetname(ws.title)}!{c}"


def write_header(ws, row: int, columns: list[dict], first_col: int = 1):
    def make(c):
        c.font = font(11, bold=True)
        c.fill = HEADER_FILL
        c.alignment = CENTER
        c.border = BORDER

    for i, col in enumerate(columns):
        input_rows.stamp(ws.cell(row=row, column=first_col + i, value=col["title"]), "header", make)
        ws.column_dimensions[get_column_letter(first_col + i)].width = col.get("width", 12)
    fit_row(ws, row, 11, max_col=first_col + len(columns) - 1)  # a wrapped title needs its lines


def sheet_from_spec(wb, key: str, ncols: int):
    """A new sheet as ``schemas/sheets.json`` declares it, titled across ``ncols`` columns."""
    cfg = spec.sheets()["sheets"][key]
    ws = wb.create_sheet(cfg["title"])
    number_sheet.on_sheet(ws.title)  # the numbers its checks read, on the hidden sheet _so
    write_title(ws, cfg["heading"], cfg.get("subtitle"), ncols)
    return cfg, ws


def table_sheet(wb, key: str, ncols: int | None = None):
    """A declared sheet with its title and its table header (at ``header_row``, from ``columns``)."""
    cols = spec.sheets()["sheets"][key]["columns"]
    cfg, ws = sheet_from_spec(wb, key, ncols or len(cols))
    write_header(ws, cfg["header_row"], cols)
    return cfg, ws, cols, cfg["header_row"]


def write_title(ws, heading: str, subtitle: str | None, ncols: int):
    ws.cell(row=1, column=1, value=heading).font = font(14, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 36
    if subtitle:
        c = ws.cell(row=2, column=1, value=subtitle)
        c.font = font(11, italic=True)
        c.alignment = Alignment(horizontal="center", wrap_text=True)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
        ws.row_dimensions[2].height = 30


def input_hint(dv: DataValidation, title: str, text: str | None):
    if text:
        dv.promptTitle = title[:32]
        dv.prompt = text[:255]
        dv.showInputMessage = True


def dv_list(ws, source: str, rng: str, title: str, hint: str | None, strict=True):
    dv = DataValidation(type="list", formula1=source, allow_blank=True)
    dv.showErrorMessage = True
    dv.errorStyle = "stop" if strict else "warning"
    dv.errorTitle = "Giá trị không có trong danh sách"
    dv.error = msg("choose_from_list") if strict else msg("unknown_code_allowed")
    input_hint(dv, title, hint)
    dv.add(rng)
    ws.add_data_validation(dv)


def style_field_row(ws, r: int, required) -> None:
    """A "label | value | hint" row of an information sheet: bold label, unlocked value cell on
    yellow (required) or white, small italic hint."""
    for col in (1, 2, 3):
        def make(c, col=col):
            c.border = BORDER
            c.alignment = WRAP_TOP
            c.font = font(12 if col < 3 else 10, bold=(col == 1), italic=(col == 3))
            if col == 2:
                c.protection = UNLOCKED
                c.fill = REQUIRED_FILL if required else INPUT_FILL

        cell = ws.cell(row=r, column=col)
        input_rows.stamp(cell, ("field", col, bool(required), cell.number_format), make)


def input_columns(ws, keys: list[str], types: dict) -> None:
    """The look of a cell typed in an input table (column A: the row number, typed or computed)."""
    for key, letter in zip(keys, (get_column_letter(i) for i in range(1, len(keys) + 1))):
        number_format = DATE_FORMAT if register.has(types.get(key), "date") else \
            "0.###" if types.get(key) == "score" else None
        input_rows.column_style(ws, letter, font(11), WRAP_TOP, UNLOCKED, number_format)


def stamp_input(cell, date: bool = False, locked: bool = False, number_format: str | None = None) -> None:
    """A written cell of an input table: the look a typed one gets, with the table's rules."""
    def make(c):
        c.border = BORDER
        c.font = font(11)
        c.alignment = WRAP_TOP
        if not locked:
            c.protection = UNLOCKED
        if date:
            c.number_format = DATE_FORMAT
        elif number_format:
            c.number_format = number_format

    input_rows.stamp(cell, ("input", date, locked, number_format), make)
