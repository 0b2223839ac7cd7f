"""The Excel buttons on real xlwings Book objects (xlwings' remote engine, ``xw.Book(json=…)``).

Each workbook is written to disk by the project's own writers, turned into the JSON payload
xlwings' Excel client sends (``excel.payload_from_file``), and the entry point runs on the Book
built from it. ``book.json()`` then lists what Excel would do; :func:`apply_actions` plays those
actions back on the payload (values, sheets, fills) so that a second click can be tested.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

xw = pytest.importorskip("xlwings")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from conftest import ROOT  # noqa: E402

from cchc_xl import excel  # noqa: E402
from cchc_xl.check.validate import validate_file  # noqa: E402
from cchc_xl.files.area import a1
from cchc_xl.files.area import col_letter as reader_col_letter
from cchc_xl.workbook.annotate import ERROR_COLOR, WARNING_COLOR  # noqa: E402

RESULTS = "Kết quả kiểm tra"
RED, YELLOW = "#" + ERROR_COLOR, "#" + WARNING_COLOR


# ---- helpers -------------------------------------------------------------------------------

def col_letter(n: int) -> str:
    """1 → "A" (the reader's own helper counts from 0)."""
    return reader_col_letter(n - 1)


_LINK = re.compile(r'^=HYPERLINK\("#(.*)","([^"]*)"\)$')


def apply_actions(payload: dict, actions: list[dict], fills: dict) -> dict:
    """What Excel would hold after the actions: values (formulas show HYPERLINK's text, others
    nothing), sheets added/deleted, and fills in ``fills`` {(sheet, A1): "#RRGGBB" | None}."""
    p = copy.deepcopy(payload)
    sheets = p["sheets"]
    for a in actions:
        f, pos = a["func"], a["sheet_position"]
        if f == "addSheet":
            ix, name = a["args"]
            sheets.insert(ix, {"name": name, "values": [[]], "pictures": [], "tables": []})
        elif f == "sheetDelete":
            name = sheets[pos]["name"]
            del sheets[pos]
            for k in [k for k in fills if k[0] == name]:
                del fills[k]
        elif f in ("sheetClear", "sheetClearContents"):
            sheets[pos]["values"] = [[]]
        elif f == "setValues":
            grid = sheets[pos]["values"]
            r0, c0 = a["start_row"], a["start_column"]
            for i, row in enumerate(a["values"]):
                while len(grid) <= r0 + i:
                    grid.append([])
                for j, v in enumerate(row):
                    line = grid[r0 + i]
                    while len(line) <= c0 + j:
                        line.append("")
                    if isinstance(v, str) and v.startswith("'"):
                        v = v[1:]
                    elif isinstance(v, str) and v.startswith("="):
                        m = _LINK.match(v)
                        v = m.group(2) if m else ""
                    line[c0 + j] = "" if v is None else v
            width = max(len(r) for r in grid)
            for line in grid:
                line += [""] * (width - len(line))
        elif f == "setRangeColor":
            name = sheets[pos]["name"]
            for i in range(a["row_count"]):
                for j in range(a["column_count"]):
                    fills[(name, a1(a["start_row"] + i, a["start_column"] + j))] = a["args"][0]
    return p


def actions(book, func: str | None = None) -> list[dict]:
    acts = book.json()["actions"]
    return [a for a in acts if func is None or a["func"] == func]


def alerts(book) -> list[tuple[str, str, str]]:
    return [(a["args"][0], a["args"][1], a["args"][3]) for a in actions(book, "alert")]


def colours(book) -> dict:
    fills: dict = {}
    apply_actions(book_payload(book), actions(book), fills)
    return fills


def book_payload(book) -> dict:
    return book._payload


def make_book(path: Path, **kw):
    payload = excel.payload_from_file(path, **kw)
    book = xw.Book(json=copy.deepcopy(payload))
    book._payload = payload
    return book


def results_grid(book) -> list[list]:
    """The results sheet as written by the last setValues on it."""
    acts = actions(book)
    sheets = [s["name"] for s in book_payload(book)["sheets"]]
    fills: dict = {}
    after = apply_actions(book_payload(book), acts, fills)
    for s in after["sheets"]:
        if s["name"] == RESULTS:
            return s["values"]
    raise AssertionError(f"no results sheet among {sheets}")


def set_cell(payload: dict, sheet: str, cell: str, value) -> None:
    m = re.match(r"([A-Z]+)(\d+)", cell)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    r, c = int(m.group(2)) - 1, col - 1
    grid = next(s for s in payload["sheets"] if s["name"] == sheet)["values"]
    while len(grid) <= r:
        grid.append([""] * len(grid[0]))
    while len(grid[r]) <= c:
        grid[r].append("")
    grid[r][c] = value


def find_cell(path: Path, sheet: str, column: str, value) -> str:
    from openpyxl import load_workbook

    ws = load_workbook(path)[sheet]
    for r in range(1, ws.max_row + 1):
        v = ws[f"{column}{r}"].value
        if isinstance(v, str) and v.replace(" (*)", "") == value or v == value:
            return f"{column}{r}"
    raise AssertionError(value)


@pytest.fixture
def broken(stc, make_workbook):
    """Sở Tài chính with one error (a score above its maximum) and no agency name (required)."""
    rep = copy.deepcopy(stc)
    rep["deductions"][0]["score"] = 99
    rep["agency"]["name"] = None
    return make_workbook(rep, name="broken.xlsx")


# ---- Kiểm tra ------------------------------------------------------------------------------

def test_validate_book_gives_exactly_the_command_line_issues(stc, make_workbook):
    path = make_workbook(stc)
    book = make_book(path)
    issues = excel.validate_book(book)
    assert [i.to_json() for i in issues] == [i.to_json() for i in validate_file(path).issues]


def test_valid_workbook_gets_results_sheet_and_one_sentence(stc, make_workbook):
    book = make_book(make_workbook(stc))
    issues = excel.validate_book(book)
    assert all(i.severity == "warning" for i in issues)  # seed 004's area totals do not add up
    added = actions(book, "addSheet")
    assert added and added[0]["args"] == [0, RESULTS]
    grid = results_grid(book)
    assert grid[0][0] == excel.RESULT_TITLE_TEXT
    assert grid[1][0].startswith("Biểu mẫu hợp lệ, còn 2 cảnh báo nên xem lại.")
    (text, title, mode), = alerts(book)
    assert text == "Biểu mẫu hợp lệ, còn 2 cảnh báo nên xem lại." and mode == "info"
    assert title == "Kiểm tra biểu mẫu"
    assert {c for (sheet, _), c in colours(book).items() if sheet != RESULTS} == {YELLOW}


def test_errors_are_listed_linked_and_coloured(broken):
    book = make_book(broken)
    issues = excel.validate_book(book)
    errors = [i for i in issues if i.severity == "error"]
    assert {i.code for i in errors} >= {"out_of_range", "required"}
    fills = colours(book)
    for i in issues:
        want = RED if any(j.severity == "error" and (j.sheet, j.cell) == (i.sheet, i.cell) for j in issues) else YELLOW
        assert fills[(i.sheet, i.cell)] == want, i
    # the results sheet: one row per issue, with a link to the cell
    values = [a["values"] for a in actions(book, "setValues") if a["sheet_position"] == 0][-1]
    header = values[3]
    assert header == ["STT", "Mức độ", "Trang", "Ô", "Loại", "Nội dung", "Mã", "Màu nền gốc"]
    rows = values[4:]
    assert len(rows) == len(issues)
    for row, issue in zip(rows, issues):
        assert row[1] == ("Lỗi" if issue.severity == "error" else "Cảnh báo")
        assert row[2] == issue.sheet and row[6] == issue.code and row[5] == issue.message
        target = "'" + issue.sheet + "'!" + issue.cell
        assert row[3] == f'=HYPERLINK("#{target}","{issue.cell}")'
    (text, _, mode), = alerts(book)
    assert mode == "critical" and text.startswith(f"Còn {len(errors)} lỗi")


def test_original_fills_are_the_templates(broken):
    """Where the engine cannot read a fill, the one remembered is what the template gave the cell."""
    from openpyxl import load_workbook

    wb = load_workbook(broken)
    book = make_book(broken)
    issues = excel.validate_book(book)
    values = [a["values"] for a in actions(book, "setValues") if a["sheet_position"] == 0][-1]
    assert any(i.sheet == "Thông tin" for i in issues)
    for row, issue in zip(values[4:], issues):
        cell = wb[issue.sheet][issue.cell]
        own = cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else None
        assert row[7] == ("#" + own if own else excel.NO_FILL), (issue.sheet, issue.cell)


def test_second_click_restores_fixed_cells_and_marks_new_ones(broken):
    book = make_book(broken)
    first = excel.validate_book(book)
    fills: dict = {}
    after = apply_actions(book_payload(book), actions(book), fills)
    score = next(i for i in first if i.code == "out_of_range" and i.severity == "error")
    name = next(i for i in first if i.code == "required" and i.sheet == "Thông tin")
    assert fills[(score.sheet, score.cell)] == RED and fills[(name.sheet, name.cell)] == RED
    # the user fixes the score, and breaks a percentage
    set_cell(after, score.sheet, score.cell, 1)
    pct = find_cell(broken, "Thống kê", "A", "3.3.3").replace("A", "D")
    set_cell(after, "Thống kê", pct, 150)
    book2 = xw.Book(json=copy.deepcopy(after))
    book2._payload = after
    second = excel.validate_book(book2)
    apply_actions(after, actions(book2), fills)
    assert fills[(score.sheet, score.cell)] is None  # a table cell: no fill of its own
    assert fills[(name.sheet, name.cell)] == RED  # still missing
    assert fills[("Thống kê", pct)] == RED
    assert not any(i.cell == score.cell and i.sheet == score.sheet for i in second)
    # the results sheet is rewritten, not added again
    assert not actions(book2, "addSheet")
    assert actions(book2, "sheetClear")


def test_fixed_required_field_gets_its_yellow_back(broken):
    book = make_book(broken)
    excel.validate_book(book)
    fills: dict = {}
    after = apply_actions(book_payload(book), actions(book), fills)
    cell = find_cell(broken, "Thông tin", "A", "Tên cơ quan, đơn vị").replace("A", "B")
    set_cell(after, "Thông tin", cell, "Sở Tài chính")
    book2 = xw.Book(json=copy.deepcopy(after))
    book2._payload = after
    excel.validate_book(book2)
    apply_actions(after, actions(book2), fills)
    assert fills[("Thông tin", cell)] == "#FFF2CC"


def test_excel_error_value_in_a_cell_is_reported(stc, make_workbook):
    path = make_workbook(stc)
    payload = excel.payload_from_file(path)
    cell = find_cell(path, "Thống kê", "A", "1.1.1").replace("A", "D")
    set_cell(payload, "Thống kê", cell, "#REF!")
    book = xw.Book(json=payload)
    issues = excel.validate_book(book)
    assert any(i.code == "excel_error" and i.cell == cell for i in issues)


def print_areas(book) -> dict[str, str]:
    names = [s["name"] for s in book_payload(book)["sheets"]]
    return {names[a["sheet_position"]]: a["args"][0] for a in actions(book, "setPrintArea")}


def test_kiem_tra_sets_no_print_area_that_would_cut_rows_typed_later(stc, make_workbook):
    """The input tables have no print area (they print what is filled): the button sets none."""
    from openpyxl import load_workbook

    path = make_workbook(stc)
    wb = load_workbook(path)
    assert not any(wb[n].print_area for n in ("Khắc phục", "Điểm bị trừ"))
    payload = excel.payload_from_file(path)
    set_cell(payload, "Khắc phục", "C40", "Tồn tại phát hiện sau khi nhận biểu mẫu")
    set_cell(payload, "Khắc phục", "F40", "Chưa thực hiện")
    book = xw.Book(json=copy.deepcopy(payload))
    book._payload = payload
    excel.validate_book(book)
    assert print_areas(book) == {}


def test_not_a_cchc_workbook_is_refused_in_one_sentence(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "Bảng lương"
    wb.save(tmp_path / "khac.xlsx")
    book = make_book(tmp_path / "khac.xlsx")
    issues = excel.validate_book(book)
    assert issues[0].code == "wrong_template"
    (text, _, mode), = alerts(book)
    assert mode == "critical" and "không phải biểu mẫu báo cáo CCHC" in text
    assert not actions(book, "addSheet") and not actions(book, "setRangeColor")


def test_status_cell_named_ket_qua_kiem_tra_is_updated(stc, make_workbook):
    payload = excel.payload_from_file(make_workbook(stc))
    payload["names"] = [{"name": excel.STATUS_NAME, "sheet_index": 1, "address": "$B$4", "book_scope": True,
                         "scope_sheet_name": None, "scope_sheet_index": None}]
    book = xw.Book(json=payload)
    excel.validate_book(book)
    writes = [a for a in actions(book, "setValues") if a["sheet_position"] == 1 and a["start_row"] == 3]
    assert writes and writes[0]["values"] == [["Biểu mẫu hợp lệ, còn 2 cảnh báo nên xem lại."]]


def test_kiem_tra_runs_on_the_caller(broken):
    book = make_book(broken)
    book.set_mock_caller()
    try:
        issues = excel.kiem_tra()
    finally:
        del xw.Book._mock_caller
    assert issues and alerts(book)


def test_button_reports_unexpected_errors_in_vietnamese(stc, make_workbook, monkeypatch, tmp_path):
    book = make_book(make_workbook(stc))
    book.set_mock_caller()
    monkeypatch.setattr(excel, "validate_book", lambda b: 1 / 0)
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))
    try:
        assert excel.kiem_tra() is None
    finally:
        del xw.Book._mock_caller
    (text, title, mode), = alerts(book)
    assert "lỗi không lường trước" in text and "ZeroDivisionError" in text and mode == "critical"
    assert "ZeroDivisionError" in (tmp_path / "cchc-xl-loi.log").read_text(encoding="utf-8")


def test_text_that_excel_would_convert_is_protected():
    assert excel.cell_value("- Đã hoàn thành") == "'- Đã hoàn thành"
    assert excel.cell_value("=1+1") == "'=1+1"
    assert excel.cell_value("1,5") == "'1,5"
    assert excel.cell_value("1.1") == "'1.1"
    assert excel.cell_value("Sở Tài chính") == "Sở Tài chính"
    assert excel.cell_value(2.5) == 2.5


def test_template_fills_match_the_template():
    from cchc_xl.workbook import style

    assert excel.TEMPLATE_FILLS["required"] == "#" + style.REQUIRED_FILL.fgColor.rgb[-6:]
    assert excel.TEMPLATE_FILLS["info"] == "#" + style.INPUT_FILL.fgColor.rgb[-6:]
    assert excel.TEMPLATE_FILLS["locked"] == "#" + style.LOCKED_FILL.fgColor.rgb[-6:]
    assert style.GROUP_FILL.fgColor.rgb == style.LOCKED_FILL.fgColor.rgb


# ---- Điền phụ lục --------------------------------------------------------------------------

def test_fill_appendix_writes_the_three_models(stc, make_workbook):
    from cchc_xl.appendix.agency import agency_appendix_models
    from cchc_xl.read.agency import read_file

    path = make_workbook(stc)
    book = make_book(path)
    models = excel.fill_appendix_book(book)
    assert [m.title for m in models] == ["Phụ lục I", "Phụ lục II", "Phụ lục III"]
    added = actions(book, "addSheet")
    assert [a["args"][1] for a in added] == ["Phụ lục I", "Phụ lục II", "Phụ lục III"]
    fills: dict = {}
    after = apply_actions(book_payload(book), actions(book), fills)
    res = read_file(path)
    expected = agency_appendix_models(res.report, res.catalog)
    for m in expected:
        sheet = next(s for s in after["sheets"] if s["name"] == m.title)
        got = [str(v) for row in sheet["values"] for v in row if v not in ("", None)]
        assert got == m.texts()
    assert actions(book, "rangeMerge") and actions(book, "setBorderProperty")
    assert any(a["func"] == "setPrintArea" for a in actions(book))
    (text, _, mode), = alerts(book)
    assert text.startswith("Đã điền Phụ lục I, II, III") and mode == "info"


def test_fill_appendix_again_replaces_the_sheets_in_place(stc, make_workbook):
    book = make_book(make_workbook(stc))
    excel.fill_appendix_book(book)
    after = apply_actions(book_payload(book), actions(book), {})
    order = [s["name"] for s in after["sheets"]]
    book2 = xw.Book(json=copy.deepcopy(after))
    book2._payload = after
    excel.fill_appendix_book(book2)
    assert len(actions(book2, "sheetDelete")) == 3
    again = apply_actions(after, actions(book2), {})
    assert [s["name"] for s in again["sheets"]] == order


def test_fill_appendix_warns_when_the_workbook_has_errors(broken):
    book = make_book(broken)
    excel.fill_appendix_book(book)
    (text, _, mode), = alerts(book)
    assert "còn" in text and "lỗi" in text and "Kiểm tra" in text and mode == "critical"


def test_fill_appendix_of_a_district_workbook(huong_khe, make_workbook):
    book = make_book(make_workbook(huong_khe))
    models = excel.fill_appendix_book(book)
    assert len(models) == 3 and len(actions(book, "addSheet")) == 3


# ---- Tổng hợp ------------------------------------------------------------------------------

@pytest.fixture
def consolidation_book(tmp_path, make_workbook):
    from conftest import example_paths, load_example

    from cchc_xl.workbook.macros import CONFIG_HEADER_ROW, build_consolidation_workbook

    sub = tmp_path / "bai_nop"
    sub.mkdir()
    for p in example_paths():
        make_workbook(load_example(p.stem), name=f"bai_nop/{p.stem}.xlsx")

    def make(folder=str(sub), registry=str(ROOT / "examples" / "registry.csv"), year=None, kind=None):
        wb = build_consolidation_workbook()
        ws = wb["Cấu hình"]
        for i, v in enumerate((folder, registry, year, kind), start=1):
            ws.cell(row=CONFIG_HEADER_ROW + i, column=2, value=v)
        path = tmp_path / "tong_hop.xlsx"
        wb.save(path)
        return make_book(path)

    return make


def test_consolidate_book_fills_every_result_sheet(consolidation_book):
    from cchc_xl.appendix.tables import clean_tables, sheet_tables
    from cchc_xl.consolidate import consolidate

    book = consolidation_book()
    cons = excel.consolidate_book(book)
    assert cons is not None and len(cons.accepted) == 2
    fills: dict = {}
    after = apply_actions(book_payload(book), actions(book), fills)
    names = [s["name"] for s in after["sheets"]]
    tables = clean_tables(sheet_tables(consolidate(cons.input_dir, registry=ROOT / "examples" / "registry.csv")))
    assert names[0] == "Cấu hình"
    assert names[1:1 + len(tables)] == [t.name for t in tables]
    assert "PL tổng hợp khắc phục" in names and names[-1] == "_meta"
    for t in tables:
        sheet = next(s for s in after["sheets"] if s["name"] == t.name)
        assert sheet["values"][0][0] == t.title
        assert sheet["values"][t.header_row - 1][:len(t.columns)] == t.header
        assert len(sheet["values"]) == len(t.grid())
    status = [a for a in actions(book, "setValues") if a["sheet_position"] == 0][-1]["values"]
    assert status[0][0].startswith("Lần tổng hợp lúc")
    assert status[1][0].startswith("Tổng hợp báo cáo CCHC 6 tháng đầu năm 2024: tìm thấy 3 tệp")
    (text, _, mode), = alerts(book)
    assert text == status[1][0] and mode == "info"


def test_consolidate_book_twice_gives_the_same_sheets(consolidation_book):
    book = consolidation_book()
    excel.consolidate_book(book)
    after = apply_actions(book_payload(book), actions(book), {})
    book2 = xw.Book(json=copy.deepcopy(after))
    book2._payload = after
    excel.consolidate_book(book2)
    again = apply_actions(after, actions(book2), {})
    assert [s["name"] for s in again["sheets"]] == [s["name"] for s in after["sheets"]]


def test_consolidate_book_with_year_and_period_from_the_config(consolidation_book):
    book = consolidation_book(year=2023, kind="9 tháng")
    cons = excel.consolidate_book(book)
    assert cons.period == {"year": 2023, "kind": "9_thang"} or dict(cons.period) == {"year": 2023, "kind": "9_thang"}
    # the district's 2023 report, matched through the former name of today's commune in the registry
    assert [f.agency for f in cons.accepted] == ["UBND xã Hương Khê"]


def test_consolidate_book_relative_folder(consolidation_book, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the remote engine knows the book's name only, not its folder
    cons = excel.consolidate_book(consolidation_book(folder="bai_nop"))
    assert cons is not None and len(cons.files) == 3


@pytest.mark.parametrize("folder, registry, year, kind, words", [
    (None, None, None, None, "chưa ghi thư mục"),
    ("/khong/co/thu/muc", None, None, None, "không tìm thấy thư mục"),
    ("SUB", "/khong/co.csv", None, None, "không tìm thấy tệp danh sách"),
    ("SUB", None, "hai nghìn", None, "năm báo cáo"),
    ("SUB", None, None, "Quý V", "kỳ báo cáo"),
])
def test_consolidate_book_bad_config_is_said_in_vietnamese(consolidation_book, tmp_path, folder, registry, year,
                                                           kind, words):
    folder = str(tmp_path / "bai_nop") if folder == "SUB" else folder
    book = consolidation_book(folder=folder, registry=registry, year=year, kind=kind)
    assert excel.consolidate_book(book) is None
    (text, _, mode), = alerts(book)
    assert words in text and mode == "critical"
    assert not actions(book, "addSheet")
    status = [a for a in actions(book, "setValues") if a["sheet_position"] == 0][-1]["values"]
    assert words in status[1][0]


def test_consolidate_book_outside_a_consolidation_workbook(stc, make_workbook):
    book = make_book(make_workbook(stc))
    assert excel.consolidate_book(book) is None
    (text, _, _), = alerts(book)
    assert "Cấu hình" in text


def test_tong_hop_runs_on_the_caller(consolidation_book):
    from conftest import example_paths

    book = consolidation_book()
    book.set_mock_caller()
    try:
        cons = excel.tong_hop()
    finally:
        del xw.Book._mock_caller
    # the caller's own configuration was read: the example folder, each example file found once
    assert sorted(f.file for f in cons.files) == sorted(f"{p.stem}.xlsx" for p in example_paths())
    assert cons.registry is not None and len(cons.accepted) == 2


def test_dien_phu_luc_runs_on_the_caller(stc, make_workbook):
    book = make_book(make_workbook(stc))
    book.set_mock_caller()
    try:
        models = excel.dien_phu_luc()
    finally:
        del xw.Book._mock_caller
    assert len(models) == 3


# ---- start-up cost -------------------------------------------------------------------------

def test_importing_the_button_module_stays_light():
    code = ("import sys, cchc_xl.excel; "
            "print([m for m in ('openpyxl', 'pandas', 'numpy', 'jsonschema', 'xlwings', 'jinja2') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert json.loads(out.stdout.strip().replace("'", '"')) == []


def test_payload_round_trip_keeps_values(stc, make_workbook):
    path = make_workbook(stc)
    book = make_book(path)
    grids = {s.name: excel.sheet_grid(s) for s in book.sheets}
    from cchc_xl.files.boundary import load_grids
    from cchc_xl.read.agency import read_grids

    disk, _ = load_grids(path)
    assert read_grids(grids).report == read_grids(disk).report


def test_older_clients_without_formatting_still_get_the_results(broken):
    """Office Scripts clients cannot align cells: the data and colours are written all the same."""
    book = make_book(broken, client="Microsoft Office Scripts")
    issues = excel.validate_book(book)
    assert issues and actions(book, "setValues") and actions(book, "setRangeColor") and alerts(book)
    assert not actions(book, "setHorizontalAlignment")
    assert len(excel.fill_appendix_book(book)) == 3


def test_a_stray_far_away_value_does_not_make_the_button_read_the_whole_sheet(stc, make_workbook):
    # the reader's bound holds for the open workbook too: Excel would otherwise hand over every
    # cell up to the stray one (XFD1048576 is seventeen billion cells)
    from cchc_xl.files.area import MAX_COLS

    payload = excel.payload_from_file(make_workbook(stc))
    set_cell(payload, "Thống kê", "BR3", "ghi nhầm")  # column 70, beyond the bound
    book = xw.Book(json=copy.deepcopy(payload))
    book._payload = payload
    assert len(excel.sheet_grid(book.sheets["Thống kê"])[0]) == MAX_COLS
    issues = excel.validate_book(book)
    assert not [i for i in issues if i.severity == "error"]


def test_consolidate_book_province_appendix_is_the_files(consolidation_book, tmp_path):
    """The button's province appendix lists the agencies as `cchc-xl consolidate` writes them: in the
    registry's order and spelling (registry_order.province_reports), not in the order files were read."""
    from openpyxl import load_workbook

    from cchc_xl.appendix.province import SHEET_PROVINCE_SUMMARY
    from cchc_xl.consolidate import consolidate
    from cchc_xl.workbook.consolidation import write_consolidated_workbook

    book = consolidation_book()
    cons = excel.consolidate_book(book)
    after = apply_actions(book_payload(book), actions(book), {})
    live = next(s for s in after["sheets"] if s["name"] == SHEET_PROVINCE_SUMMARY)["values"]
    out = tmp_path / "tong_hop_lenh.xlsx"
    write_consolidated_workbook(consolidate(cons.input_dir, registry=ROOT / "examples" / "registry.csv"), out)
    ws = load_workbook(out, read_only=True)[SHEET_PROVINCE_SUMMARY]
    filed = [[c for c in row] for row in ws.iter_rows(values_only=True)]

    def column_b(rows):
        return [str(r[1]).strip() for r in rows if len(r) > 1 and r[1] not in (None, "")]

    assert column_b(live) == column_b(filed)
