"""The live checks of the agency workbook, recalculated by LibreOffice: the "Tình trạng" status
always reads "Còn N lỗi" / "Hợp lệ" (never an Excel error), an input cell holding an error value
counts as one error, and the checks a formula can express agree with ``cchc-xl validate``.
Also: the unit text of coded choices, and the due date of a remediation item."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re

import pytest
from openpyxl import load_workbook

from cchc_xl import spec
from cchc_xl.appendix.kit import display_unit
from cchc_xl.check.validate import validate_file

STATUS_SHEET = "Tình trạng"


def find_row(ws, col: str, value, start: int = 1) -> int:
    for r in range(start, ws.max_row + 1):
        if ws[f"{col}{r}"].value == value:
            return r
    raise AssertionError(f"{value!r} not found in column {col} of {ws.title}")


def info_row(ws, key: str) -> int:
    title = next(f["title"] for f in spec.sheets()["sheets"]["info"]["fields"] if f["key"] == key)
    for r in range(1, ws.max_row + 1):
        v = ws[f"A{r}"].value
        if isinstance(v, str) and v.replace(" (*)", "") == title:
            return r
    raise AssertionError(title)


def first_free_deduction_row(ws) -> int:
    header = find_row(ws, "B", "Mã tiêu chí")
    r = header + 1
    while any(ws.cell(row=r, column=c).value is not None for c in range(2, 7)):
        r += 1
    return r


def first_free_remediation_row(ws) -> int:
    r = spec.sheets()["sheets"]["remediation"]["header_row"] + 1
    while any(ws.cell(row=r, column=c).value is not None for c in range(2, 10)):
        r += 1
    return r


def recalculated_status(path, soffice) -> tuple[str, dict[str, object]]:
    """B3 of the status sheet and every check row (description → count) after LibreOffice
    recalculated the workbook; Excel errors come back as their text ("#VALUE!")."""
    out = soffice(path, "xlsx")
    ws = load_workbook(out, data_only=True)[STATUS_SHEET]
    rows = {}
    for r in range(6, ws.max_row + 1):
        desc, count = ws[f"A{r}"].value, ws[f"B{r}"].value
        if desc and count is not None:
            rows[desc] = count
    return ws["B3"].value, rows


def assert_no_excel_error(status, rows):
    bad = {d: v for d, v in rows.items() if not isinstance(v, (int, float))}
    assert isinstance(status, str) and not status.startswith("#") and not bad, (status, bad)


def edited(path, name: str, edit) -> object:
    wb = load_workbook(path)
    edit(wb)
    out = path.with_name(name)
    wb.save(out)
    return out


def error_codes(path) -> list[str]:
    return sorted(i.code for i in validate_file(path).issues if i.severity == "error")


# ---- 1. text and error values never break the status --------------------------------------

def test_text_in_a_count_cell_is_one_error_and_the_status_still_reads(stc, make_workbook, soffice):
    good = make_workbook(stc)

    def text_in_count(wb):
        ws = wb["Thống kê"]
        ws[f"D{find_row(ws, 'A', '1.3.1')}"] = "abc"  # the audit's case (Thống kê!D15)

    bad = edited(good, "chu_o_so.xlsx", text_in_count)
    status, rows = recalculated_status(bad, soffice)
    assert_no_excel_error(status, rows)
    assert status == "Còn 1 lỗi"
    assert rows["Thống kê: số liệu sai kiểu hoặc ngoài khoảng"] == 1
    assert error_codes(bad) == ["invalid_type"]  # the full check agrees


def test_text_in_every_kind_of_number_cell_counts_once_each(stc, make_workbook, soffice):
    def text_everywhere(wb):
        info = wb["Thông tin"]
        info[f"B{info_row(info, 'period.year')}"] = "năm nay"
        sc = wb["Điểm bị trừ"]
        sc[f"E{find_row(sc, 'B', '1') }"] = "abc"  # an area score
        r = first_free_deduction_row(sc)
        sc[f"B{r}"], sc[f"D{r}"], sc[f"E{r}"] = "2.1", "một", "nửa"  # maximum and score as text
        ts = wb["Thống kê"]
        for code in ("1.3.1", "3.3.3"):  # a count and a percentage
            ts[f"D{find_row(ts, 'A', code)}"] = "abc"
        tt = wb["Tuyên truyền"]
        tt[f"D{find_row(tt, 'A', '01')}"] = "mười"

    bad = edited(make_workbook(stc), "chu.xlsx", text_everywhere)
    kinds = {r["code"]: r["kind"] for r in spec.catalog("so", 2023).indicators["rows"] if not r.get("group")}
    assert kinds["1.3.1"] == "count" and kinds["3.3.3"] == "percent"
    status, rows = recalculated_status(bad, soffice)
    assert_no_excel_error(status, rows)
    assert status == "Còn 7 lỗi", rows


def test_every_input_cell_holding_an_excel_error_counts_exactly_once(stc, make_workbook, soffice):
    """#REF!, #N/A … typed or pasted into any input cell: one error per cell, nothing propagates."""
    counted = []

    def put(ws, ref, err="#REF!"):
        ws[ref] = err
        assert ws[ref].data_type == "e"
        counted.append(f"{ws.title}!{ref}")

    def errors_everywhere(wb):
        info = wb["Thông tin"]
        for fld in spec.sheets()["sheets"]["info"]["fields"]:
            put(info, f"B{info_row(info, fld['key'])}", "#N/A")
        sc = wb["Điểm bị trừ"]
        put(sc, f"E{find_row(sc, 'B', '1')}")
        r = first_free_deduction_row(sc)
        for col in "BCDEF":
            put(sc, f"{col}{r}", "#VALUE!")
        km = wb["Khắc phục"]
        r = first_free_remediation_row(km)
        for col in "BCDEFGHI":
            put(km, f"{col}{r}", "#DIV/0!")
        ts = wb["Thống kê"]
        for code in ("1.3.1", "3.3.3", "1.5", "7.1.1"):  # count, percentage, choice, text
            put(ts, f"D{find_row(ts, 'A', code)}")
        put(ts, f"E{find_row(ts, 'A', '1.1.1')}", "#NAME?")  # a note
        tt = wb["Tuyên truyền"]
        put(tt, f"D{find_row(tt, 'A', '02')}")

    kinds = {r["code"]: r["kind"] for r in spec.catalog("so", 2023).indicators["rows"] if not r.get("group")}
    assert [kinds[c] for c in ("1.3.1", "3.3.3", "1.5", "7.1.1")] == ["count", "percent", "choice", "text"]
    bad = edited(make_workbook(stc), "loi.xlsx", errors_everywhere)
    status, rows = recalculated_status(bad, soffice)
    assert_no_excel_error(status, rows)
    assert status == f"Còn {len(counted)} lỗi", (len(counted), rows)


def test_the_hidden_check_cells_never_show_an_excel_error(stc, make_workbook, soffice):
    def damage(wb):
        ts = wb["Thống kê"]
        ts[f"D{find_row(ts, 'A', '1.3.1')}"] = "abc"
        ts[f"D{find_row(ts, 'A', '1.1.1')}"] = "#REF!"
        sc = wb["Điểm bị trừ"]
        sc[f"E{find_row(sc, 'B', '1.1')}"] = "#N/A"

    bad = edited(make_workbook(stc), "an.xlsx", damage)
    wb = load_workbook(soffice(bad, "xlsx"), data_only=True)
    for ws in wb.worksheets:
        if ws.title.startswith("_"):
            continue
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and re.fullmatch(r"#[A-Z/0!?]+[!?A]?", cell.value):
                    inputs = {("Thống kê", "D"), ("Điểm bị trừ", "E")}
                    assert (ws.title, cell.column_letter) in inputs, f"{ws.title}!{cell.coordinate} = {cell.value}"


# ---- 2. duplicate deduction and report date before the period ------------------------------

def test_a_criterion_deducted_twice_is_counted_on_the_status_sheet(stc, make_workbook, soffice):
    assert error_codes(make_workbook(stc)) == []
    rep = copy.deepcopy(stc)
    rep["deductions"].append(copy.deepcopy(rep["deductions"][0]))
    path = make_workbook(rep, name="trung.xlsx")
    assert error_codes(path) == ["duplicate_deduction"]
    status, rows = recalculated_status(path, soffice)
    assert status == "Còn 1 lỗi", rows
    assert rows["Điểm bị trừ: một tiêu chí bị liệt kê trừ điểm hai lần"] == 1

    def third_time(wb):  # typed by hand as well: each repetition counts
        ws = wb["Điểm bị trừ"]
        r = first_free_deduction_row(ws)
        ws[f"B{r}"], ws[f"E{r}"] = rep["deductions"][0]["code"], 0
    status, rows = recalculated_status(edited(path, "trung3.xlsx", third_time), soffice)
    assert status == "Còn 2 lỗi", rows


@pytest.mark.parametrize("kind, date, wrong", [
    ("6_thang", dt.date(2020, 1, 1), True),   # the audit's case
    ("6_thang", dt.date(2024, 1, 1), False),  # the first day of the period is fine
    ("quy_3", dt.date(2024, 6, 30), True),    # a period that starts in July
    ("quy_3", dt.date(2024, 7, 1), False),
])
def test_a_report_date_before_the_period_is_counted_on_the_status_sheet(kind, date, wrong, stc,
                                                                        make_workbook, soffice):
    rep = copy.deepcopy(stc)
    rep["period"] = {"year": 2024, "kind": kind}
    rep["report"]["date"] = date.isoformat()
    path = make_workbook(rep)
    assert ("report_date_before_period" in error_codes(path)) == wrong
    status, rows = recalculated_status(path, soffice)
    assert_no_excel_error(status, rows)
    assert rows["Thông tin: Ngày báo cáo trước ngày bắt đầu của kỳ báo cáo"] == (1 if wrong else 0)
    if not wrong:
        assert status == "Hợp lệ", rows


def test_a_report_date_typed_over_on_the_sheet_is_checked(stc, make_workbook, soffice):
    def year_2020(wb):
        ws = wb["Thông tin"]
        ws[f"B{info_row(ws, 'report.date')}"] = dt.date(2020, 1, 1)

    bad = edited(make_workbook(stc), "ngay.xlsx", year_2020)
    assert error_codes(bad) == ["report_date_before_period"]
    status, _ = recalculated_status(bad, soffice)
    assert status == "Còn 1 lỗi"


@pytest.mark.parametrize("spelling", ["Quy III", "  quý   III "])
def test_a_period_typed_in_another_accepted_spelling_still_dates_the_report(spelling, stc, make_workbook, soffice):
    """The report date against the period's start takes every spelling the period cell accepts
    (checks.choices), as validate does: 30/6/2024 is before "Quy III" 2024 starts."""
    rep = copy.deepcopy(stc)
    rep["period"] = {"year": 2024, "kind": "quy_3"}
    rep["report"]["date"] = "2024-06-30"

    def respell(wb):
        ws = wb["Thông tin"]
        ws[f"B{info_row(ws, 'period.kind')}"] = spelling

    path = edited(make_workbook(rep), "ky.xlsx", respell)
    assert error_codes(path) == ["report_date_before_period"]
    status, rows = recalculated_status(path, soffice)
    assert_no_excel_error(status, rows)
    assert rows["Thông tin: Ngày báo cáo trước ngày bắt đầu của kỳ báo cáo"] == 1
    assert status == "Còn 1 lỗi", rows


# ---- 3. remediation due date ---------------------------------------------------------------

def test_a_declared_date_column_of_the_remediation_sheet_holds_a_real_date(stc, make_workbook, monkeypatch):
    """Template side of the due date: once sheets.json declares the column, the date is written as
    a date cell (dd/mm/yyyy), not as the ISO text of the JSON document."""
    sheets = copy.deepcopy(spec.sheets())
    sheets["sheets"]["remediation"]["columns"].append(
        {"key": "due_date", "title": "Hạn hoàn thành (ngày)", "type": "date", "width": 12})
    monkeypatch.setattr(spec, "sheets", lambda: sheets)
    rep = copy.deepcopy(stc)
    rep["remediation"][0]["due_date"] = "2024-09-30"
    ws = load_workbook(make_workbook(rep))["Khắc phục"]
    col = len(sheets["sheets"]["remediation"]["columns"])
    cell = ws.cell(row=sheets["sheets"]["remediation"]["header_row"] + 1, column=col)
    assert cell.value == dt.datetime(2024, 9, 30) and cell.number_format == "dd/mm/yyyy"


# ---- 4. coded choices: the unit text shows the codes actually used ------------------------

_CODE = re.compile(r"(.+?)\s*=\s*(\d+)\s*")


def _codes_in(unit: str) -> list[tuple[str, int]]:
    pairs = _CODE.findall(unit)
    assert "".join(f"{a} = {b} " for a, b in pairs).split() == unit.split(), unit
    return [(a.strip(), int(b)) for a, b in pairs]


def _choice_rows(level: str):
    cat = spec.catalog(level, None)
    return [r for r in cat.indicators["rows"] + cat.propaganda["rows"] if r.get("kind") == "choice"]


@pytest.mark.parametrize("level", ["so", "huyen", "xa"])
def test_every_choice_row_of_every_catalog_shows_its_own_distinct_codes(level):
    rows = _choice_rows(level)
    assert {"5.3.1", "7.1.2"} <= {r["code"] for r in rows}
    for row in rows:
        pairs = _codes_in(row["unit"])
        assert pairs == [(c["label"], c["value"]) for c in row["choices"]], row["code"]
        assert len({v for _, v in pairs}) == len(pairs), row["code"]
    by_code = {r["code"]: r for r in rows}
    # the official form's colliding text is kept as a record, not shown
    assert by_code["5.3.1"]["unit"] == "Chưa thực hiện = 0 Đã thực hiện = 1"
    assert by_code["5.3.1"]["form_unit"] == "Đã thực hiện = 0 Chưa thực hiện = 0"
    assert by_code["7.1.2"]["unit"] == "Chưa có = 0 2 cấp = 1 3 cấp = 2"
    assert by_code["7.1.2"]["form_unit"] == "Chưa có = 0 2 cấp = 0 3 cấp = 0"


@pytest.mark.parametrize("level", ["so", "huyen", "xa"])
def test_the_workbook_and_the_appendix_show_the_corrected_codes(level, make_workbook):
    ws = load_workbook(make_workbook(None, level=level, year=2024, kind="6_thang"))["Thống kê"]
    for row in _choice_rows(level):
        if row["code"] not in {r["code"] for r in spec.catalog(level, 2023).indicators["rows"]}:
            continue
        shown = ws[f"C{find_row(ws, 'A', row['code'])}"].value
        assert _codes_in(shown) == [(c["label"], c["value"]) for c in row["choices"]], (row["code"], shown)
        assert display_unit(row).split("\n") == [f"{c['label']} = {c['value']}" for c in row["choices"]]
    assert ws[f"C{find_row(ws, 'A', '5.3.1')}"].value == "Chưa thực hiện = 0 Đã thực hiện = 1"
    assert ws[f"C{find_row(ws, 'A', '7.1.2')}"].value == "Chưa có = 0 2 cấp = 1 3 cấp = 2"


def test_a_province_catalog_with_clashing_codes_in_its_unit_text_is_shown_corrected(tmp_path, make_workbook):
    """The unit cell of a coded choice follows the choices, whatever the catalog's text says."""
    mine = tmp_path / "tinh" / "so"
    mine.mkdir(parents=True)
    data = spec.catalog_file("so", "indicators")
    row = next(r for r in data["rows"] if r["code"] == "5.3.1")
    row["unit"] = "Đã thực hiện = 0 Chưa thực hiện = 0"
    (mine / "indicators.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    spec.set_catalog_dirs([tmp_path / "tinh"])
    try:
        ws = load_workbook(make_workbook(None, level="so", year=2024, kind="6_thang"))["Thống kê"]
    finally:
        spec.set_catalog_dirs([])
    assert ws[f"C{find_row(ws, 'A', '5.3.1')}"].value == "Chưa thực hiện = 0 Đã thực hiện = 1"


# ---- 5. schemas/checks.json drives both engines ---------------------------------------------

def _red_formulas(ws, cell: str) -> list[str]:
    return [f for cf in ws.conditional_formatting if cell in str(cf.sqref) for rule in cf.rules
            for f in rule.formula or []]


def test_the_declared_percent_bound_drives_the_workbook_and_validate(stc, make_workbook, monkeypatch):
    """The percent upper bound is read from schemas/checks.json by both engines: declared 50, a
    rate of 60 is out of range for ``validate`` and for the cell's formula and data validation."""
    from cchc_xl import check as checks

    rep = copy.deepcopy(stc)
    rep["indicators"]["3.3.3"]["value"] = 60

    def verdict(path):
        ws = load_workbook(path)["Thống kê"]
        r = find_row(ws, "A", "3.3.3")
        dvs = [dv for dv in ws.data_validations.dataValidation if f"D{r}" in str(dv.sqref)]
        issues = [i for i in validate_file(path).issues if i.sheet == "Thống kê" and i.cell == f"D{r}"]
        return _red_formulas(ws, f"D{r}"), dvs, issues

    formulas, dvs, issues = verdict(make_workbook(rep, name="declared100.xlsx"))
    assert any(">100)" in f for f in formulas) and not any(">50)" in f for f in formulas), formulas
    assert [dv.formula2 for dv in dvs] == ["100"]
    assert not [i for i in issues if i.code == "out_of_range"], issues

    declared = copy.deepcopy(checks.declarations()["types"]["percent"])
    next(c for c in declared if c["kind"] == "range")["max"] = 50
    monkeypatch.setitem(checks.declarations()["types"], "percent", declared)
    formulas, dvs, issues = verdict(make_workbook(rep, name="declared50.xlsx"))
    assert any(">50)" in f for f in formulas) and not any(">100)" in f for f in formulas), formulas
    assert [dv.formula2 for dv in dvs] == ["50"]
    assert [i.code for i in issues if i.severity == "error"] == ["out_of_range"], issues
    assert "60%" in issues[0].message
