"""Kiểm tra: every check broken exactly once in a real workbook, pointing at the cell to fix."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import unicodedata

import pytest
from conftest import example_paths
from openpyxl import load_workbook

from cchc_xl.check.validate import validate_file
from cchc_xl.cli import main
from cchc_xl.numtext import format_number


def row_of(ws, col: str, value, start: int = 1) -> int:
    for r in range(start, ws.max_row + 1):
        if ws[f"{col}{r}"].value == value:
            return r
    raise AssertionError(f"{value!r} not in column {col} of {ws.title}")


def info_row(ws, title: str) -> int:
    for r in range(1, ws.max_row + 1):
        v = ws[f"A{r}"].value
        if isinstance(v, str) and v.replace(" (*)", "") == title:
            return r
    raise AssertionError(title)


def deduction_row(ws, code: str) -> int:
    header = row_of(ws, "B", "Mã tiêu chí")
    return row_of(ws, "B", code, header + 1)


def area_row(ws, code: str) -> int:
    return row_of(ws, "B", code, row_of(ws, "B", "Mã lĩnh vực") + 1)


# Each case: (id, base example, edit(wb) -> (sheet, cell), expected code, severity)
def _info(title, value):
    def edit(wb):
        ws = wb["Thông tin"]
        r = info_row(ws, title)
        ws[f"B{r}"] = value
        return "Thông tin", f"B{r}"
    return edit


def _deduction(code, col, value):
    def edit(wb):
        ws = wb["Điểm bị trừ"]
        r = deduction_row(ws, code)
        ws[f"{col}{r}"] = value
        return "Điểm bị trừ", f"{col}{r}"
    return edit


def _area(code, value):
    def edit(wb):
        ws = wb["Điểm bị trừ"]
        r = area_row(ws, code)
        ws[f"E{r}"] = value
        return "Điểm bị trừ", f"E{r}"
    return edit


def _indicator(code, value, col="D", sheet="Thống kê"):
    def edit(wb):
        ws = wb[sheet]
        r = row_of(ws, "A", code)
        ws[f"{col}{r}"] = value
        return sheet, f"{col}{r}"
    return edit


def _remediation(index, **cols):
    letters = {"code": "B", "issue": "C", "solution": "D", "deadline": "E", "status": "F", "progress": "G"}

    def edit(wb):
        ws = wb["Khắc phục"]
        r = 5 + index
        for key, value in cols.items():
            ws[f"{letters[key]}{r}"] = value
        return "Khắc phục", f"{letters[list(cols)[-1]]}{r}"
    return edit


def _duplicate(wb):
    ws = wb["Điểm bị trừ"]
    r = deduction_row(ws, "1.5.1")
    ws[f"B{r}"] = "1.1"
    return "Điểm bị trừ", f"B{r}"


def _uncover(wb):
    ws = wb["Khắc phục"]
    r = row_of(ws, "B", "2.1.5")
    ws[f"B{r}"] = None  # the item stays, but no longer names the criterion it remedies
    d = wb["Điểm bị trừ"]
    return "Điểm bị trừ", f"B{deduction_row(d, '2.1.5')}"


def _group_value(wb):
    ws = wb["Thống kê"]
    r = row_of(ws, "A", "1.1")
    ws[f"D{r}"] = 5
    return "Thống kê", f"D{r}"


CASES = [
    ("required_agency", "stc", _info("Tên cơ quan, đơn vị", None), "required", "error"),
    ("invalid_level", "stc", _info("Cấp", "Bộ ngành"), "invalid_value", "error"),
    ("invalid_year", "stc", _info("Năm báo cáo", "hai nghìn"), "invalid_type", "error"),
    ("invalid_date", "stc", _info("Ngày báo cáo", "31/02/2024"), "invalid_date", "error"),
    ("date_before_period", "stc", _info("Ngày báo cáo", "15/12/2023"), "report_date_before_period", "error"),
    ("appraisal_year_not_before", "stc", _info("Năm thẩm định (năm bị trừ điểm)", 2024), "appraisal_year", "warning"),
    ("level_mismatch", "stc", _info("Cấp", "UBND cấp huyện"), "level_mismatch", "warning"),
    ("score_above_max", "stc", _deduction("1.1", "E", 2.5), "out_of_range", "error"),
    ("score_not_a_number", "stc", _deduction("1.1", "E", "không điểm"), "invalid_type", "error"),
    ("negative_score", "stc", _deduction("1.6", "E", -1), "out_of_range", "error"),
    ("ambiguous_score", "stc", _deduction("1.6", "E", "1.481"), "ambiguous_number", "warning"),
    ("unknown_criterion", "stc", _deduction("1.6", "B", "1.99"), "unknown_code", "warning"),
    ("excel_error_value", "stc", _deduction("1.6", "F", "#REF!"), "excel_error", "error"),
    ("duplicate_deduction", "stc", _duplicate, "duplicate_deduction", "error"),
    ("area_score_above_max", "stc", _area("4", 11), "out_of_range", "error"),
    ("uncovered_deduction", "sngv", _uncover, "uncovered_deduction", "error"),
    ("status_missing", "stc", _remediation(1, status=None), "required", "error"),
    ("status_unknown", "stc", _remediation(1, status="Tốt"), "invalid_value", "error"),
    ("issue_missing", "stc", _remediation(1, issue=None), "required", "error"),
    ("finished_without_result", "sngv", _remediation(5, status="Đã hoàn thành", progress=None),
     "finished_without_result", "warning"),
    ("overdue", "sngv", _remediation(3, status="Đang thực hiện", deadline="30/4/2024"), "overdue", "warning"),
    ("legacy_encoding", "stc", _remediation(0, issue="Së Tµi chÝnh ch­a hoµn thµnh"), "legacy_encoding", "warning"),
    ("count_not_whole", "stc", _indicator("1.1.1", 38.5), "not_whole", "error"),
    ("count_negative", "stc", _indicator("1.1.3", -2), "out_of_range", "error"),
    ("percent_above_100", "stc", _indicator("3.3.3", 120), "out_of_range", "error"),
    ("percent_fraction", "stc", _indicator("3.3.3", 0.9063), "percent_fraction", "warning"),
    ("choice_unknown", "stc", _indicator("1.5", "Có lẽ"), "invalid_value", "error"),
    ("value_on_group_row", "stc", _group_value, "value_on_group_row", "warning"),
    ("rule_completed_above_planned", "stc", _indicator("1.1.2", 50), "rule", "error"),
    ("rule_staff_present_above_quota", "stc", _indicator("4.2.2", 70), "rule", "error"),
    ("propaganda_not_whole", "stc", _indicator("01", 2.5, sheet="Tuyên truyền"), "not_whole", "error"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_check_points_at_the_cell_to_fix(case, request, make_workbook):
    _id, base, edit, code, severity = case
    path = make_workbook(request.getfixturevalue(base))
    before = {(i.code, i.sheet, i.cell) for i in validate_file(path).issues}
    wb = load_workbook(path)
    sheet, cell = edit(wb)
    wb.save(path)
    rep = validate_file(path)
    new = [i for i in rep.issues if (i.code, i.sheet, i.cell) not in before]
    assert any(i.code == code and i.sheet == sheet and i.cell == cell and i.severity == severity for i in new), \
        [(i.code, i.sheet, i.cell, i.severity, i.message) for i in new]
    hit = next(i for i in new if i.code == code and i.cell == cell)
    assert hit.message and unicodedata.is_normalized("NFC", hit.message)


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_each_real_document_example_is_valid_and_warned_only_for_what_its_source_leaves_out(path, make_workbook):
    """The reports the province accepted decide what is required: Sở Tài chính (seed 004) is
    complete; seed 000 gives no area scores (computed from its deductions, shown, not an error)
    and seed 002 neither deduction scores nor solutions (warnings). 0 errors for each."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    rep = validate_file(make_workbook(doc))
    assert rep.errors == 0, [(i.code, i.cell, i.message) for i in rep.issues if i.severity == "error"]
    warned = sorted((i.code, re.sub(r"\[\d+\]", "", i.field or "")) for i in rep.issues
                    if i.code in ("area_score_computed", "deduction_score_missing", "recommended"))
    cat = rep.result.catalog
    scored = {d["code"].split(".")[0] for d in doc["deductions"] if d.get("score") is not None}
    unscored = {d["code"].split(".")[0] for d in doc["deductions"] if d.get("score") is None}
    want = [("area_score_computed", f"area_rows.{a}") for a in scored - unscored - {a["code"] for a in doc["areas"]}
            if cat.max_score(a) is not None]
    want += [("deduction_score_missing", "deductions.score") for d in doc["deductions"] if d.get("score") is None]
    want += [("recommended", "remediation.solution") for r in doc["remediation"] if not r.get("solution")]
    assert warned == sorted(want)


def test_a_blank_area_score_is_computed_from_the_listed_deductions(sngv, make_workbook):
    """Seed 000: the area total is the applicable maximum less what the listed criteria lost."""
    rep = validate_file(make_workbook(sngv))
    cat = rep.result.catalog
    shown = {i.field: i for i in rep.issues if i.code == "area_score_computed"}
    lost = sum(d["max_score"] - d["score"] for d in sngv["deductions"] if d["code"].split(".")[0] == "1")
    want = round(cat.applicable_max("1", ()) - lost, 3)
    hit = shown["area_rows.1"]
    assert hit.severity == "warning" and hit.cell == f"E{area_row(load_workbook(rep.file)['Điểm bị trừ'], '1')}"
    assert format_number(want) in hit.message


def test_seed_004_area_totals_that_do_not_add_up_are_warned_not_recomputed(stc, make_workbook):
    path = make_workbook(stc)
    rep = validate_file(path)
    mism = [i for i in rep.issues if i.code == "area_total_mismatch"]
    ws = load_workbook(path)["Điểm bị trừ"]
    assert {i.cell for i in mism} == {f"E{area_row(ws, '3')}", f"E{area_row(ws, '7a')}"}
    assert all(i.severity == "warning" for i in mism)
    assert "13,309/14" in next(i.message for i in mism if i.cell == f"E{area_row(ws, '3')}")
    assert "0,441" in next(i.message for i in mism if i.cell == f"E{area_row(ws, '3')}")
    areas = {a["code"]: a["score"] for a in rep.result.report["areas"]}
    assert areas["3"] == 13.309 and areas["7a"] == 14.682


def test_an_area_code_covers_every_deduction_of_its_area(stc, make_workbook):
    rep = validate_file(make_workbook(stc))
    assert not [i for i in rep.issues if i.code == "uncovered_deduction"]
    assert all(item["code"] in {"1", "2", "3", "4", "5", "6", "7a", "7b"} for item in stc["remediation"])


def test_messy_typing_is_read_as_meant(stc, make_workbook):
    path = make_workbook(stc)
    wb = load_workbook(path)
    ti = wb["Thông tin"]
    ti[f"B{info_row(ti, 'Tên cơ quan, đơn vị')}"] = unicodedata.normalize("NFD", "  Sở  Tài chính \n")
    ti[f"B{info_row(ti, 'Năm báo cáo')}"] = " 2024 "
    ti[f"B{info_row(ti, 'Kỳ báo cáo')}"] = "6 THÁNG"
    ts = wb["Thống kê"]
    ts[f"D{row_of(ts, 'A', '1.1.1')}"] = " 38 "
    ts[f"D{row_of(ts, 'A', '3.3.3')}"] = "98,73%"
    ts[f"D{row_of(ts, 'A', '1.5')}"] = "1"
    km = wb["Khắc phục"]
    km["F5"] = "da hoan thanh"
    km.row_dimensions[6].hidden = True
    km.insert_rows(7)  # a blank row in the middle of the table
    wb.save(path)
    rep = validate_file(path)
    doc = rep.result.report
    assert doc["agency"]["name"] == "Sở Tài chính"
    assert doc["period"] == {"year": 2024, "kind": "6_thang"}
    assert doc["indicators"]["1.1.1"]["value"] == 38
    assert doc["indicators"]["3.3.3"]["value"] == 98.73
    assert doc["indicators"]["1.5"]["value"] == 1
    assert doc["remediation"][0]["status"] == "hoan_thanh"
    assert len(doc["remediation"]) == len(stc["remediation"])  # hidden row read, blank row skipped
    assert rep.errors == 0


def test_validate_json_report_and_exit_codes(stc, make_workbook, tmp_path, capsys):
    good = make_workbook(stc, name="So_Tai_chinh.xlsx")
    assert main(["validate", str(good), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["file"].endswith("So_Tai_chinh.xlsx") and out[0]["valid"] is True
    assert out[0]["errors"] == 0 and out[0]["warnings"] == 2 and out[0]["agency"] == "Sở Tài chính"
    assert set(out[0]["issues"][0]) == {"severity", "code", "sheet", "cell", "field", "message"}

    wb = load_workbook(good)
    ws = wb["Điểm bị trừ"]
    ws[f"E{deduction_row(ws, '1.1')}"] = 2.5
    bad = tmp_path / "sai.xlsx"
    wb.save(bad)
    assert main(["validate", str(good), str(bad), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [r["valid"] for r in out] == [True, False]
    junk = tmp_path / "rac.xlsx"
    junk.write_bytes(b"not a workbook")
    assert main(["validate", str(good), str(junk), "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out[1]["issues"][0]["code"] == "unreadable" and "rac.xlsx" in out[1]["issues"][0]["message"]


def test_console_listing_is_grouped_by_sheet_in_vietnamese(stc, make_workbook, capsys):
    path = make_workbook(stc)
    wb = load_workbook(path)
    ws = wb["Điểm bị trừ"]
    ws[f"E{deduction_row(ws, '1.1')}"] = 2.5
    wb.save(path)
    assert main(["validate", str(path)]) == 1
    text = capsys.readouterr().out
    assert "Trang Điểm bị trừ:" in text and "[Lỗi]" in text and "lớn hơn điểm tối đa 1,5" in text


def test_annotate_writes_a_marked_copy_and_never_touches_the_input(stc, make_workbook, tmp_path):
    path = make_workbook(stc)
    wb = load_workbook(path)
    ws = wb["Điểm bị trừ"]
    r = deduction_row(ws, "1.1")
    ws[f"E{r}"] = 2.5
    wb.save(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    out = tmp_path / "danh_dau.xlsx"
    assert main(["validate", str(path), "--annotate", str(out)]) == 1
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    marked = load_workbook(out)
    res = marked["Kết quả kiểm tra"]
    assert marked.sheetnames[0] == "Kết quả kiểm tra"
    rows = [[c.value for c in row] for row in res.iter_rows(min_row=5)]
    hit = next(row for row in rows if row[6] == "out_of_range")
    assert hit[1] == "Lỗi" and hit[2] == "Điểm bị trừ"
    assert hit[3] == f"=HYPERLINK(\"#'Điểm bị trừ'!E{r}\",\"E{r}\")"
    cell = marked["Điểm bị trừ"][f"E{r}"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE") and "lớn hơn điểm tối đa" in cell.comment.text
    warn = marked["Điểm bị trừ"][f"E{area_row(marked['Điểm bị trừ'], '3')}"]
    assert warn.fill.fgColor.rgb.endswith("FFEB9C")


def test_annotate_refuses_to_overwrite_its_input(stc, make_workbook, capsys):
    path = make_workbook(stc)
    assert main(["validate", str(path), "--annotate", str(path)]) == 2
    assert "khác tệp đầu vào" in capsys.readouterr().err


def test_a_document_checked_without_a_workbook_still_gets_every_rule(stc):
    from cchc_xl.check.validate import check_report

    doc = copy.deepcopy(stc)
    doc["indicators"]["1.1.2"]["value"] = 50
    issues = check_report(doc)
    assert any(i.code == "rule" and i.field == "indicators[1.1.2].value" for i in issues)


@pytest.mark.parametrize("edit, suggestion", [(_deduction("1.6", "E", "1.481"), "ví dụ 1,481"),
                                              (_indicator("1.3.1", "1.216"), "ví dụ 1216")])
def test_an_ambiguous_number_gets_an_unambiguous_suggestion(stc, make_workbook, edit, suggestion):
    path = make_workbook(stc)
    wb = load_workbook(path)
    sheet, cell = edit(wb)
    wb.save(path)
    hit = next(i for i in validate_file(path).issues if i.code == "ambiguous_number" and i.cell == cell)
    assert hit.message.endswith(suggestion)


def test_checking_a_read_workbook_does_not_load_the_workbook_writer(stc, make_workbook, tmp_path):
    """The Kiểm tra button reads the sheets it is sent and checks them: neither openpyxl nor the
    template writer is needed for that (the "scores from the appraisal" mark lives in spec)."""
    import pickle
    import subprocess
    import sys

    from conftest import ROOT

    from cchc_xl.files.boundary import load_grids

    grids, _ = load_grids(make_workbook(stc))
    pkl = tmp_path / "grids.pkl"
    pkl.write_bytes(pickle.dumps(grids))
    code = ("import pickle, sys; from cchc_xl.read.agency import read_grids; from cchc_xl.check.validate import check_read; "
            f"check_read(read_grids(pickle.loads(open({str(pkl)!r}, 'rb').read()))); "
            "print(' '.join(m for m in ('openpyxl', 'cchc_xl.workbook.template') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""
