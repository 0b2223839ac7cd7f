"""The reader on hostile or clumsy workbooks: a value far away from the tables (a 79 KB file
asking for 512 GiB), rows whose data belongs to no code or to a code already used, merged
cells, a number typed as text, and a path that is not a regular file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cchc_xl.check.validate import validate_file
from cchc_xl.cli import main

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def row_of(ws, col: str, value, start: int = 1) -> int:
    return next(r for r in range(start, ws.max_row + 1) if ws[f"{col}{r}"].value == value)


def issues_of(rep, code: str) -> list:
    return [i for i in rep.issues if i.code == code]


def run_limited(args: list[str], limit_bytes: int = 1 << 30, timeout: int = 120) -> subprocess.CompletedProcess:
    """``cchc-xl ARGS`` in a new process with at most ``limit_bytes`` of address space: a reader
    that allocates the whole sheet rectangle dies instead of taking the test machine down."""
    def limit():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    env = dict(os.environ, XLWINGS_LICENSE_KEY="noncommercial")
    return subprocess.run([sys.executable, "-m", "cchc_xl", *args], capture_output=True, text=True,
                          preexec_fn=limit, timeout=timeout, env=env)


def sheet_part(path: Path, title: str) -> str:
    """The worksheet part of a sheet (for editing the XML as other programs write it)."""
    with zipfile.ZipFile(path) as zf:
        rid = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="([^"]+)"',
                        zf.read("xl/workbook.xml").decode()).group(1)
        target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"',
                           zf.read("xl/_rels/workbook.xml.rels").decode())
    target = (target.group(1) or target.group(2)).lstrip("/")
    return target if target.startswith("xl/") else "xl/" + target


def edit_part(path: Path, part: str, edit) -> None:
    with zipfile.ZipFile(path) as zf:
        items = [(i, zf.read(i.filename)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            zf.writestr(info, edit(data) if info.filename == part else data)


# ---- 1. a value far outside the tables -------------------------------------------------------

@pytest.mark.parametrize("cell", ["XFD1048576", "AZ1048576"])
def test_a_far_away_cell_is_reported_not_allocated(cell, stc, make_workbook, tmp_path):
    path = make_workbook(stc)
    wb = load_workbook(path)
    wb["Thống kê"][cell] = 1
    wb.save(path)
    res = run_limited(["validate", str(path), "--json"])
    assert res.returncode == 0, res.stderr[-2000:]
    report = json.loads(res.stdout)[0]
    far = [i for i in report["issues"] if i["code"] == "outside_area"]
    assert far == [{"severity": "warning", "code": "outside_area", "sheet": "Thống kê", "cell": cell, "field": None,
                    "message": f"Nội dung ở ô {cell} nằm ngoài vùng đọc của biểu mẫu (sau dòng 20.000 hoặc sau "
                               "cột BL) nên không được đọc; hãy xóa hoặc chuyển vào bảng"}]
    # everything inside the tables is still read
    out = tmp_path / "doc.json"
    assert run_limited(["export", str(path), "-o", str(out)]).returncode == 0
    assert json.loads(out.read_text(encoding="utf-8")) == stc


def test_a_value_well_inside_the_readable_area_is_no_issue(stc, make_workbook):
    path = make_workbook(stc)
    wb = load_workbook(path)
    wb["Thống kê"]["BL20000"] = "ghi chú lạc chỗ"
    wb.save(path)
    rep = validate_file(path)
    assert not issues_of(rep, "outside_area")
    assert rep.result.report == stc


def test_cells_written_without_references_or_with_a_prefix_are_bounded_too(stc, make_workbook):
    """Cells placed by position (no ``r``) or written ``<x:c …>`` are where calamine puts them."""
    path = make_workbook(stc)
    part = sheet_part(path, "Thống kê")
    positional = (b'<row r="1048576">' + b"<c/>" * 16383
                  + b'<c t="inlineStr"><is><t>x</t></is></c></row>')
    prefixed = (f'<row r="1048575"><x:c xmlns:x="{MAIN_NS}" t="inlineStr" r="XFD1048575">'
                f'<x:is><x:t>y</x:t></x:is></x:c></row>').encode()
    edit_part(path, part, lambda xml: xml.replace(b"</sheetData>", prefixed + positional + b"</sheetData>"))
    res = run_limited(["validate", str(path), "--json"])
    assert res.returncode == 0, res.stderr[-2000:]
    far = [i for i in json.loads(res.stdout)[0]["issues"] if i["code"] == "outside_area"]
    assert [(i["sheet"], i["cell"]) for i in far] == [("Thống kê", "XFD1048575")]
    assert "và 1 ô khác" in far[0]["message"]


def test_an_ods_with_a_far_cell_is_read_without_it(stc, make_workbook, soffice, tmp_path):
    ods = soffice(make_workbook(stc), "ods")
    with zipfile.ZipFile(ods) as zf:
        content = zf.read("content.xml")
    start = content.index('table:name="Thống kê"'.encode())
    end = content.index(b"</table:table>", start)
    far = (b'<table:table-row table:number-rows-repeated="1040000"><table:table-cell/></table:table-row>'
           b'<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
           b'<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
           b'</table:table-row>')
    edit = content[:end] + far + content[end:]
    with zipfile.ZipFile(ods) as zf:
        items = [(i, zf.read(i.filename)) for i in zf.infolist()]
    with zipfile.ZipFile(ods, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            zf.writestr(info, edit if info.filename == "content.xml" else data)
    res = run_limited(["validate", str(ods), "--json"])
    assert res.returncode == 0, res.stdout + res.stderr[-2000:]
    report = json.loads(res.stdout)[0]
    assert [(i["sheet"], i["cell"][:3]) for i in report["issues"] if i["code"] == "outside_area"] == [("Thống kê", "XFD")]
    assert report["errors"] == 0


def test_an_xls_with_a_far_cell_is_refused_naming_sheet_and_cell(stc, make_workbook, soffice, capsys):
    path = make_workbook(stc)
    wb = load_workbook(path)
    wb["Thống kê"]["IV65536"] = 1
    wb.save(path)
    xls = soffice(path, "xls")
    assert main(["validate", str(xls)]) == 2
    out = capsys.readouterr().out
    assert f"{xls.name}: trang “Thống kê” có nội dung ở ô IV65536, ngoài vùng đọc của biểu mẫu" in out


# ---- 2. data that belongs to no code, or to a code already used ----------------------------

def test_a_value_without_an_indicator_code_is_an_error_not_dropped(stc, make_workbook):
    path = make_workbook(stc)
    wb = load_workbook(path)
    ts, tt = wb["Thống kê"], wb["Tuyên truyền"]
    r = row_of(ts, "A", "1.1.3")
    ts[f"A{r}"] = None  # the code deleted, the value 16 kept
    p = row_of(tt, "A", "04.1")
    tt[f"A{p}"] = "  "
    wb.save(path)
    rep = validate_file(path)
    got = {(i.sheet, i.cell): i for i in issues_of(rep, "missing_code")}
    assert set(got) == {("Thống kê", f"A{r}"), ("Tuyên truyền", f"A{p}")}
    assert all(i.severity == "error" for i in got.values())
    assert got["Thống kê", f"A{r}"].message == (
        f"Dòng có số liệu “16” (ô D{r}) nhưng chưa ghi mã ở cột “Mã chỉ tiêu”; số liệu của dòng này chưa "
        "được dùng, hãy ghi mã")
    assert got["Tuyên truyền", f"A{p}"].message.startswith(f"Dòng có số lượng “80” (ô D{p}) nhưng chưa ghi mã ở cột “TT”")


def test_a_note_without_a_code_is_reported_too(stc, make_workbook):
    path = make_workbook(stc)
    wb = load_workbook(path)
    ts = wb["Thống kê"]
    ts.insert_rows(8)
    ts["E8"] = "Số liệu bổ sung của phòng Kế hoạch"
    wb.save(path)
    issues = issues_of(validate_file(path), "missing_code")
    assert [(i.sheet, i.cell) for i in issues] == [("Thống kê", "A8")]
    assert "ghi chú “Số liệu bổ sung của phòng Kế hoạch” (ô E8)" in issues[0].message


def test_an_area_score_without_an_area_code_is_an_error(stc, make_workbook):
    path = make_workbook(stc)
    wb = load_workbook(path)
    ws = wb["Điểm bị trừ"]
    r = row_of(ws, "B", "2")
    ws[f"B{r}"] = None
    wb.save(path)
    rep = validate_file(path)
    [issue] = issues_of(rep, "missing_code")
    assert (issue.severity, issue.sheet, issue.cell) == ("error", "Điểm bị trừ", f"B{r}")
    assert issue.message.startswith(f"Dòng có điểm đạt “9,75” (ô E{r}) nhưng chưa ghi mã ở cột “Mã lĩnh vực”")


def test_a_code_entered_twice_keeps_the_first_and_reports_the_second(stc, make_workbook):
    path = make_workbook(stc)
    wb = load_workbook(path)
    ts = wb["Thống kê"]
    first = row_of(ts, "A", "1.2.1")
    second = row_of(ts, "A", "1.2.2")
    ts[f"A{second}"], ts[f"D{second}"] = "1.2.1", 5
    wb.save(path)
    rep = validate_file(path)
    [issue] = issues_of(rep, "duplicate_code")
    assert (issue.severity, issue.sheet, issue.cell) == ("error", "Thống kê", f"A{second}")
    assert issue.message == (f"Mã 1.2.1 đã có số liệu ở ô A{first}; số liệu “5” của dòng này (ô D{second}) "
                             "chưa được dùng, hãy gộp vào một dòng")
    assert rep.result.report["indicators"]["1.2.1"] == stc["indicators"]["1.2.1"]
    assert rep.result.cell_of("indicators[1.2.1].value") == ("Thống kê", f"D{first}")


def test_an_empty_row_repeating_a_code_is_no_duplicate(stc, make_workbook):
    path = make_workbook(stc)
    wb = load_workbook(path)
    ts = wb["Thống kê"]
    ts.insert_rows(ts.max_row + 1)
    ts[f"A{ts.max_row + 1}"] = "1.1.1"  # a code typed again on a row with no data
    wb.save(path)
    rep = validate_file(path)
    assert not issues_of(rep, "duplicate_code") and not issues_of(rep, "missing_code")
    assert rep.result.report == stc


# ---- 3. merged cells ---------------------------------------------------------------------

def test_rows_sharing_a_merged_text_each_read_it(stc, make_workbook):
    path = make_workbook(stc)
    wb = load_workbook(path)
    km = wb["Khắc phục"]
    last = 4 + len(stc["remediation"])
    km[f"C{last}"] = None
    km.merge_cells(f"C{last - 1}:C{last}")  # two rows sharing one shortcoming text
    wb.save(path)
    rep = validate_file(path)
    rem = rep.result.report["remediation"]
    assert len(rem) == len(stc["remediation"])
    assert rem[-1]["issue"] == rem[-2]["issue"] == stc["remediation"][-2]["issue"]
    assert not [i for i in rep.issues if i.sheet == "Khắc phục"]


def test_a_tall_merged_cell_adds_no_row(stc, make_workbook):
    path = make_workbook(stc)
    wb = load_workbook(path)
    km = wb["Khắc phục"]
    last = 4 + len(stc["remediation"])
    km.merge_cells(f"C{last}:C{last + 2}")  # one text over its row and two empty ones
    for col in "BCDEFG":  # and one more item further down, after a blank row
        km[f"{col}{last + 4}"] = km[f"{col}{last - 1}"].value
    wb.save(path)
    rep = validate_file(path)
    assert rep.result.report["remediation"] == stc["remediation"] + [stc["remediation"][-2]]
    assert not [i for i in rep.issues if i.sheet == "Khắc phục"]


# ---- 4. a path that is not a regular file ----------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_named_pipe_is_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo.xlsx"
    os.mkfifo(fifo)
    res = run_limited(["validate", str(fifo)], timeout=60)  # before the fix: blocked for ever
    assert res.returncode == 2
    assert res.stdout.strip() == "✗ fifo.xlsx: đây không phải tệp thông thường (đường ống, thiết bị…), không phải bảng tính"


# ---- 5. a number typed as text -------------------------------------------------------------

def test_a_number_typed_as_text_is_read_and_warned(stc, make_workbook):
    path = make_workbook(stc)
    assert not issues_of(validate_file(path), "number_as_text")
    wb = load_workbook(path)
    ts = wb["Thống kê"]
    r = row_of(ts, "A", "1.1.1")
    ts[f"D{r}"] = " 38 "
    wb.save(path)
    rep = validate_file(path)
    [issue] = issues_of(rep, "number_as_text")
    assert (issue.severity, issue.sheet, issue.cell) == ("warning", "Thống kê", f"D{r}")
    assert issue.message == "“38” được nhập dạng chữ, đã hiểu là 38; hãy nhập lại dạng số (biểu mẫu tô vàng ô này cho đến khi sửa)"
    assert rep.result.report["indicators"]["1.1.1"]["value"] == 38
