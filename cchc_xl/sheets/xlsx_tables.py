"""The openpyxl renderer of ``SheetTable`` (the consolidated tables): titles and notes merged
above the table, a styled header, frozen panes, print setup, Excel tables, bar charts; the body
rows are written as worksheet XML (``TableRowsXml``) and spliced into the saved file
(``sheets.xlsx.save_spliced``): openpyxl needs ~10 µs a cell, a province writes a million."""

from __future__ import annotations

import copy
import datetime as dt
import math
from functools import lru_cache

from cchc_xl.safetext import looks_like_formula
from cchc_xl.sheets.measure import row_height
from cchc_xl.sheets.model import Column, SheetTable
from cchc_xl.sheets.style import (
    CHART_FILL,
    DATE_FORMAT,
    DEFAULT_NUMBER_FORMATS,
    FONT_NAME,
    FOOTER,
    HEADER_FOOTER_DISTANCE,
    NUMBER_FORMATS,
    PAPER_A4,
    ROW_FILLS,
    TABLE_BODY_SIZE,
    TABLE_BORDER,
    TABLE_MARGINS,
    TABLE_TITLE_SIZE,
)

MERGE_MAX_COLS = 14  # a title of a very wide table is merged across its first columns only


class TableStyles:
    """openpyxl cell styles registered once; the fast row writer refers to them by id."""

    def __init__(self, wb):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.wb = wb
        self._ids: dict[tuple, int] = {}
        thin = Side(style="thin", color=TABLE_BORDER)
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.fills = {k: PatternFill("solid", fgColor=v) for k, v in ROW_FILLS.items()}
        self.Font, self.Alignment = Font, Alignment
        self.charts: list[tuple[str, object]] = []  # (table sheet, chart): each printed on a sheet of its own

    def font(self, size=TABLE_BODY_SIZE, bold=False, italic=False):
        return self.Font(name=FONT_NAME, size=size, bold=bold, italic=italic)

    def id(self, fmt: str = "General", align: str = "left", bold=False, fill=None, quote=False) -> int:
        key = (fmt, align, bold, fill, quote)
        sid = self._ids.get(key)
        if sid is None:
            from openpyxl.cell.cell import Cell

            cell = Cell(self.wb.worksheets[0])
            cell.font = self.font(bold=bold)
            cell.border = self.border
            cell.alignment = self.Alignment(horizontal=align, vertical="top", wrap_text=align != "right")
            cell.number_format = fmt
            if fill:
                cell.fill = self.fills[fill]
            if quote:
                cell.quotePrefix = True
            sid = self._ids[key] = cell.style_id
        return sid


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE = dt.date


class TableRowsXml:
    """The data rows of one sheet as worksheet XML, spliced in after openpyxl has saved the rest.

    openpyxl needs ~10 µs a cell to save; a consolidation of a thousand agencies writes close to
    a million cells. The rows below each table header are therefore written here directly (inline
    strings, which can never be formulas), with the style ids registered through openpyxl, and
    inserted into ``<sheetData>`` of the saved file.
    """

    def __init__(self, styles: TableStyles, columns: list[Column]):
        from openpyxl.utils import get_column_letter

        from cchc_xl.sheets.measure import CHARS_PER_WIDTH
        from cchc_xl.sheets.xmltext import xml_cell_text

        self._text = xml_cell_text
        self.styles = styles
        self.columns = columns
        self.letters = [get_column_letter(i + 1) for i in range(len(columns))]
        # characters on one line of each column, as sheets.measure.text_lines counts them
        self.chars = [max(1.0, col.width * CHARS_PER_WIDTH * 11.0 / TABLE_BODY_SIZE) for col in columns]
        self.parts: list[str] = []
        self.last_row = 0
        self._sids: dict[str | None, list[tuple]] = {}
        self._cells: dict[str | None, list[tuple]] = {}
        self._heights: dict[int, str] = {}

    def _column_sids(self, row_kind: str | None) -> list[tuple]:
        """Per column: style ids of (blank, text, text starting with = + - @, whole number, decimal, date)."""
        sids = self._sids.get(row_kind)
        if sids is None:
            st = self.styles
            bold = row_kind in ("group", "total")
            fill = row_kind if row_kind in ROW_FILLS else None
            sids = []
            for col in self.columns:
                align = "center" if col.kind == "center" else "left"
                whole, frac = NUMBER_FORMATS.get(col.kind, DEFAULT_NUMBER_FORMATS)
                num_align = "center" if col.kind == "center" else "right"
                if col.kind == "center":
                    whole = frac = "General"
                sids.append((st.id("General", align, bold, fill), st.id("General", align, bold, fill),
                             st.id("@", align, bold, fill, quote=True), st.id(whole, num_align, bold, fill),
                             st.id(frac, num_align, bold, fill), st.id(DATE_FORMAT, "center", bold, fill)))
            self._sids[row_kind] = sids
        return sids

    def _kind_cells(self, row_kind: str | None) -> list[tuple]:
        """Per column, for rows of ``row_kind``: the fixed pieces of its cells' XML around the row
        number, and the cache of its texts' XML (text → (XML after the row number, lines))."""
        cells = self._cells.get(row_kind)
        if cells is None:
            cells = self._cells[row_kind] = [
                (f'<c r="{letter}', f'" s="{sid[0]}"/>', f'" s="{sid[3]}"><v>', f'" s="{sid[4]}"><v>',
                 f'" s="{sid[5]}"><v>', {}, i)
                for i, (letter, sid) in enumerate(zip(self.letters, self._column_sids(row_kind)))]
        return cells

    def _text_tail(self, v: str, col: int, row_kind: str | None) -> tuple[str, int]:
        """A text cell's XML after its row number, and the lines it wraps to in its column."""
        if v == "":
            return f'" s="{self._column_sids(row_kind)[col][0]}"/>', 1
        cpl = self.chars[col]
        lines = 1
        if len(v) > cpl or "\n" in v:
            lines = sum(max(1, math.ceil(len(part) / cpl)) for part in v.split("\n"))
        sid = self._column_sids(row_kind)[col]
        keep = ' xml:space="preserve"' if v[0] in " \t\n" or v[-1] in " \t\n" else ""
        return (f'" s="{sid[2] if looks_like_formula(v) else sid[1]}" t="inlineStr"><is>'
                f"<t{keep}>{self._text(v)}</t></is></c>"), lines

    def _other_tail(self, v, col: int, row_kind: str | None) -> str:
        """The XML after the row number of a cell that is not a text, an int, a float or None."""
        sid = self._column_sids(row_kind)[col]
        if v == "":
            return f'" s="{sid[0]}"/>'
        if isinstance(v, bool):
            return f'" s="{sid[1]}" t="inlineStr"><is><t>{"Có" if v else "Không"}</t></is></c>'
        if isinstance(v, dt.date):
            d = v.date() if isinstance(v, dt.datetime) else v
            return f'" s="{sid[5]}"><v>{(d - _EXCEL_EPOCH).days}</v></c>'
        if isinstance(v, (int, float)):  # numpy numbers and the like
            x = float(v)
            if x != x or x in (math.inf, -math.inf):
                return f'" s="{sid[0]}"/>'
            return f'" s="{sid[3] if x.is_integer() else sid[4]}"><v>{x!r}</v></c>'
        return f'" s="{sid[1]}" t="inlineStr"><is><t xml:space="preserve">{self._text(str(v))}</t></is></c>'

    def add(self, r: int, values: list, row_kind: str | None = None) -> None:
        """One row; its height fitted to the longest wrapped text (the formula of sheets.measure.fit_row).

        The hot loop of a consolidation's write (a million cells): each cell is its column's fixed
        XML pieces around the row number, a text's XML made once per distinct text and column."""
        cells = self._cells.get(row_kind) or self._kind_cells(row_kind)
        if len(values) < len(cells):
            values = list(values) + [None] * (len(cells) - len(values))
        rs = str(r)
        out = []  # joined per row: a million cell strings kept to the end would cost 80 MB
        append = out.append
        lines = 1
        for (head, blank, whole, frac, date, texts, col), v in zip(cells, values):
            t = type(v)
            if t is str:
                hit = texts.get(v)
                if hit is None:
                    hit = texts[v] = self._text_tail(v, col, row_kind)
                append(f"{head}{rs}{hit[0]}")
                if hit[1] > lines:
                    lines = hit[1]
            elif v is None:
                append(f"{head}{rs}{blank}")
            elif t is int:
                append(f"{head}{rs}{whole}{v}</v></c>")
            elif t is float:
                if v != v or v in (math.inf, -math.inf):
                    append(f"{head}{rs}{blank}")
                else:
                    append(f"{head}{rs}{whole if v.is_integer() else frac}{v!r}</v></c>")
            elif t is _DATE:
                append(f"{head}{rs}{date}{(v - _EXCEL_EPOCH).days}</v></c>")
            else:
                append(head + rs + self._other_tail(v, col, row_kind))
        if lines > 1:
            height = self._heights.get(lines)
            if height is None:
                height = self._heights[lines] = f' ht="{row_height(lines, TABLE_BODY_SIZE)}" customHeight="1"'
        else:
            height = ""
        self.parts.append(f'<row r="{rs}"{height}>{"".join(out)}</row>')
        self.last_row = r

    def xml(self) -> bytes:
        return "".join(self.parts).encode("utf-8")


def _title_cell(ws, row: int, text: str, ncols: int, styles: TableStyles, size: float, bold=False, italic=False,
                align="center", min_lines=1, whole_width=False):
    """A line above the table, merged across it (across its first columns when it is very wide)."""
    from openpyxl.utils import get_column_letter

    from cchc_xl.sheets.measure import text_lines

    cell = ws.cell(row=row, column=1, value=text)
    cell.font = styles.font(size, bold=bold, italic=italic)
    wide = ncols > MERGE_MAX_COLS and not whole_width
    span = min(ncols, MERGE_MAX_COLS) if wide else ncols
    width = sum(ws.column_dimensions[get_column_letter(i)].width or 8.43 for i in range(1, span + 1))
    if span > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
    cell.alignment = styles.Alignment(horizontal="left" if wide else align, vertical="center", wrap_text=True)
    lines = max(min_lines, text_lines(text, width, size))
    ws.row_dimensions[row].height = row_height(lines, size, padding=6)


@lru_cache(maxsize=1)
def _screen_keys() -> frozenset:
    from cchc_xl.sheets.printing import screen_sheet_keys

    return frozenset(screen_sheet_keys())


# A4 landscape between the consolidated tables' side margins (TABLE_MARGINS, inches), in points
_PRINTABLE_PT = 841.9 - 72 * 0.8
# a column of width w prints about w × 6,1 pt in LibreOffice with Times New Roman 11 as the default
# font (measured), w × 5,25 + 3,75 pt in Excel: the larger one decides, so both print at the size meant
_UNIT_PT, _PAD_PT = 6.1, 0.0
_NARROWEST = 10  # a text column is not narrowed below this width


@lru_cache(maxsize=1)
def _min_print_pt() -> float:
    from cchc_xl import spec

    return float(spec.load("printing")["consolidated"]["min_print_pt"])


def print_widths(t: SheetTable) -> tuple[list[Column], bool]:
    """The columns as printed and whether the table is fitted to the page's width: a fitted table
    whose columns would make the printer shrink its text below ``min_print_pt``
    (schemas/printing.json) has its wide text columns narrowed (their text wraps, rows grow); when
    even that cannot fit, it prints at full size across several pages instead."""
    import dataclasses

    if not t.fit_width:
        return t.columns, False
    budget = _PRINTABLE_PT * TABLE_BODY_SIZE / _min_print_pt()  # widest table the scale allows, in points
    used = sum(c.width * _UNIT_PT + _PAD_PT for c in t.columns)
    if used <= budget:
        return t.columns, True
    text = [i for i, c in enumerate(t.columns) if c.kind in ("text", "long") and c.width > _NARROWEST]
    room = sum(t.columns[i].width - _NARROWEST for i in text) * _UNIT_PT
    excess = used - budget
    if room < excess:
        return t.columns, False
    share = excess / room
    cols = list(t.columns)
    for i in text:
        c = cols[i]
        cols[i] = dataclasses.replace(c, width=math.floor((c.width - (c.width - _NARROWEST) * share) * 10) / 10)
    return cols, True


def lay_out_table(ws, t: SheetTable, styles: TableStyles) -> TableRowsXml:
    import dataclasses

    from openpyxl.utils import get_column_letter

    from cchc_xl.sheets.measure import fit_row

    cols, fit = print_widths(t)
    if cols is not t.columns or fit != t.fit_width:
        t = dataclasses.replace(t, columns=cols, fit_width=fit)
    n = len(t.columns)
    for i, col in enumerate(t.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    r = 1
    whole = t.fit_width and n <= 30
    _title_cell(ws, r, t.title, n, styles, TABLE_TITLE_SIZE, bold=True, whole_width=whole)
    r += 1
    if t.subtitle:
        _title_cell(ws, r, t.subtitle, n, styles, 11, italic=True, whole_width=whole)
        r += 1
    for note in t.notes:
        _title_cell(ws, r, note, n, styles, 11, align="left", whole_width=whole)
        r += 1
    r += 1
    hr = r
    assert hr == t.header_row
    head_style = None
    for i, col in enumerate(t.columns, 1):
        c = ws.cell(row=hr, column=i, value=col.title)
        if head_style is None:
            c.font = styles.font(TABLE_BODY_SIZE, bold=True)
            c.fill = styles.fills["header"]
            c.border = styles.border
            c.alignment = styles.Alignment(horizontal="center", vertical="center", wrap_text=True)
            head_style = c._style
        else:  # the same style for a thousand agency columns, without registering it a thousand times
            c._style = copy.copy(head_style)
        _text_safe(c)
    fit_row(ws, hr, TABLE_BODY_SIZE, min_lines=2)
    fast = TableRowsXml(styles, t.columns)
    kinds = t.row_kinds or []
    row = hr + 1
    for i, values in enumerate(t.rows):
        fast.add(row, values, kinds[i] if i < len(kinds) else None)
        row += 1
    if t.total:
        fast.add(row, t.total, "total")
        row += 1
    last = max(row - 1, hr)
    last_col = get_column_letter(n)
    ws.freeze_panes = f"{get_column_letter(t.freeze_cols + 1)}{hr + 1}"
    ws.page_setup.paperSize = PAPER_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1 if t.fit_width else 0
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{hr}:{hr}"
    if not t.fit_width and t.freeze_cols:
        ws.print_title_cols = f"A:{get_column_letter(t.freeze_cols)}"
    ws.page_margins.left, ws.page_margins.right, ws.page_margins.top, ws.page_margins.bottom = TABLE_MARGINS
    ws.page_margins.header = ws.page_margins.footer = HEADER_FOOTER_DISTANCE
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.font = FONT_NAME
    ws.print_options.horizontalCentered = True
    if t.key in _screen_keys():  # a long per-agency table, read on the screen (schemas/printing.json)
        from cchc_xl.sheets.printing import print_for_screen

        print_for_screen(ws, n)
    if t.excel_table and t.rows:
        from openpyxl.worksheet.filters import AutoFilter
        from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

        ref = f"A{hr}:{last_col}{hr + len(t.rows)}"
        tab = Table(displayName=f"bang_{t.key}", ref=ref, autoFilter=AutoFilter(ref=ref))
        # columns named here: left to openpyxl, it would create a cell object for every cell of the range
        tab.tableColumns = [TableColumn(id=i, name=col.title) for i, col in enumerate(t.columns, 1)]
        tab.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
        ws.add_table(tab)
    if t.chart:
        styles.charts.append((ws.title, _add_chart(ws, t, hr, last)))
    ws.sheet_view.zoomScale = 100
    return fast


def _text_safe(cell):
    if looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def _chart_text(size=900, bold=False):
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties

    cp = CharacterProperties(latin=Font(typeface=FONT_NAME), sz=size, b=bold)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=cp), endParaRPr=cp)])


def _chart_title(text: str):
    from openpyxl.chart.text import RichText, Text
    from openpyxl.chart.title import Title
    from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties, RegularTextRun

    cp = CharacterProperties(latin=Font(typeface=FONT_NAME), sz=1200, b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=cp), r=[RegularTextRun(rPr=cp, t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def _add_chart(ws, t: SheetTable, hr: int, last: int):
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.label import DataLabelList

    ch = t.chart
    first = hr + 1 + ch.first
    end = first + ch.rows - 1
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = _chart_title(ch.title)
    chart.legend = None
    for col in ch.value_cols:
        data = Reference(ws, min_col=col, min_row=first, max_row=end)
        chart.add_data(data, titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=ch.category_col, min_row=first, max_row=end))
    chart.x_axis.scaling.orientation = "maxMin"
    chart.x_axis.tickLblPos = "low"  # the names left of the plot, not on the zero line a negative bar crosses
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.txPr = _chart_text(900)
    chart.y_axis.txPr = _chart_text(900)
    chart.y_axis.majorGridlines = None
    if ch.percent:
        chart.y_axis.numFmt = "0%"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
    chart.dataLabels = DataLabelList()
    chart.dataLabels.showVal = True
    chart.dataLabels.showCatName = False
    chart.dataLabels.showSerName = False
    chart.dataLabels.showLegendKey = False
    chart.dataLabels.showPercent = False
    chart.dataLabels.position = "outEnd"  # each value beyond its bar's end, left of a negative bar
    chart.dataLabels.txPr = _chart_text(900)
    if ch.percent:
        chart.dataLabels.numFmt = "0%"
    chart.gapWidth = 60
    chart.width = CHART_PAGE_CM[0]
    chart.height = CHART_PAGE_CM[1]
    chart.series[0].graphicalProperties.solidFill = CHART_FILL
    return chart


CHART_PAGE_CM = (25.5, 16.5)  # an A4 landscape page within its margins


def chart_sheet_name(table_sheet: str) -> str:
    return f"Biểu đồ {table_sheet}"[:31]


def add_chart_sheet(wb, table_sheet: str, chart) -> object:
    """A sheet holding one chart alone, printed on one A4 landscape page with its title: placed
    under its table, a chart started a page of its own below the table's repeated header row."""
    ws = wb.create_sheet(chart_sheet_name(table_sheet))
    ws.add_chart(chart, "A1")
    ws.page_setup.paperSize = PAPER_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left, ws.page_margins.right, ws.page_margins.top, ws.page_margins.bottom = TABLE_MARGINS
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.font = FONT_NAME
    return ws
