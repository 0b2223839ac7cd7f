"""The consolidated workbook: the tables laid out with openpyxl (print setup, frozen headers,
Excel tables, charts), their data rows written as XML and spliced in, saved atomically."""

from __future__ import annotations

import copy
import datetime as dt
import io
import math
import os
import re
import zipfile
from pathlib import Path

from ..model import os_reason
from .files import ConsolidationError
from .records import Consolidation
from .tables import Column, SheetTable, sheet_tables

# ---- the workbook --------------------------------------------------------------------------

TEMPLATE_ID = "cchc-xl/consolidation"  # in the hidden _meta sheet of every consolidated workbook
FONT = "Times New Roman"
BODY_SIZE = 11
_MERGE_MAX_COLS = 14


class _Styles:
    """openpyxl cell styles registered once; the fast row writer refers to them by id."""

    def __init__(self, wb):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.wb = wb
        self._ids: dict[tuple, int] = {}
        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.fills = {"group": PatternFill("solid", fgColor="F2F2F2"), "total": PatternFill("solid", fgColor="DDEBF7"),
                      "missing": PatternFill("solid", fgColor="FCE4D6"),
                      "header": PatternFill("solid", fgColor="DDEBF7")}
        self.Font, self.Alignment = Font, Alignment

    def font(self, size=BODY_SIZE, bold=False, italic=False):
        return self.Font(name=FONT, size=size, bold=bold, italic=italic)

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


_NUMBER_FORMATS = {
    "int": ("#,##0", "#,##0.###"),
    "number": ("#,##0", "#,##0.0##"),
    "score": ("0", "0.0##"),
    "rate": ("0%", "0.0%"),
    "rate2": ("0%", "0.00%"),
}


_EXCEL_EPOCH = dt.date(1899, 12, 30)


class _FastRows:
    """The data rows of one sheet as worksheet XML, spliced in after openpyxl has saved the rest.

    openpyxl needs ~10 µs a cell to save; a consolidation of a thousand agencies writes close to
    a million cells. The rows below each table header are therefore written here directly (inline
    strings, which can never be formulas), with the style ids registered through openpyxl, and
    inserted into ``<sheetData>`` of the saved file.
    """

    def __init__(self, styles: _Styles, columns: list[Column]):
        from openpyxl.utils import get_column_letter

        from ..sheets.measure import CHARS_PER_WIDTH
        from ..sheets.xmltext import xml_cell_text

        self._text = xml_cell_text
        self.styles = styles
        self.columns = columns
        self.letters = [get_column_letter(i + 1) for i in range(len(columns))]
        # characters on one line of each column, as sheets.measure.text_lines counts them
        self.chars = [max(1.0, col.width * CHARS_PER_WIDTH * 11.0 / BODY_SIZE) for col in columns]
        self.parts: list[str] = []
        self.last_row = 0
        self._sids: dict[str | None, list[tuple]] = {}

    def _column_sids(self, row_kind: str | None) -> list[tuple]:
        """Per column: style ids of (blank, text, text starting with = + - @, whole number, decimal, date)."""
        sids = self._sids.get(row_kind)
        if sids is None:
            st = self.styles
            bold = row_kind in ("group", "total")
            fill = row_kind if row_kind in ("group", "total", "missing") else None
            sids = []
            for col in self.columns:
                align = "center" if col.kind == "center" else "left"
                whole, frac = _NUMBER_FORMATS.get(col.kind, ("#,##0", "#,##0.0##"))
                num_align = "center" if col.kind == "center" else "right"
                if col.kind == "center":
                    whole = frac = "General"
                sids.append((st.id("General", align, bold, fill), st.id("General", align, bold, fill),
                             st.id("@", align, bold, fill, quote=True), st.id(whole, num_align, bold, fill),
                             st.id(frac, num_align, bold, fill), st.id("dd/mm/yyyy", "center", bold, fill)))
            self._sids[row_kind] = sids
        return sids

    def add(self, r: int, values: list, row_kind: str | None = None) -> None:
        """One row; its height fitted to the longest wrapped text (the formula of sheets.measure.fit_row)."""
        sids = self._column_sids(row_kind)
        xml_cell_text = self._text
        cells = []
        lines = 1
        if len(values) < len(self.letters):
            values = list(values) + [None] * (len(self.letters) - len(values))
        for letter, v, sid, cpl in zip(self.letters, values, sids, self.chars):
            t = type(v)
            if v is None or v == "":
                cells.append(f'<c r="{letter}{r}" s="{sid[0]}"/>')
            elif t is str:
                if len(v) > cpl or "\n" in v:
                    n = sum(max(1, math.ceil(len(part) / cpl)) for part in v.split("\n"))
                    if n > lines:
                        lines = n
                text = xml_cell_text(v)
                keep = ' xml:space="preserve"' if v[0] in " \t\n" or v[-1] in " \t\n" else ""
                cells.append(f'<c r="{letter}{r}" s="{sid[2] if v[0] in "=+-@" else sid[1]}" t="inlineStr"><is>'
                             f"<t{keep}>{text}</t></is></c>")
            elif t is int:
                cells.append(f'<c r="{letter}{r}" s="{sid[3]}"><v>{v}</v></c>')
            elif t is float:
                if v != v or v in (math.inf, -math.inf):
                    cells.append(f'<c r="{letter}{r}" s="{sid[0]}"/>')
                else:
                    cells.append(f'<c r="{letter}{r}" s="{sid[3] if v.is_integer() else sid[4]}"><v>{v!r}</v></c>')
            elif t is bool:
                cells.append(f'<c r="{letter}{r}" s="{sid[1]}" t="inlineStr"><is><t>{"Có" if v else "Không"}</t>'
                             f"</is></c>")
            elif isinstance(v, dt.date):
                d = v.date() if isinstance(v, dt.datetime) else v
                cells.append(f'<c r="{letter}{r}" s="{sid[5]}"><v>{(d - _EXCEL_EPOCH).days}</v></c>')
            elif isinstance(v, (int, float)):  # numpy numbers and the like
                x = float(v)
                if x != x or x in (math.inf, -math.inf):
                    cells.append(f'<c r="{letter}{r}" s="{sid[0]}"/>')
                else:
                    cells.append(f'<c r="{letter}{r}" s="{sid[3] if x.is_integer() else sid[4]}"><v>{x!r}</v></c>')
            else:
                cells.append(f'<c r="{letter}{r}" s="{sid[1]}" t="inlineStr"><is><t xml:space="preserve">'
                             f"{xml_cell_text(str(v))}</t></is></c>")
        height = ""
        if lines > 1:
            height = f' ht="{min(409, round(lines * BODY_SIZE * 1.32 + 4, 1))}" customHeight="1"'
        self.parts.append(f'<row r="{r}"{height}>{"".join(cells)}</row>')
        self.last_row = r

    def xml(self) -> bytes:
        return "".join(self.parts).encode("utf-8")


def _title_cell(ws, row: int, text: str, ncols: int, styles: _Styles, size: float, bold=False, italic=False,
                align="center", min_lines=1, whole_width=False):
    """A line above the table, merged across it (across its first columns when it is very wide)."""
    from openpyxl.utils import get_column_letter

    from ..sheets.measure import text_lines

    cell = ws.cell(row=row, column=1, value=text)
    cell.font = styles.font(size, bold=bold, italic=italic)
    wide = ncols > _MERGE_MAX_COLS and not whole_width
    span = min(ncols, _MERGE_MAX_COLS) if wide else ncols
    width = sum(ws.column_dimensions[get_column_letter(i)].width or 8.43 for i in range(1, span + 1))
    if span > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
    cell.alignment = styles.Alignment(horizontal="left" if wide else align, vertical="center", wrap_text=True)
    lines = max(min_lines, text_lines(text, width, size))
    ws.row_dimensions[row].height = min(409, round(lines * size * 1.32 + 6, 1))


def _lay_out(ws, t: SheetTable, styles: _Styles) -> _FastRows:
    from openpyxl.utils import get_column_letter

    from ..sheets.measure import fit_row

    n = len(t.columns)
    for i, col in enumerate(t.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    r = 1
    whole = t.fit_width and n <= 30
    _title_cell(ws, r, t.title, n, styles, 14, bold=True, whole_width=whole)
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
            c.font = styles.font(BODY_SIZE, bold=True)
            c.fill = styles.fills["header"]
            c.border = styles.border
            c.alignment = styles.Alignment(horizontal="center", vertical="center", wrap_text=True)
            head_style = c._style
        else:  # the same style for a thousand agency columns, without registering it a thousand times
            c._style = copy.copy(head_style)
        _text_safe(c)
    fit_row(ws, hr, BODY_SIZE, min_lines=2)
    fast = _FastRows(styles, t.columns)
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
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1 if t.fit_width else 0
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{hr}:{hr}"
    if not t.fit_width and t.freeze_cols:
        ws.print_title_cols = f"A:{get_column_letter(t.freeze_cols)}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "Trang &P / &N"
    ws.oddFooter.center.font = FONT
    ws.print_options.horizontalCentered = True
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
        _add_chart(ws, t, hr, last)
    ws.sheet_view.zoomScale = 100
    return fast


def _text_safe(cell):
    if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
        cell.data_type = "s"
        cell.quotePrefix = True


def _chart_text(size=900, bold=False):
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties

    cp = CharacterProperties(latin=Font(typeface=FONT), sz=size, b=bold)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=cp), endParaRPr=cp)])


def _chart_title(text: str):
    from openpyxl.chart.text import RichText, Text
    from openpyxl.chart.title import Title
    from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties, RegularTextRun

    cp = CharacterProperties(latin=Font(typeface=FONT), sz=1200, b=True)
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
    chart.dataLabels.txPr = _chart_text(800)
    if ch.percent:
        chart.dataLabels.numFmt = "0%"
    chart.gapWidth = 60
    chart.width = 24
    chart.height = min(17, 3.5 + 0.55 * ch.rows)  # one printed page
    chart.series[0].graphicalProperties.solidFill = "4472C4"
    ws.add_chart(chart, f"B{last + 3}")
    # the chart starts a printed page of its own rather than being cut in two
    from openpyxl.worksheet.pagebreak import Break

    ws.row_breaks.append(Break(id=last + 1))


def build_workbook(c: Consolidation, tables: list[SheetTable] | None = None):
    """The consolidated workbook (openpyxl) and the data rows to splice in when saving."""
    from openpyxl import Workbook

    from .. import __version__

    tables = tables if tables is not None else sheet_tables(c)  # plain Python values already
    wb = Workbook()
    styles = _Styles(wb)
    first = wb.active
    fast: dict = {}
    for t in tables:
        ws = wb.create_sheet(t.name)
        fast[ws.title] = (ws, _lay_out(ws, t, styles))
    meta = wb.create_sheet("_meta")
    for i, (k, v) in enumerate((("template_id", TEMPLATE_ID), ("period_year", c.period.get("year")),
                                ("period_kind", c.period.get("kind")), ("made", c.made.isoformat()),
                                ("generator", f"cchc-xl {__version__}")), start=1):
        meta.cell(row=i, column=1, value=k)
        meta.cell(row=i, column=2, value=v)
    meta.sheet_state = "veryHidden"
    wb.remove(first)
    wb.active = 0
    wb.properties.creator = f"cchc-xl {__version__}"
    wb.properties.title = f"Tổng hợp báo cáo CCHC {c.period_words}"
    return wb, fast


def _add_appendix(wb, c: Consolidation, fast: dict) -> str | None:
    """The provincial appendix sheets of cchc_xl.appendix; their rows join ``fast`` (spliced on save)."""
    from ..appendix import SHEET_PROVINCE_REMEDIATION, SHEET_PROVINCE_SUMMARY, add_province_appendix_sheets

    try:
        sheets = add_province_appendix_sheets(wb, c.reports, {"year": c.period.get("year"),
                                                              "kind": c.period.get("kind")}, xml_rows=True)
    except Exception as exc:  # noqa: BLE001 - the consolidation itself is still worth writing
        for title in (SHEET_PROVINCE_REMEDIATION, SHEET_PROVINCE_SUMMARY):
            if title in wb.sheetnames and title not in fast:
                wb.remove(wb[title])  # no half-made appendix sheet
        return f"không lập được các trang phụ lục tổng hợp ({type(exc).__name__}: {exc})"
    for ws, rows in sheets:
        fast[ws.title] = (ws, rows)
    return None


def write_consolidated_workbook(c: Consolidation, out: str | os.PathLike,
                                tables: list[SheetTable] | None = None, appendix: bool = True) -> list[str]:
    """Write the consolidated workbook atomically; returns warnings (e.g. appendix not added).

    ``appendix``: add the provincial appendix sheets of ``cchc_xl.appendix`` when available.
    """
    from ..model import check_writable

    out = Path(out)
    try:
        check_writable(out)
    except OSError as exc:
        raise ConsolidationError(str(exc)) from None
    wb, fast = build_workbook(c, tables)
    warnings = []
    w = _add_appendix(wb, c, fast) if appendix else None
    if w:
        warnings.append(w)
    wb._sheets.sort(key=lambda ws: ws.title == "_meta")  # the hidden identification sheet last
    try:
        _save(wb, fast, out)
    except OSError as exc:
        raise ConsolidationError(f"{out}: không ghi được tệp ({os_reason(exc)}); hãy đóng tệp nếu đang mở "
                                 "trong Excel, kiểm tra quyền ghi và dung lượng đĩa") from None
    return warnings


_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')


def _save(wb, fast: dict, out: Path) -> Path:
    from ..model import atomic_output

    buf = io.BytesIO()
    wb.save(buf)
    patches = {}
    for ws, rows in fast.values():
        if rows.parts:
            patches[ws.path.lstrip("/")] = rows
    with atomic_output(out) as tmp:
        with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for info in zin.infolist():
                data = zin.read(info.filename)
                rows = patches.get(info.filename)
                if rows is not None:
                    data = _splice(data, rows)
                zout.writestr(info, data)
    return out


def _splice(sheet_xml: bytes, rows: _FastRows) -> bytes:
    body = rows.xml()
    if b"</sheetData>" in sheet_xml:
        sheet_xml = sheet_xml.replace(b"</sheetData>", body + b"</sheetData>", 1)
    else:
        sheet_xml = re.sub(rb"<sheetData\s*/>", lambda _: b"<sheetData>" + body + b"</sheetData>", sheet_xml, count=1)
    ref = f'<dimension ref="A1:{rows.letters[-1]}{rows.last_row}"/>'.encode()
    return _DIMENSION.sub(lambda _: ref, sheet_xml, count=1)
