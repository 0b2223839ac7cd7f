"""The small rules every part of the toolkit shares, each declared once (issue 21 item 4): what a
user sees of them wherever they apply.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from cchc_xl import spec
from cchc_xl.numtext import figure, format_number, number, tidy
from cchc_xl.safetext import looks_like_formula
from cchc_xl.sheets.model import CellModel, RowModel, SheetModel
from cchc_xl.sheets.xlsx import render_sheets


@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "+84 912 345 678", "- Đã hoàn thành", "@tên"])
def test_a_text_excel_would_take_for_a_formula_stays_text(text):
    assert looks_like_formula(text)
    wb = Workbook()
    wb.remove(wb.active)
    render_sheets(wb, [SheetModel("t", "Trang", [30], [RowModel([CellModel(text)])])])
    buf = io.BytesIO()
    wb.save(buf)
    cell = load_workbook(io.BytesIO(buf.getvalue()))["Trang"]["A1"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


@pytest.mark.parametrize("value", ["", "Sở Tài chính", "1,5", None, 5, -2.5])
def test_other_values_are_not_taken_for_formulas(value):
    assert not looks_like_formula(value)


def test_the_year_range_is_the_one_sheets_json_declares(capsys):
    from cchc_xl.cli import main

    fld = next(f for f in spec.sheets()["sheets"]["info"]["fields"] if f["key"] == "period.year")
    assert spec.year_range() == (fld["min"], fld["max"]) == (2000, 2100)
    assert spec.year_range_message() == "Nhập năm có 4 chữ số, từ 2000 đến 2100."
    schema = spec.load("report.schema")["properties"]  # the canonical JSON's bounds say the same
    for year in (schema["period"]["properties"]["year"], schema["appraisal_year"]):
        assert (year["minimum"], year["maximum"]) == spec.year_range()
    with pytest.raises(SystemExit):
        main(["consolidate", "nop", "--year", "1999"])
    assert "năm 1999 ngoài khoảng 2000–2100" in capsys.readouterr().err


def test_tidy_takes_off_binary_noise_but_keeps_what_was_typed():
    assert tidy(0.1 + 0.2) == 0.3
    assert tidy(10 / 3) == 3.3333333333
    # a count typed 2.0000001 is not whole for the workbook (INT(v)<>v): it must stay so when read
    assert tidy(2.0000001) == 2.0000001


def test_province_figures_keep_six_decimals_as_the_workbook_conditions_compare():
    assert figure(10 / 3) == 3.333333 and figure(0.1 + 0.2) == 0.3
    assert figure(4.0000001) == 4 and isinstance(figure(4.0000001), int)
    assert figure(None) is None
    assert tidy(4.0) == 4 and isinstance(tidy(4.0), int)
    assert tidy(None) is None and tidy("x") == "x"
    assert format_number(-1e-9) == "0"  # not "-0"
    assert format_number(10 / 3) == "3,333333"


@pytest.mark.parametrize("value,expected", [(3, 3), (2.5, 2.5), (True, None), ("4", None), (None, None),
                                            (float("nan"), None), (float("inf"), None)])
def test_a_number_is_a_finite_int_or_float(value, expected):
    assert number(value) == expected


def test_levels_are_listed_in_the_order_enums_json_declares():
    keys = [lv["key"] for lv in spec.levels()]
    assert spec.level_keys() == keys == ["so", "huyen", "xa"]
    assert sorted(["xa", "khac", "so", "huyen"], key=spec.level_rank) == ["so", "huyen", "xa", "khac"]


def test_dates_read_day_month_year():
    assert spec.date_text(dt.date(2025, 7, 5)) == "05/07/2025"
    assert spec.date_text(None) == ""
    assert spec.moment_text(dt.datetime(2025, 7, 5, 14, 5)) == "14:05 ngày 05/07/2025"


@pytest.mark.parametrize("raw,key", [("so", "so"), ("Sở, ban, ngành cấp tỉnh", "so"), ("ubnd cap huyen", "huyen"),
                                     ("UBND cấp xã, phường", "xa"), ("Sở", "so"), ("UBND huyện", "huyen"),
                                     ("Phường", "xa")])
def test_the_registry_reads_a_level_as_the_workbooks_spell_it_or_by_the_units_name(raw, key):
    from cchc_xl.read.registry import _level

    assert _level(raw, "ds.csv", 2) == key


@pytest.mark.parametrize("raw,key", [("6_thang", "6_thang"), ("6 tháng", "6_thang"), ("quy i", "quy_1"),
                                     ("NĂM", "nam")])
def test_the_command_line_takes_a_period_in_any_spelling_the_workbook_takes(raw, key):
    from cchc_xl.cli import _period
    from cchc_xl.read.spelling import match

    assert _period(raw) == match(raw, spec.period_kinds()) == key


def test_an_unreadable_file_is_named_in_the_declared_wording(tmp_path):
    from cchc_xl.check.validate import validate_file

    bad = tmp_path / "rong.xlsx"
    bad.write_bytes(b"")
    rep = validate_file(bad)
    (issue,) = rep.issues
    declared = spec.load("issues")["unreadable"]["messages"]["of_file"]
    assert rep.unreadable and issue.code == "unreadable"
    assert issue.message == declared.format(file="rong.xlsx", reason="tệp rỗng (0 byte)")
