"""Bộ tiêu chí: the criteria set (visible, read-only), read by the score checks (``bang_tieu_chi``);
``write_catalog_rows`` also lists the criteria on the appraisal workbook."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

from cchc_xl import spec
from cchc_xl.sheets.measure import fit_known
from cchc_xl.workbook import input_rows
from cchc_xl.workbook.kit import set_text, write_header, write_title
from cchc_xl.workbook.style import BORDER, GROUP_FILL, WRAP_TOP, font, print_setup, protect


def write(wb: Workbook, cat: spec.Catalog, not_applicable=()) -> None:
    """The criteria set, read by the score checks (``bang_tieu_chi``). With criteria that do not
    apply to the agency, an area's maximum is the applicable one (``Catalog.applicable_max``), the
    bound validate uses; a criterion keeps its own maximum (validate bounds deductions by it)."""
    ws = wb.create_sheet("Bộ tiêu chí")
    crit = cat.criteria
    cols = [{"title": "Mã", "width": 10}, {"title": "Lĩnh vực / tiêu chí thành phần", "width": 90},
            {"title": "Điểm tối đa", "width": 12}]
    write_title(ws, "BỘ TIÊU CHÍ ĐÁNH GIÁ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH", crit.get("title"), 3)
    area_max = None
    if not_applicable:
        area_max = {a["code"]: cat.applicable_max(a["code"], not_applicable) for a in crit["areas"]}
        note = ws.cell(row=3, column=1, value="Điểm tối đa của lĩnh vực đã trừ điểm các tiêu chí không áp dụng "
                                              "với cơ quan: " + "; ".join(not_applicable) + ".")
        note.font = font(11, italic=True)
        note.alignment = Alignment(wrap_text=True)
        ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=3)
    write_header(ws, 4, cols)
    last = max(write_catalog_rows(ws, crit, 5, area_max) - 1, 5)
    rng = f"{quote_sheetname(ws.title)}!$A$5:$C${last}"
    wb.defined_names["bang_tieu_chi"] = DefinedName("bang_tieu_chi", attr_text=rng)
    wb.defined_names["ds_ma_tieu_chi"] = DefinedName(
        "ds_ma_tieu_chi", attr_text=f"{quote_sheetname(ws.title)}!$A$5:$A${last}")
    ws.freeze_panes = "A5"
    print_setup(ws, "4:4", "C")
    protect(ws)


def write_catalog_rows(ws, criteria: dict, r: int, area_max: dict | None = None) -> int:
    """Areas and criteria of a catalog in code order (code, name, maximum score), areas in bold on
    grey, from row ``r``; returns the next free row. ``area_max``: an area's maximum to show
    instead of the set's (code → maximum, None for none)."""
    rows = [(a, True) for a in criteria["areas"]] + [(c, False) for c in criteria["criteria"]]
    rows.sort(key=lambda rc: spec.code_sort_key(rc[0]["code"]))
    for item, is_area in rows:
        set_text(ws.cell(row=r, column=1), item["code"])
        set_text(ws.cell(row=r, column=2), item.get("name"))
        mx = area_max[item["code"]] if is_area and area_max and item["code"] in area_max else item.get("max_score")
        ws.cell(row=r, column=3, value=mx).number_format = "0.###"
        for col in range(1, 4):
            _stamp_catalog(ws.cell(row=r, column=col), is_area)
        fit_known(ws, r, (item["code"], item.get("name"), mx, is_area), 3)
        r += 1
    return r


def _stamp_catalog(cell, is_area: bool) -> None:
    def make(c):
        c.font = font(11, bold=is_area)
        c.border = BORDER
        c.alignment = WRAP_TOP
        if is_area:
            c.fill = GROUP_FILL

    input_rows.stamp(cell, ("catalog", is_area, cell.number_format), make)
