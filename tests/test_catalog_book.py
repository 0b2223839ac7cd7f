"""The criteria set as a workbook: written from the catalog, filled by a clerk, read back into a
catalog folder that the other commands use; refused cell by cell when it is wrong."""

from __future__ import annotations

import json

import openpyxl
import pytest

from cchc_xl import spec
from cchc_xl.cli import main
from cchc_xl.read.criteria_set import read_catalog_workbook

AREA_MAX = [8, 10, 12, 8, 10, 8, 10, 8, 6]  # 80 appraised points, as in Hà Tĩnh's sets; 20 survey


def new_set_rows(year: int = 2025) -> list[tuple]:
    """A complete criteria set of 9 areas and 63 criteria, maxima that add up."""
    rows = []
    for i, amax in enumerate(AREA_MAX, start=1):
        rows.append((year, str(i), f"Lĩnh vực {i} năm {year}", amax, None))
        for k in range(1, 4):
            cmax = amax / 4
            rows.append((year, f"{i}.{k}", f"Tiêu chí {i}.{k}", cmax, "Có" if (i, k) == (3, 1) else None))
            if k < 3:
                for j in (1, 2):
                    rows.append((year, f"{i}.{k}.{j}", f"Tiêu chí thành phần {i}.{k}.{j}", cmax / 2, None))
    return rows


def first_empty(ws, col: int = 1, start: int = 5) -> int:
    r = start
    while ws.cell(row=r, column=col).value not in (None, ""):
        r += 1
    return r


def add_set(wb, year=2025, total=80, survey=20, scope="Đầy đủ", rows=None):
    sets = wb["Các bộ tiêu chí"]
    r = first_empty(sets)
    for c, v in enumerate([year, f"Bộ tiêu chí năm {year}", "Quyết định số 3241/QĐ-UBND ngày 14/10/2025", scope,
                           total, survey], start=1):
        sets.cell(row=r, column=c, value=v)
    ws = wb["Tiêu chí"]
    r = first_empty(ws)
    cells = {}
    for k, row in enumerate(rows if rows is not None else new_set_rows(year)):
        for c, v in enumerate(row, start=1):
            ws.cell(row=r + k, column=c, value=v)
        cells[row[1]] = r + k
    return cells


@pytest.fixture
def book(tmp_path):
    out = tmp_path / "BO_TIEU_CHI.xlsx"
    assert main(["catalog", "-o", str(out), "--level", "so"]) == 0
    return out


def test_written_workbook_holds_every_set_of_the_level(book):
    cat = read_catalog_workbook(book)
    assert cat.level == "so" and not cat.issues
    assert [s["year"] for s in cat.sets] == spec.criteria_years("so")
    for s in cat.sets:
        shipped = spec.catalog("so", s["year"]).criteria
        assert [(a["code"], a["name"], a["max_score"]) for a in s["areas"]] == \
               [(a["code"], a["name"], a["max_score"]) for a in shipped["areas"]]
        assert {c["code"] for c in s["criteria"]} == {c["code"] for c in shipped["criteria"]}


def test_round_trip_new_year_is_used_by_template_validate_appraisal_and_distribute(book, tmp_path, capsys):
    wb = openpyxl.load_workbook(book)
    add_set(wb)
    wb.save(book)
    out_dir = tmp_path / "danh_muc"
    assert main(["catalog", str(book), "-o", str(out_dir)]) == 0
    data = json.loads((out_dir / "so" / "criteria-2025.json").read_text(encoding="utf-8"))
    assert len(data["areas"]) == 9 and len(data["criteria"]) == 63
    assert data["max_total"] == 80 and data["survey_max_score"] == 20
    assert [c["code"] for c in data["criteria"] if c.get("may_not_apply")] == ["3.1"]
    assert sum(a["max_score"] for a in data["areas"]) == 80
    spec.set_catalog_dirs([out_dir])
    try:
        cat = spec.catalog("so", 2025)
        assert cat.criteria_year == 2025 and cat.max_score("9.2.1") == 0.75
        # template: the agency workbook's criteria sheet lists the new set
        from cchc_xl.workbook.template import build_workbook
        twb = build_workbook("so", 2026, "nam")
        codes = {c.value for c in twb["Bộ tiêu chí"]["A"]}
        assert "9.2.1" in codes and "7a" not in codes
        # appraisal workbook and distribute: a deduction of a criterion only the new set has
        from cchc_xl.cycle.appraisal import build_appraisal_workbook
        from cchc_xl.cycle.distribute import distribute
        from cchc_xl.sheets.xlsx import save_atomic
        ap = tmp_path / "tham_dinh.xlsx"
        save_atomic(build_appraisal_workbook(
            2025, agencies=[{"name": "Sở Tư pháp", "code": "STP", "level": "so"}],
            areas=[{"agency": "Sở Tư pháp", "code": "9", "score": 5}],
            deductions=[{"agency": "Sở Tư pháp", "code": "9.2.1", "score": 0.25, "reason": "Chưa đạt"}]), ap)
        paths = distribute(ap, tmp_path / "phat", year=2026, kind="6_thang")
        assert len(paths) == 1
        # validate: the distributed workbook knows 9.2.1 (no unknown_code) and its maximum
        from cchc_xl.check.validate import validate_file
        rep = validate_file(paths[0])
        assert not [i for i in rep.issues if i.code == "unknown_code"]
        from cchc_xl.read.agency import read_file
        doc = read_file(paths[0]).report
        assert doc["deductions"][0]["code"] == "9.2.1" and doc["deductions"][0]["max_score"] == 0.75
    finally:
        spec.set_catalog_dirs([])


def _refused(book, tmp_path, capsys) -> str:
    out_dir = tmp_path / "danh_muc"
    assert main(["catalog", str(book), "-o", str(out_dir)]) == 1
    assert not out_dir.exists() or not any(out_dir.rglob("*.json"))  # nothing written
    return capsys.readouterr().err


def test_refuses_duplicate_code_naming_its_cell(book, tmp_path, capsys):
    wb = openpyxl.load_workbook(book)
    rows = new_set_rows()
    rows.append((2025, "2.1", "Tiêu chí nhập hai lần", 1, None))
    cells = add_set(wb, rows=rows)
    wb.save(book)
    err = _refused(book, tmp_path, capsys)
    dup_row = cells["2.1"]  # the last row written for 2.1 is the duplicate
    assert f"Tiêu chí!B{dup_row}: Mã 2.1 của năm 2025 bị trùng" in err


def test_refuses_malformed_code_naming_its_cell(book, tmp_path, capsys):
    wb = openpyxl.load_workbook(book)
    rows = new_set_rows() + [(2025, "1..2", "Mã gõ sai", 0, None)]
    cells = add_set(wb, rows=rows)
    wb.save(book)
    err = _refused(book, tmp_path, capsys)
    assert f"Tiêu chí!B{cells['1..2']}: Mã “1..2” không đúng dạng" in err


def test_refuses_criterion_whose_parent_is_missing(book, tmp_path, capsys):
    wb = openpyxl.load_workbook(book)
    rows = [r for r in new_set_rows() if r[1] != "4.2"]  # 4.2.1 and 4.2.2 lose their parent
    cells = add_set(wb, rows=rows)
    wb.save(book)
    err = _refused(book, tmp_path, capsys)
    assert f"Tiêu chí!B{cells['4.2.1']}: Tiêu chí 4.2.1 (năm 2025) thuộc 4.2, nhưng năm 2025 không có dòng mã 4.2" in err


def test_refuses_children_exceeding_their_area(book, tmp_path, capsys):
    wb = openpyxl.load_workbook(book)
    rows = [(y, c, n, (6 if c == "5.3" else m), f) for y, c, n, m, f in new_set_rows()]  # 2,5 + 2,5 + 6 > 10
    cells = add_set(wb, rows=rows)
    wb.save(book)
    err = _refused(book, tmp_path, capsys)
    assert (f"Tiêu chí!D{cells['5']}: Tổng điểm tối đa các tiêu chí con của 5 (năm 2025: 5.1, 5.2, 5.3) là 11, "
            f"vượt điểm tối đa 10 của 5") in err


def test_refuses_areas_not_adding_up_to_the_announced_total(book, tmp_path, capsys):
    wb = openpyxl.load_workbook(book)
    add_set(wb, total=85)
    row = first_empty(wb["Các bộ tiêu chí"]) - 1
    wb.save(book)
    err = _refused(book, tmp_path, capsys)
    assert (f"Các bộ tiêu chí!E{row}: Tổng điểm tối đa các lĩnh vực năm 2025 là 80, khác tổng điểm thẩm định "
            f"công bố 85") in err


def test_refuses_a_year_without_its_set_row(book, tmp_path, capsys):
    wb = openpyxl.load_workbook(book)
    ws = wb["Tiêu chí"]
    r = first_empty(ws)
    for c, v in enumerate([2030, "9", "Lĩnh vực không có bộ", 5], start=1):
        ws.cell(row=r, column=c, value=v)
    wb.save(book)
    err = _refused(book, tmp_path, capsys)
    assert f"Tiêu chí!A{r}: Năm 2030 chưa có ở trang “Các bộ tiêu chí”" in err


def test_not_a_catalog_workbook_is_unusable(tmp_path, capsys):
    other = tmp_path / "khac.xlsx"
    openpyxl.Workbook().save(other)
    assert main(["catalog", str(other), "-o", str(tmp_path / "d")]) == 2
    assert "không phải sổ Bộ tiêu chí" in capsys.readouterr().err


@pytest.mark.parametrize("version", ["1e999", "abc"])
def test_broken_template_version_is_reported_not_a_traceback(book, tmp_path, capsys, version):
    """"1e999" in ``_meta`` overflows int(): the sheet is reported broken, with exit code 2."""
    wb = openpyxl.load_workbook(book)
    meta = wb["_meta"]
    row = next(r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == "template_version")
    meta.cell(row, 2).value = version
    wb.save(book)
    assert main(["catalog", str(book), "-o", str(tmp_path / "d")]) == 2
    assert "trang nhận diện của sổ Bộ tiêu chí bị hỏng" in capsys.readouterr().err


def _catalog_2025(book, tmp_path):
    wb = openpyxl.load_workbook(book)
    add_set(wb)
    wb.save(book)
    out_dir = tmp_path / "danh_muc"
    assert main(["catalog", str(book), "-o", str(out_dir)]) == 0
    return out_dir


def test_criterion_not_applicable_for_one_agency(book, tmp_path):
    """The appraisal records that 3.1 does not apply to Sở Tư pháp; its workbook shows it, its area 3
    maximum leaves it out, and the consolidation ranks on points over the applicable maximum."""
    from cchc_xl.check.validate import validate_file
    from cchc_xl.consolidate import area_scores, consolidate
    from cchc_xl.cycle.appraisal import build_appraisal_workbook
    from cchc_xl.cycle.distribute import distribute
    from cchc_xl.read.agency import read_file
    from cchc_xl.sheets.xlsx import save_atomic

    spec.set_catalog_dirs([_catalog_2025(book, tmp_path)])
    try:
        scores = {"Sở Tư pháp": [7, 9, 8, 7, 9, 7, 9, 7, 5], "Sở Y tế": [7, 9, 8, 7, 9, 7, 9, 7, 5]}
        agencies = [{"name": n, "code": c, "level": "so"} for n, c in (("Sở Tư pháp", "STP"), ("Sở Y tế", "SYT"))]
        areas = [{"agency": n, "code": str(i), "score": s} for n, ss in scores.items() for i, s in enumerate(ss, 1)]
        ap = tmp_path / "tham_dinh.xlsx"
        save_atomic(build_appraisal_workbook(2025, agencies=agencies, areas=areas, exemptions=[
            {"agency": "Sở Tư pháp", "code": "3.1", "note": "Không có thủ tục hành chính thuộc lĩnh vực này"}]), ap)
        paths = distribute(ap, tmp_path / "phat", year=2026, kind="6_thang")
        stp = next(p for p in paths if "Tư pháp" in p.name)
        doc = read_file(stp).report
        assert doc["not_applicable"] == ["3.1"]  # shown on the Thông tin sheet, read back
        assert {a["code"]: a["max_score"] for a in doc["areas"]}["3"] == 12 - 3  # 3.1 (3 points) left out
        assert not [i for i in validate_file(stp).issues if i.code == "max_score_mismatch"]
        c = consolidate(tmp_path / "phat")
        got = {r["agency"]: r for r in area_scores(c)[1]}
        total = sum(scores["Sở Tư pháp"])
        assert got["Sở Tư pháp"]["pct"] == round(total * 100 / (80 - 3), 2)
        assert got["Sở Y tế"]["pct"] == round(total * 100 / 80, 2)
        assert (got["Sở Tư pháp"]["rank"], got["Sở Y tế"]["rank"]) == (1, 2)
        # an area maximum left blank in the workbook: the consolidation falls back to the applicable
        # maximum (the set's, less the excused 3.1), as validation checks the score against it
        from openpyxl import load_workbook

        res = read_file(stp)
        i = next(k for k, a in enumerate(res.report["areas"]) if a["code"] == "3")
        sheet, cell = res.cell_of(f"areas[{i}].max_score")
        wb = load_workbook(stp)
        wb[sheet][cell].value = None
        wb.save(stp)
        rows = consolidate(tmp_path / "phat").records["areas"]
        assert next(r for r in rows if r["agency"] == "Sở Tư pháp" and r["code"] == "3")["max_score"] == 12 - 3
    finally:
        spec.set_catalog_dirs([])


def test_exemption_refusals_name_their_cells(book, tmp_path):
    from cchc_xl.cycle.appraisal import build_appraisal_workbook
    from cchc_xl.read.appraisal import read_appraisal
    from cchc_xl.sheets.xlsx import save_atomic

    spec.set_catalog_dirs([_catalog_2025(book, tmp_path)])
    try:
        ap = tmp_path / "tham_dinh.xlsx"
        save_atomic(build_appraisal_workbook(
            2025, agencies=[{"name": "Sở Tư pháp", "code": "STP", "level": "so"}],
            deductions=[{"agency": "Sở Tư pháp", "code": "3.1.1", "score": 0.5, "reason": "x"}],
            exemptions=[{"agency": "Sở Tư pháp", "code": "2.1"}, {"agency": "Sở Tư pháp", "code": "3.1"}]), ap)
        issues = {(i.code, i.sheet, i.cell) for i in read_appraisal(ap).issues}
        assert ("not_applicable_not_allowed", "Không áp dụng", "D5") in issues  # 2.1 may not be exempted
        assert ("exempt_but_scored", "Không áp dụng", "D6") in issues  # 3.1 exempt, 3.1.1 scored
    finally:
        spec.set_catalog_dirs([])


def test_live_checks_recalculated_by_libreoffice_point_at_the_same_rows(book, tmp_path, soffice):
    """What the clerk sees before running the command: the "Kiểm tra" columns, as LibreOffice computes
    them, flag the rows the reader refuses (duplicate, children over the parent, total off)."""
    from python_calamine import CalamineWorkbook

    wb = openpyxl.load_workbook(book)
    rows = [(y, c, n, (6 if c == "5.3" else m), f) for y, c, n, m, f in new_set_rows()]
    rows.append((2025, "2.1", "Tiêu chí nhập hai lần", 1, None))
    rows.append((2025, "8.9.9", "Thiếu cấp trên", 0.1, None))
    cells = add_set(wb, rows=rows, total=85)
    set_row = first_empty(wb["Các bộ tiêu chí"]) - 1
    wb.save(book)
    calc = CalamineWorkbook.from_path(str(soffice(book, "xlsx:Calc MS Excel 2007 XML")))
    crit = calc.get_sheet_by_name("Tiêu chí").to_python()
    check = {code: crit[r - 1][6] for code, r in cells.items()}
    assert check["2.1"] == "Mã trùng trong cùng năm"
    assert check["5"] == "Tổng điểm tiêu chí con vượt điểm tối đa"
    assert check["8.9.9"] == "Thiếu mã cấp trên"
    assert check["1.1"] == "" and check["9"] == ""
    sets = calc.get_sheet_by_name("Các bộ tiêu chí").to_python()
    assert sets[set_row - 1][8].startswith("Tổng điểm các lĩnh vực khác tổng điểm thẩm định")
