"""Spec → agency workbook (blank, or pre-filled from a canonical report).

Everything about the layout comes from ``schemas/sheets.json`` and the catalogs; the sheet modules
(``guide_sheet``, ``info_sheet``, ``scores_sheet``, ``remediation_sheet``, ``values_sheet``,
``criteria_sheet``, ``lists_sheet``, ``meta_sheet``, ``status_sheet``; what they share in ``kit``)
turn those declarations into native Excel help that needs no macro: dropdowns, bounds, input hints,
red conditional formatting, protection, print setup, and a status cell fed by formulas ("Còn N lỗi" /
"Hợp lệ") that LibreOffice and Excel both recalculate. This module puts the sheets together.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from cchc_xl import spec
from cchc_xl.check import number_sheet
from cchc_xl.sheets.xlsx import save_atomic
from cchc_xl.spec import __version__
from cchc_xl.workbook import (
    criteria_sheet,
    guide_sheet,
    info_sheet,
    input_rows,
    lists_sheet,
    meta_sheet,
    remediation_sheet,
    scores_sheet,
    status_sheet,
    values_sheet,
)
from cchc_xl.workbook.kit import Layout


def build_workbook(level: str = "so", year: int | None = None, kind: str | None = None,
                   agency: str | None = None, report: dict | None = None, source: str | None = None) -> Workbook:
    """An agency workbook for a level (blank, or filled from a canonical report). ``source=
    FROM_APPRAISAL`` (distribute): the scores came from the appraisal workbook — marked so on
    the sheet and in ``_meta``, and the full check does not warn the agency about what it
    cannot change (the area totals)."""
    if report:
        level = report["agency"]["level"]
        year = report["period"]["year"]
        kind = report["period"]["kind"]
    appraisal_year = (report or {}).get("appraisal_year") or ((year - 1) if year else None)
    cat = spec.catalog(level, appraisal_year)
    wb = Workbook()
    lay = Layout()
    guide_sheet.write(wb, cat, agency or (report or {}).get("agency", {}).get("name"))
    lists_sheet.write(wb, cat)
    lay.checks = input_rows.CheckSheet(wb)
    with number_sheet.reading(wb):  # numbers typed as text, read with Excel 2010's functions
        info_sheet.write(wb, report, level, year, kind, agency, lay)
        scores_sheet.write(wb, report, cat, lay, source)
        remediation_sheet.write(wb, report, lay)
        values_sheet.write(wb, "indicators", cat.indicators["rows"], (report or {}).get("indicators", {}), lay, True)
        values_sheet.write(wb, "propaganda", cat.propaganda["rows"], (report or {}).get("propaganda", {}), lay, False)
        criteria_sheet.write(wb, cat, (report or {}).get("not_applicable") or ())
        status_sheet.write(wb, cat, lay)
    meta_sheet.write(wb, cat, source)
    status_sheet.red_first(wb)
    # hidden sheets last, visible order: guide, status, info, scores, remediation, ...
    order = [ws for ws in wb.worksheets if ws.sheet_state == "visible"] + \
            [ws for ws in wb.worksheets if ws.sheet_state != "visible"]
    wb._sheets = order
    wb.active = 0
    wb.calculation.fullCalcOnLoad = True
    wb.properties.creator = f"cchc-xl {__version__}"
    wb.properties.title = "Báo cáo CCHC"
    return wb


def write_template(out, level="so", year=None, kind=None, agency=None, report=None, source=None) -> Path:
    return save_atomic(build_workbook(level, year, kind, agency, report, source), out)
