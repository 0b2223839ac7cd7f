"""The front doors: the analysts' Python API (cchc_xl.read_report, validate_report,
consolidate_folder and the DataFrame views) and the command line's global options."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import openpyxl
import pytest

import cchc_xl
from cchc_xl import spec
from cchc_xl.cli import main

# ---- the analysts' API ----------------------------------------------------------------------

@pytest.fixture
def folder(tmp_path, make_workbook, stc):
    """Two reports of one period: Sở Tài chính's real one, and a copy for Sở Tư pháp with a count
    typed wrong."""
    sub = tmp_path / "bai_nop"
    sub.mkdir()
    make_workbook(stc, name="bai_nop/stc.xlsx")
    bad = copy.deepcopy(stc)
    bad["agency"] = {"name": "Sở Tư pháp", "code": "STP", "level": "so"}
    kinds = spec.catalog("so", stc["appraisal_year"]).indicator_by_code
    code = next(c for c, v in bad["indicators"].items()
                if isinstance(v.get("value"), int) and kinds.get(c, {}).get("kind") == "count")
    bad["indicators"][code]["value"] = -3  # a count below zero: an error, left out of province figures
    make_workbook(bad, name="bai_nop/stp.xlsx")
    return sub, code


def test_read_report_gives_the_document_of_a_workbook_and_of_its_json(make_workbook, stc, tmp_path):
    wb = make_workbook(stc)
    doc = cchc_xl.read_report(wb)
    assert doc["agency"]["name"] == "Sở Tài chính" and doc["period"] == {"year": 2024, "kind": "6_thang"}
    assert [d["code"] for d in doc["deductions"]] == [d["code"] for d in stc["deductions"]]
    js = tmp_path / "stc.json"
    js.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert cchc_xl.read_report(js) == doc


def test_read_report_of_a_file_that_is_no_report_says_which_file_in_vietnamese(tmp_path):
    other = tmp_path / "khac.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "bảng khác"
    wb.save(other)
    with pytest.raises(cchc_xl.ReportError) as err:
        cchc_xl.read_report(other)
    assert "khac.xlsx" in str(err.value) and "Traceback" not in str(err.value)
    broken = tmp_path / "hong.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(cchc_xl.ReportError, match="hong.json"):
        cchc_xl.read_report(broken)


def test_validate_report_gives_the_same_verdict_as_the_command(folder, capsys):
    sub, code = folder
    verdict = cchc_xl.validate_report(sub / "stp.xlsx")
    assert not verdict.valid
    bad = [i for i in verdict.issues if i.severity == "error"]
    assert bad and all(i.sheet and i.cell for i in bad)
    # the command line prints the same issues, and a dict gives the same codes as its file
    assert main(["validate", "--json", str(sub / "stp.xlsx")]) == 1
    cli = json.loads(capsys.readouterr().out)[0]
    assert cli["errors"] == verdict.errors and cli["warnings"] == verdict.warnings
    as_dict = cchc_xl.validate_report(cchc_xl.read_report(sub / "stp.xlsx"))
    assert {i.code for i in as_dict.issues if i.severity == "error"} == {i.code for i in bad}
    assert cchc_xl.validate_report(sub / "stc.xlsx").errors == 0


def test_consolidate_folder_and_its_dataframe_views(folder, stc):
    sub, code = folder
    cons = cchc_xl.consolidate_folder(sub)
    assert sorted(f.status for f in cons.files) == ["accepted", "accepted"]
    views = cchc_xl.frames(cons)
    assert set(views) == {"files", "agencies", "areas", "deductions", "remediation", "indicators", "propaganda",
                          "issues", "excluded"}
    summary = cons.summary()
    assert len(views["deductions"]) == summary["counts"]["deductions"]
    assert len(views["remediation"]) == summary["counts"]["remediation"]
    assert set(views["agencies"]["agency"]) == {"Sở Tài chính", "Sở Tư pháp"}
    ded = views["deductions"]
    stc_lost = ded[ded["agency"] == "Sở Tài chính"]["lost"].sum()
    assert stc_lost > 0
    # the wrong count is in the excluded view and blank in the by-agency table, as in the province figures
    excluded = views["excluded"]
    assert code in set(excluded["code"]) and set(excluded["agency"]) == {"Sở Tư pháp"}
    assert len(excluded) == summary["counts"]["excluded_values"]
    table = cchc_xl.indicators_by_agency(cons)
    assert table.loc["Sở Tài chính", code] == stc["indicators"][code]["value"]
    assert table.isna().loc["Sở Tư pháp", code]  # -3 never reaches the analyst's table
    ind = views["indicators"]
    assert {"name", "unit"} <= set(ind.columns) and ind["name"].notna().any()


def test_consolidate_folder_of_a_missing_folder_is_a_vietnamese_error(tmp_path):
    with pytest.raises(cchc_xl.ReportError, match="không phải thư mục"):
        cchc_xl.consolidate_folder(tmp_path / "khong_co")


def test_importing_the_package_loads_neither_pandas_nor_the_readers():
    code = ("import sys, cchc_xl; assert callable(cchc_xl.read_report); "
            "print('pandas' in sys.modules, 'openpyxl' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# ---- global options before or after the command's name --------------------------------------

@pytest.mark.parametrize("where", ["before", "after"])
def test_catalog_option_is_accepted_before_or_after_the_command(where, tmp_path, capsys):
    book = tmp_path / "BO_TIEU_CHI.xlsx"
    assert main(["catalog", "-o", str(book), "--level", "so"]) == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["Tiêu chí"]
    r = ws.max_row + 1
    while r > 5 and ws.cell(row=r - 1, column=1).value in (None, ""):
        r -= 1
    rows = []
    for i in range(1, 10):
        rows.append((2025, str(i), f"Lĩnh vực {i}", 8 if i != 9 else 16, None))
        rows.append((2025, f"{i}.1", f"Tiêu chí {i}.1", 8 if i != 9 else 16, None))
    for k, row in enumerate(rows):
        for c, v in enumerate(row, start=1):
            ws.cell(row=r + k, column=c, value=v)
    sets = wb["Các bộ tiêu chí"]
    s = 5
    while sets.cell(row=s, column=1).value not in (None, ""):
        s += 1
    for c, v in enumerate([2025, "Bộ tiêu chí năm 2025", "Quyết định thử", "Đầy đủ", 80, 20], start=1):
        sets.cell(row=s, column=c, value=v)
    wb.save(book)
    cat_dir = tmp_path / "danh_muc"
    assert main(["catalog", str(book), "-o", str(cat_dir)]) == 0
    said = capsys.readouterr().out
    assert f"--catalog {cat_dir}" in said
    out = tmp_path / "x.xlsx"
    argv = ["template", "-o", str(out), "--year", "2026"]
    argv = ["--catalog", str(cat_dir), *argv] if where == "before" else [*argv, "--catalog", str(cat_dir)]
    try:
        assert main(argv) == 0, capsys.readouterr().err
    finally:
        spec.set_catalog_dirs([])
    codes = {c.value for c in openpyxl.load_workbook(out)["Bộ tiêu chí"]["A"]}
    assert "9.1" in codes and "9.1.1" not in codes  # the province's 2025 set, not the shipped one
