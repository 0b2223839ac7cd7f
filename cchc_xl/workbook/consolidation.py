"""The consolidated workbook: the tables (rendered by ``sheets.xlsx_tables``), the province
appendix sheets (``appendix``), the hidden identification sheet; written whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

from cchc_xl.appendix.tables import SheetTable, sheet_tables
from cchc_xl.consolidate.files import ConsolidationError
from cchc_xl.consolidate.records import Consolidation
from cchc_xl.files.fileio import os_reason
from cchc_xl.sheets.style import TABLE_BODY_SIZE
from cchc_xl.sheets.xlsx import save_spliced, set_default_font
from cchc_xl.sheets.xlsx_tables import TableStyles, add_chart_sheet, lay_out_table

TEMPLATE_ID = "cchc-xl/consolidation"  # in the hidden _meta sheet of every consolidated workbook


def build_workbook(c: Consolidation, tables: list[SheetTable] | None = None):
    """The consolidated workbook (openpyxl) and the data rows to splice in when saving."""
    from openpyxl import Workbook

    from cchc_xl.spec import __version__

    tables = tables if tables is not None else sheet_tables(c)  # plain Python values already
    wb = Workbook()
    # Times New Roman as the default font: the column-width unit is then the same in Excel and in
    # LibreOffice (which replaces a missing Calibri by a wider font and shrinks fitted pages more)
    set_default_font(wb, size=TABLE_BODY_SIZE)
    styles = TableStyles(wb)
    first = wb.active
    fast: dict = {}
    for t in tables:
        ws = wb.create_sheet(t.name)
        fast[ws.title] = (ws, lay_out_table(ws, t, styles))
    for table_sheet, chart in styles.charts:  # after the tables: each chart prints on a page of its own
        add_chart_sheet(wb, table_sheet, chart)
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
    from cchc_xl.appendix.province import SHEET_PROVINCE_REMEDIATION, SHEET_PROVINCE_SUMMARY, consolidation_appendix_models
    from cchc_xl.sheets.xlsx import render_sheets

    try:
        sheets = render_sheets(wb, consolidation_appendix_models(c), xml_rows=True)
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
    from cchc_xl.files.fileio import check_writable

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
        save_spliced(wb, fast, out)
    except OSError as exc:
        raise ConsolidationError(f"{out}: không ghi được tệp ({os_reason(exc)}); hãy đóng tệp nếu đang mở "
                                 "trong Excel, kiểm tra quyền ghi và dung lượng đĩa") from None
    return warnings


