"""One sheet model, one style source: every consolidated table reads the same whichever way it
is drawn — the file's table renderer (``sheets.xlsx_tables``) or the general ``SheetModel``
(``SheetTable.model()``, what a Word or HTML renderer reads) through ``sheets.xlsx``.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from conftest import load_example
from openpyxl import Workbook, load_workbook

from cchc_xl.appendix.tables import sheet_tables
from cchc_xl.consolidate import consolidate
from cchc_xl.sheets import style
from cchc_xl.sheets.xlsx import render_sheets, save_spliced
from cchc_xl.workbook.consolidation import build_workbook
from cchc_xl.workbook.template import write_template


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    root = tmp_path_factory.mktemp("nop")
    stc = load_example("so_tai_chinh_2024_6thang")
    write_template(root / "stc.xlsx", report=stc)
    odd = dict(stc, agency=dict(stc["agency"], name="Sở Tư pháp", code="STP"))
    odd["indicators"] = dict(stc["indicators"], **{"1.1.3": {"value": -2, "note": None},
                                                    "3.3.3": {"value": 12.5, "note": None}})
    write_template(root / "stp.xlsx", report=odd)
    c = consolidate(root, jobs=1)
    return c, sheet_tables(c)


def _file_book(c, tables, tmp_path):
    wb, fast = build_workbook(c, tables)
    out = tmp_path / "file.xlsx"
    save_spliced(wb, fast, out)
    return load_workbook(out)


def _model_book(tables):
    wb = Workbook()
    wb.remove(wb.active)
    render_sheets(wb, [t.model() for t in tables])
    buf = io.BytesIO()
    wb.save(buf)
    return load_workbook(buf)


def _same_value(a, b) -> bool:
    if isinstance(a, dt.datetime) and isinstance(b, (dt.date, dt.datetime)):
        return a.date() == (b.date() if isinstance(b, dt.datetime) else b)
    return a == b


def test_every_table_reads_the_same_through_the_file_renderer_and_the_sheet_model(tables, tmp_path):
    c, ts = tables
    file_wb, model_wb = _file_book(c, ts, tmp_path), _model_book(ts)
    for t in ts:
        f, m = file_wb[t.name], model_wb[t.name]
        last = t.header_row + len(t.rows) + (1 if t.total else 0)
        assert m.max_row == last, t.name
        for r in range(1, last + 1):
            for col in range(1, len(t.columns) + 1):
                a, b = f.cell(r, col), m.cell(r, col)
                assert _same_value(a.value, b.value), (t.name, a.coordinate, a.value, b.value)
                if r > t.header_row and isinstance(a.value, (int, float)):
                    assert a.number_format == b.number_format, (t.name, a.coordinate)
                if r >= t.header_row:
                    assert a.fill.fgColor.rgb == b.fill.fgColor.rgb, (t.name, a.coordinate)
                    assert bool(a.font.b) == bool(b.font.b), (t.name, a.coordinate)
        assert [c.width for c in t.columns] == [m.column_dimensions[chr(65 + i)].width
                                                 for i in range(min(26, len(t.columns)))][:len(t.columns)]
        assert m.print_title_rows == f.print_title_rows, t.name


def test_numbers_use_the_one_style_source(tables, tmp_path):
    """A whole number and a fraction in a number column: the formats of sheets.style, never "12." """
    c, ts = tables
    wb = _file_book(c, ts, tmp_path)
    t = next(t for t in ts if t.key == "indicators")
    head = {col.title: i + 1 for i, col in enumerate(t.columns)}
    ws = wb[t.name]
    seen = set()
    for r in range(t.header_row + 1, t.header_row + len(t.rows) + 1):
        for title in ("Thấp nhất", "Trung vị", "Cao nhất", "Tổng toàn tỉnh"):
            cell = ws.cell(r, head[title])
            if isinstance(cell.value, (int, float)):
                whole, frac = style.NUMBER_FORMATS["number"]
                assert cell.number_format == (whole if float(cell.value).is_integer() else frac)
                seen.add(float(cell.value).is_integer())
    assert seen == {True, False}  # both kinds were met
