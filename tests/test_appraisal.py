"""The appraisal workbook and ``distribute``: from the appraisal to pre-filled agency workbooks.

The whole loop runs on facts from the examples: Sở Tài chính's deductions and area totals
(seed 004), Sở Ngoại vụ's deductions (seed 000), and a third agency, Sở Tư pháp, whose two
deductions are made up for the test.
"""

from __future__ import annotations

import datetime
import importlib
import os
import re
import unicodedata
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from cchc_xl import spec
from cchc_xl.check.validate import area_total_issues, validate_file
from cchc_xl.cycle.appraisal import write_appraisal_template
from cchc_xl.cycle.distribute import agency_reports, distribute, remediation_issue_text
from cchc_xl.cycle.filenames import agency_file_names, safe_stem
from cchc_xl.read.agency import read_file
from cchc_xl.read.appraisal import DistributeError, decl, read_appraisal

SO = "Sở, ban, ngành cấp tỉnh"
HUYEN = "UBND cấp huyện"
STP_DEDUCTIONS = [  # made up for the test
    {"code": "1.1", "max_score": None, "score": 1, "reason": "Đạt 85% kế hoạch (dưới 100%)"},
    {"code": "3.3", "max_score": 3, "score": 2.5, "reason": None},
]


# ---- helpers: fill the appraisal workbook the way a user would (openpyxl, cell by cell) -----------

def _letters(which: str) -> dict[str, str]:
    return {c["key"]: get_column_letter(i) for i, c in enumerate(decl()["sheets"][which]["columns"], start=1)}


def _first_row(which: str) -> int:
    return decl()["sheets"][which]["header_row"] + 1


def fill_appraisal(path: Path, agencies, areas=(), deductions=(), year: int | None = 2023) -> None:
    """Type the registry (name, code, level label), area totals and deductions into the workbook."""
    wb = load_workbook(path)
    info = wb[decl()["sheets"]["info"]["title"]]
    info["B5"] = year
    for which, rows, keys in (("registry", agencies, ("name", "code", "level")),
                              ("areas", areas, ("agency", "code", "max_score", "score")),
                              ("deductions", deductions, ("agency", "code", "max_score", "score", "reason"))):
        ws = wb[decl()["sheets"][which]["title"]]
        L = _letters(which)
        for i, row in enumerate(rows):
            for key in keys:
                if row.get(key) is not None:
                    ws[f"{L[key]}{_first_row(which) + i}"] = row[key]
    wb.save(path)


def three_agencies(stc: dict, sngv: dict):
    agencies = [{"name": "Sở Tài chính", "code": "STC", "level": SO},
                {"name": "Sở Ngoại vụ", "code": "SNgV", "level": SO},
                {"name": "Sở Tư pháp", "code": "STP", "level": SO}]
    areas = [{"agency": "Sở Tài chính", "code": a["code"], "score": a["score"]} for a in stc["areas"]]
    deductions = []
    for name, rows in (("Sở Tài chính", stc["deductions"]), ("Sở Ngoại vụ", sngv["deductions"]),
                       ("Sở Tư pháp", STP_DEDUCTIONS)):
        deductions += [{"agency": name, "code": d["code"], "max_score": d["max_score"], "score": d["score"],
                        "reason": d["reason"]} for d in rows]
    return agencies, areas, deductions


@pytest.fixture
def appraisal(tmp_path, stc, sngv) -> tuple[Path, list, list, list]:
    path = tmp_path / "tham_dinh_2023.xlsx"
    write_appraisal_template(path, year=2023)
    agencies, areas, deductions = three_agencies(stc, sngv)
    fill_appraisal(path, agencies, areas, deductions)
    return path, agencies, areas, deductions


def _expected_deductions(deductions, name):
    cat = spec.catalog("so", 2023)
    out = {}
    for d in deductions:
        if d["agency"] == name:
            mx = d["max_score"] if d["max_score"] is not None else cat.max_score(d["code"])
            out[d["code"]] = (mx, d["score"], d["reason"])
    return out


def fill_agency_workbook(path: Path, statuses=("dang_thuc_hien", "hoan_thanh")) -> None:
    """The agency's part: solution, deadline, status and progress on every remediation row."""
    cfg = spec.sheets()["sheets"]["remediation"]
    L = {c["key"]: get_column_letter(i) for i, c in enumerate(cfg["columns"], start=1)}
    labels = {s["key"]: s["label"] for s in spec.statuses()}
    wb = load_workbook(path)
    ws = wb[cfg["title"]]
    r = cfg["header_row"] + 1
    i = 0
    while ws[f"{L['issue']}{r}"].value:
        status = statuses[i % len(statuses)]
        ws[f"{L['solution']}{r}"] = "Rà soát, bổ sung tài liệu kiểm chứng; phân công lãnh đạo phụ trách."
        ws[f"{L['deadline']}{r}"] = "Thường xuyên" if i % 2 else "Năm 2024"
        ws[f"{L['status']}{r}"] = labels[status]
        ws[f"{L['progress']}{r}"] = "Đã ban hành kế hoạch khắc phục." if status != "hoan_thanh" else "Đã khắc phục xong."
        r += 1
        i += 1
    info = wb[spec.sheets()["sheets"]["info"]["title"]]
    title = next(f["title"] for f in spec.sheets()["sheets"]["info"]["fields"] if f["key"] == "report.date")
    row = next(r for r in range(1, 30) if str(info[f"A{r}"].value or "").replace(" (*)", "") == title)
    info[f"B{row}"] = datetime.date(2024, 6, 15)
    wb.save(path)


# ---- the blank workbook --------------------------------------------------------------------

def test_blank_workbook_has_native_help(tmp_path):
    path = write_appraisal_template(tmp_path / "so.xlsx", year=2023)
    wb = load_workbook(path)
    d = decl()
    titles = [d["sheets"][k]["title"] for k in ("guide", "info", "registry", "areas", "deductions", "exemptions",
                                                "criteria")]
    assert [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"] == titles
    meta = wb[d["meta_sheet"]]
    assert meta.sheet_state in ("hidden", "veryHidden")
    assert {meta.cell(r, 1).value: meta.cell(r, 2).value for r in range(1, 8)}["template_id"] == "cchc-xl/appraisal"
    assert wb[d["lists_sheet"]].sheet_state == "hidden"
    for name in ("ds_co_quan", "bang_co_quan", "ds_cap", "tc_khoa", "tc_ten", "tc_diem", "tc_nhom", "tc_khong_ap_dung"):
        assert name in wb.defined_names
    reg = wb[d["sheets"]["registry"]["title"]]
    assert reg["B5"].value is None  # blank but for the headers
    for which in ("registry", "areas", "deductions", "exemptions"):
        ws = wb[d["sheets"][which]["title"]]
        L = _letters(which)
        first = _first_row(which)
        assert ws.protection.sheet
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
        assert ws.print_title_rows
        for c in d["sheets"][which]["columns"]:
            locked = ws[f"{L[c['key']]}{first}"].protection.locked
            assert locked == (c.get("type") == "formula"), (which, c["key"])
        validated = {str(r).split(":")[0] for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
        hinted = [dv for dv in ws.data_validations.dataValidation if dv.prompt]
        assert hinted
        if which == "exemptions":  # agency from the list, code and reason bounded; no scores
            assert {f"{L[k]}{first}" for k in ("agency", "code", "note")} <= validated
        elif which != "registry":
            assert {f"{L[k]}{first}" for k in ("agency", "code", "max_score", "score")} <= validated
            code_dv = next(dv for dv in ws.data_validations.dataValidation if f"{L['code']}{first}" in str(dv.sqref))
            assert "OFFSET(" in code_dv.formula1 and "tc_nhom" in code_dv.formula1  # codes of the row's level
            score_dv = next(dv for dv in ws.data_validations.dataValidation
                            if f"{L['score']}{first}" in str(dv.sqref))
            assert score_dv.formula1 == "0" and "tc_diem" in score_dv.formula2  # 0 … maximum of the criterion
        red = [rng for rng in ws.conditional_formatting]
        assert len(red) >= 2


def test_cli_writes_the_appraisal_workbook(tmp_path):
    from cchc_xl.cli import main

    out = tmp_path / "so_tham_dinh.xlsx"
    assert main(["template", "--appraisal", "-o", str(out), "--year", "2023"]) == 0
    ap = read_appraisal(out)
    assert ap.year == 2023 and ap.agencies == []
    assert [i.code for i in ap.issues] == ["required"]  # no agency yet


def test_formulas_compute_in_libreoffice(tmp_path, appraisal, soffice):
    """Level and criterion name are looked up by formulas; LibreOffice computes the same as we expect."""
    from python_calamine import CalamineWorkbook

    path, *_ = appraisal
    out = soffice(path, "xlsx", tmp_path / "lo")
    grid = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(decl()["sheets"]["deductions"]["title"]).to_python()
    L = {k: ord(v) - 65 for k, v in _letters("deductions").items()}
    row = grid[_first_row("deductions") - 1]
    assert row[L["agency"]] == "Sở Tài chính"
    assert row[L["level"]] == SO
    assert row[L["code"]] == "1.1"
    assert row[L["name"]] == "Thực hiện Kế hoạch CCHC"
    assert row[L["stt"]] == 1


# ---- the whole loop ------------------------------------------------------------------------

def test_whole_loop_appraisal_to_consolidation(tmp_path, appraisal, stc, sngv):
    path, agencies, areas, deductions = appraisal
    out = tmp_path / "phat_hanh"
    written = distribute(path, out)
    assert [p.name for p in written] == ["Sở Tài chính.xlsx", "Sở Ngoại vụ.xlsx", "Sở Tư pháp.xlsx"]

    # each agency file validates with only the expected errors: what the agency must still give
    # (its report date; each remediation row's status); a missing solution is a warning, and the
    # scores of deducted areas the appraisal did not give are computed (warnings), as in the real reports
    cols = {c["key"]: get_column_letter(i) for i, c in enumerate(spec.sheets()["sheets"]["remediation"]["columns"],
                                                                  start=1)}
    for p in written:
        rep = validate_file(p)
        n = len(rep.result.report["remediation"])
        errors = [i for i in rep.issues if i.severity == "error"]
        assert [(i.code, i.sheet, i.field) for i in errors if i.sheet == "Thông tin"] == \
            [("required", "Thông tin", "report.date")]
        rows = [i for i in errors if i.sheet == "Khắc phục"]
        # an agency the appraisal gave no area scores: those of its deducted areas are computed, not errors
        assert not [i for i in errors if i.sheet == "Điểm bị trừ"]
        assert len(rows) == n and len(errors) == n + 1
        assert {re.sub(r"\d", "", i.cell) for i in rows} == {cols["status"]}
        assert len([i for i in rep.issues if i.code == "recommended" and i.cell.startswith(cols["solution"])]) == n
        warnings = [(i.code, i.field) for i in rep.issues if i.severity == "warning"]
        # seed 004's own totals of areas 3 and 7a do not add up (DOMAIN.md), but the scores came
        # from the appraisal: the agency, who cannot change them, is not warned (distribute can
        # check them: validate.area_total_issues), and the sheet says where they came from
        assert [w for w in warnings if w[0] not in ("recommended", "area_score_computed")] == []
        assert "sổ thẩm định" in str(load_workbook(p)["Điểm bị trừ"]["F6"].value or "") or not rep.result.report["areas"]
    stc_report = next(r for a, r in agency_reports(read_appraisal(path), 2024, "6_thang") if a.name == "Sở Tài chính")
    assert [(i.code, i.field) for i in area_total_issues(stc_report)] == [
        ("area_total_mismatch", "areas[2].score"), ("area_total_mismatch", "areas[6].score")]

    # the agencies fill their part; then the files are valid: the scores of deducted areas the
    # appraisal gave none of are computed from the deductions (warnings naming the figure)
    computed = {}
    for p in written:
        fill_agency_workbook(p)
        rep = validate_file(p)
        report = rep.result.report
        missing = {spec.area_of(d["code"]) for d in report["deductions"]} - {a["code"] for a in report["areas"]}
        assert [(i.code, i.field) for i in rep.issues if i.severity == "error"] == []
        shown = {i.field for i in rep.issues if i.code == "area_score_computed"}
        assert shown == {f"area_rows.{code}" for code in missing
                         if rep.result.catalog.max_score(code) is not None}
        computed[report["agency"]["name"]] = {f.split(".", 1)[1] for f in shown}

    from cchc_xl.cycle import consolidation as consolidate

    cons = consolidate.consolidate(out)
    assert len(cons.accepted) == 3
    got = {(d["agency"], d["code"]): (d["max_used"], d["score"], d["reason"]) for d in cons.records["deductions"]}
    want = {}
    for name in ("Sở Tài chính", "Sở Ngoại vụ", "Sở Tư pháp"):
        want.update({(name, code): v for code, v in _expected_deductions(deductions, name).items()})
    assert got == want
    area_got = {(a["agency"], a["code"]): a["score"] for a in cons.records["areas"] if not a["computed"]}
    assert area_got == {("Sở Tài chính", a["code"]): a["score"] for a in stc["areas"]}
    assert {(a["agency"], a["code"]) for a in cons.records["areas"] if a["computed"]} == \
        {(name, code) for name, codes in computed.items() for code in codes}

    book = tmp_path / "tong_hop.xlsx"
    consolidate.run_consolidation(out, book, echo=lambda *a, **k: None)
    assert _deductions_in_workbook(book) == want


def _deductions_in_workbook(path: Path) -> dict:
    """(agency, criterion) → (maximum, achieved score, reason), from the consolidated workbook's
    deductions table."""
    from python_calamine import CalamineWorkbook

    from cchc_xl.normalize import fold

    wb = CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        grid = wb.get_sheet_by_name(name).to_python()
        for r, row in enumerate(grid[:15]):
            heads = [fold(v) if isinstance(v, str) else "" for v in row]
            want = {"ma tieu chi", "diem dat", "ly do bi tru diem"}
            if want <= set(heads):
                ag = next(i for i, h in enumerate(heads) if h.startswith("co quan"))
                code, score = heads.index("ma tieu chi"), heads.index("diem dat")
                reason = heads.index("ly do bi tru diem")
                top = next(i for i, h in enumerate(heads) if h.startswith("diem toi da"))
                return {(x[ag], str(x[code])): (x[top], x[score], x[reason] or None)
                        for x in grid[r + 1:] if x[code] not in ("", None)}
    raise AssertionError("no deductions table in the consolidated workbook")


def test_distributed_workbook_is_prefilled(tmp_path, appraisal, stc):
    path, agencies, areas, deductions = appraisal
    written = distribute(path, tmp_path / "out")
    doc = read_file(written[0]).report
    assert doc["agency"] == {"name": "Sở Tài chính", "code": "STC", "level": "so"}
    assert doc["period"] == {"year": 2024, "kind": "nam"}  # appraisal year + 1, yearly report by default
    assert doc["appraisal_year"] == 2023
    assert doc["report"] == {"number": None, "date": None}
    assert [(a["code"], a["max_score"], a["score"]) for a in doc["areas"]] == \
        [(a["code"], a["max_score"], a["score"]) for a in stc["areas"]]
    assert [(d["code"], d["name"], d["max_score"], d["score"], d["reason"]) for d in doc["deductions"]] == \
        [(d["code"], spec.catalog("so", 2023).criterion_name(d["code"]), d["max_score"], d["score"], d["reason"])
         for d in stc["deductions"]]
    first = doc["remediation"][0]
    assert first["code"] == "1.1"
    assert first["issue"] == ("Tiêu chí 1.1 (Thực hiện Kế hoạch CCHC) đạt 0/1,5 điểm. Lý do: Đạt 60% (dưới 80%), "
                              "trên cơ sở đánh giá của BCS Đảng UBND tỉnh và HĐĐT CCHC tỉnh.")
    assert all(it[k] is None for it in doc["remediation"] for k in ("solution", "deadline", "status", "progress"))
    assert [it["code"] for it in doc["remediation"]] == [d["code"] for d in doc["deductions"]]
    assert doc["indicators"] == {} and doc["propaganda"] == {}
    stp = read_file(written[2]).report
    assert stp["deductions"][0]["max_score"] == 1.5  # left blank in the appraisal: taken from the criteria set
    assert stp["remediation"][1]["issue"] == "Tiêu chí 3.3 (Kết quả giải quyết TTHC) đạt 2,5/3 điểm."


def test_period_from_arguments(tmp_path, appraisal):
    path, *_ = appraisal
    written = distribute(path, tmp_path / "out", year=2024, kind="6_thang")
    assert read_file(written[1]).report["period"] == {"year": 2024, "kind": "6_thang"}
    with pytest.raises(DistributeError, match="phải sau năm thẩm định"):
        distribute(path, tmp_path / "out2", year=2023)
    assert not (tmp_path / "out2").exists() or not any((tmp_path / "out2").iterdir())


def test_issue_text_without_name_max_or_reason():
    assert remediation_issue_text("9.9", None, 0.75, None, None) == "Tiêu chí 9.9 đạt 0,75 điểm."
    assert remediation_issue_text("1.1", "X", 1.216, 1.5, "Đạt 95.425%.") == \
        "Tiêu chí 1.1 (X) đạt 1,216/1,5 điểm. Lý do: Đạt 95.425%."


def test_every_registry_agency_gets_a_workbook_even_without_deductions(tmp_path):
    path = write_appraisal_template(tmp_path / "a.xlsx", year=2023)
    fill_appraisal(path, [{"name": "Sở Nội vụ", "code": "SNV", "level": SO},
                          {"name": "UBND huyện Hương Khê", "code": "HK", "level": HUYEN}],
                   deductions=[{"agency": "UBND huyện Hương Khê", "code": "1.2", "max_score": 2, "score": 1.5,
                                "reason": "Mức độ hoàn thành nhiệm vụ CCHC đạt 73,4%"}])
    written = distribute(path, tmp_path / "out")
    docs = [read_file(p).report for p in written]
    assert docs[0]["deductions"] == [] and docs[0]["remediation"] == []
    assert docs[1]["agency"]["level"] == "huyen"
    assert docs[1]["deductions"][0]["name"] == "Mức độ hoàn thành nhiệm vụ CCHC trên các lĩnh vực/nội dung theo Bộ Tiêu chí"


# ---- file names ----------------------------------------------------------------------------

WINDOWS_FORBIDDEN = set('<>:"/\\|?*') | {chr(i) for i in range(32)}
RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.I)


def _assert_safe(fname: str):
    stem = fname[:-len(".xlsx")]
    assert not (set(fname) & WINDOWS_FORBIDDEN), fname
    assert not RESERVED.match(stem.split(".")[0] + ".") and not RESERVED.match(stem.split(".")[0]), fname
    assert stem == stem.strip() and not stem.endswith(".") and not stem.startswith("."), fname
    assert not stem.startswith("~$")
    assert len(fname.encode("utf-8")) <= 255
    assert fname == unicodedata.normalize("NFC", fname)


@pytest.mark.parametrize("name, stem", [
    ("Sở Tài chính", "Sở Tài chính"),
    ("../Sở X", "Sở X"),
    ("Sở A/B", "Sở A-B"),
    ("..\\..\\Windows\\System32", "Windows-System32"),
    ("CON", "CON_"),
    ("nul", "nul_"),
    ("NUL.txt", "NUL_.txt"),
    ("com1", "com1_"),
    ("LPT9.doc", "LPT9_.doc"),
    ("Sở X.", "Sở X"),
    ("Sở X . . ", "Sở X"),
    ("  Sở   Y  tế ", "Sở Y tế"),
    ('Sở "Q" <1>|2?*:', "Sở Q 12"),
    ("Sở\tTư\npháp\x00\x1f", "Sở Tư pháp"),
    ("~$Sở Xây dựng", "Sở Xây dựng"),
    (".hidden", "hidden"),
    ("Console", "Console"),
    (unicodedata.normalize("NFD", "Sở Giáo dục và Đào tạo"), "Sở Giáo dục và Đào tạo"),
    ("/", ""),
    ("...", ""),
])
def test_safe_stem(name, stem):
    assert safe_stem(name) == stem


def test_long_name_is_shortened():
    stem = safe_stem("Ủy ban nhân dân " * 40)
    assert 0 < len(stem) <= 100 and len(stem.encode("utf-8")) <= 180
    assert stem == stem.strip()


def test_unsafe_agency_names_give_safe_distinct_files_inside_dir(tmp_path):
    names = ["../Sở X", "Sở A/B", "CON", "NUL.txt", "Sở X.", "Sở A-B", "Sở A\\B", "/", "<>", "Sở Tài chính"]
    path = write_appraisal_template(tmp_path / "a.xlsx", year=2023)
    fill_appraisal(path, [{"name": n, "code": f"C{i}" if n != "<>" else None, "level": SO}
                          for i, n in enumerate(names)],
                   deductions=[{"agency": "../Sở X", "code": "1.1", "score": 1, "reason": "Thiếu"}])
    out = tmp_path / "out" / "sub"
    written = distribute(path, out)
    assert len(written) == len(names)
    root = out.resolve()
    files = sorted(os.listdir(out))
    assert len(files) == len(names)  # nobody overwrote anybody
    for p in written:
        assert p.resolve().parent == root
        _assert_safe(p.name)
    assert [p.name for p in written] == [
        "Sở X.xlsx", "Sở A-B.xlsx", "CON_.xlsx", "NUL_.txt.xlsx", "Sở X (2).xlsx", "Sở A-B (2).xlsx",
        "Sở A-B (3).xlsx", "C7.xlsx", "Cơ quan 9.xlsx", "Sở Tài chính.xlsx"]
    assert not (tmp_path / "Sở X.xlsx").exists() and not (tmp_path / "out" / "Sở X.xlsx").exists()
    doc = read_file(written[0]).report
    assert doc["agency"]["name"] == "../Sở X"  # the name inside the workbook is kept as written
    assert doc["deductions"][0]["code"] == "1.1"


def test_file_names_never_collide_case_insensitively():
    from cchc_xl.read.appraisal import Agency

    ags = [Agency(n, None, "so", "Cơ quan", "B5") for n in ("Sở Y tế", "SỞ Y TẾ", "Sở Y tế.", "Sở Y tế (2)")]
    names = agency_file_names(ags)
    assert len({n.casefold() for n in names}) == len(names)


def test_existing_file_is_never_overwritten(tmp_path, appraisal):
    path, *_ = appraisal
    out = tmp_path / "out"
    out.mkdir()
    (out / "Sở Ngoại vụ.xlsx").write_bytes(b"do not touch")
    with pytest.raises(DistributeError, match="Sở Ngoại vụ.xlsx") as exc:
        distribute(path, out)
    assert exc.value.issues == []
    assert sorted(os.listdir(out)) == ["Sở Ngoại vụ.xlsx"]  # nothing written
    assert (out / "Sở Ngoại vụ.xlsx").read_bytes() == b"do not touch"


def test_output_dir_that_is_a_file(tmp_path, appraisal):
    path, *_ = appraisal
    (tmp_path / "f").write_text("x")
    with pytest.raises(DistributeError, match="cần một thư mục"):
        distribute(path, tmp_path / "f")


# ---- errors in the appraisal workbook ------------------------------------------------------

def _errors(path, out):
    with pytest.raises(DistributeError) as exc:
        distribute(path, out)
    assert not out.exists() or not any(out.iterdir()), "nothing may be written when the appraisal has errors"
    return {(i.code, i.sheet, i.cell) for i in exc.value.issues}, exc.value


def test_appraisal_errors_point_at_cells_and_nothing_is_written(tmp_path):
    path = write_appraisal_template(tmp_path / "a.xlsx", year=2023)
    agencies = [{"name": "Sở Tài chính", "code": "STC", "level": SO},
                {"name": "UBND huyện Hương Khê", "code": "HK", "level": HUYEN},
                {"name": "Sở Y tế", "code": "SYT", "level": "Cấp tỉnh"},      # B7/D7: level not in the list
                {"name": "Sở Tài chính", "code": "STC2", "level": SO}]      # B8: listed twice
    deductions = [
        {"agency": "Sở Tài chính", "code": "1.1", "score": 0, "reason": "Đúng"},           # row 5: fine
        {"agency": "Sở Xây dựng", "code": "1.1", "score": 0},                               # row 6: unknown agency
        {"agency": "Sở Tài chính", "code": "9.9.9", "score": 0},                            # row 7: unknown code
        {"agency": "Sở Tài chính", "code": "1.6", "score": 2.5},                            # row 8: 2,5 > 1,5
        {"agency": "Sở Tài chính", "code": "2.1.5", "max_score": 1, "score": -0.5},         # row 9: negative
        {"agency": "Sở Tài chính", "code": "2.3.1"},                                        # row 10: no score
        {"agency": "Sở Tài chính", "code": "1.1", "score": 0.5},                            # row 11: duplicate
        {"agency": "UBND huyện Hương Khê", "code": "7a.1.1", "max_score": 1, "score": 0},   # row 12: not a huyện code
        {"agency": "UBND huyện Hương Khê", "code": "1.2", "score": 1},                      # row 13: no maximum anywhere
        {"agency": "Sở Tài chính", "code": "3", "max_score": 14, "score": 13.309},         # row 14: an area code
        {"code": "1.1", "score": 1},                                                        # row 15: no agency
        {"agency": "Sở Tài chính", "score": 1},                                             # row 16: no code
        {"agency": "Sở Tài chính", "code": "5.4", "score": "một điểm"},                     # row 17: not a number
        {"agency": "Sở Tài chính", "code": "1.5.1", "max_score": 5, "score": 2.5},          # row 18: 2,5 > 1,5 of the set (5 typed)
    ]
    areas = [{"agency": "Sở Tài chính", "code": "1", "score": 11},                          # row 5: 11 > 10
             {"agency": "Sở Tài chính", "code": "1", "score": 6.981},                       # row 6: duplicate
             {"agency": "Sở Tài chính", "code": "1.1", "score": 1}]                         # row 7: not an area
    fill_appraisal(path, agencies, areas, deductions)
    found, exc = _errors(path, tmp_path / "out")
    D, A, R = "Điểm bị trừ", "Điểm lĩnh vực", "Cơ quan"
    assert found == {
        ("invalid_value", R, "D7"), ("duplicate_agency", R, "B8"),
        ("unknown_agency", D, "B6"), ("unknown_code", D, "D7"), ("out_of_range", D, "G8"),
        ("out_of_range", D, "G9"), ("required", D, "G10"), ("duplicate_deduction", D, "D11"),
        ("unknown_code", D, "D12"), ("required", D, "F13"), ("unknown_code", D, "D14"),
        ("required", D, "B15"), ("required", D, "D16"), ("invalid_type", D, "G17"),
        ("out_of_range", D, "G18"),
        ("out_of_range", A, "G5"), ("duplicate_area", A, "D6"), ("unknown_code", A, "D7"),
    }
    assert all(i.severity == "error" for i in exc.issues)
    msgs = {(i.sheet, i.cell): i.message for i in exc.issues}
    assert msgs[(D, "B6")].startswith("Cơ quan “Sở Xây dựng” không có trong danh sách ở trang “Cơ quan”")
    assert msgs[(D, "G8")] == "Điểm đạt 2,5 lớn hơn điểm tối đa 1,5 của tiêu chí 1.6 (Sở Tài chính)"
    assert msgs[(D, "G18")] == "Điểm đạt 2,5 lớn hơn điểm tối đa 1,5 của tiêu chí 1.5.1 (Sở Tài chính)"
    assert "cấp UBND cấp huyện" in msgs[(D, "D12")]
    assert "là mã lĩnh vực" in msgs[(D, "D14")]
    assert msgs[(D, "D11")] == "Tiêu chí 1.1 của Sở Tài chính đã được liệt kê ở ô D5"
    assert "sổ thẩm định còn" in str(exc) and "a.xlsx" in str(exc)


def test_area_scores_that_disagree_with_the_listed_deductions_are_reported_at_their_cells(tmp_path):
    """The agency cannot change announced scores: a mismatch is reported on the appraisal's cell,
    and the scores are kept as announced (DOMAIN.md)."""
    path = write_appraisal_template(tmp_path / "a.xlsx", year=2023)
    agencies = [{"name": "Sở Tài chính", "code": "STC", "level": SO}]
    # area 1 announced 9 of 10 (1 point lost), but the listed 1.1 and 1.6 lose 1 + 1,5
    deductions = [{"agency": "Sở Tài chính", "code": "1.1", "score": 0, "reason": "Chậm"},
                  {"agency": "Sở Tài chính", "code": "1.6", "score": 0, "reason": "Thiếu"}]
    areas = [{"agency": "Sở Tài chính", "code": "1", "score": 9}]
    fill_appraisal(path, agencies, areas, deductions)
    written = distribute(path, tmp_path / "out")
    assert [(i.code, i.severity, i.sheet, i.cell) for i in written.warnings] == \
        [("area_total_mismatch", "warning", "Điểm lĩnh vực", "G5")]
    assert written.warnings[0].message.startswith("Sở Tài chính: Lĩnh vực 1:")
    report = validate_file(written[0]).result.report
    assert [(a["code"], a["score"]) for a in report["areas"]] == [("1", 9)]


def test_missing_year_is_an_error(tmp_path):
    path = write_appraisal_template(tmp_path / "a.xlsx")
    fill_appraisal(path, [{"name": "Sở Tài chính", "level": SO}], year=None,
                   deductions=[{"agency": "Sở Tài chính", "code": "1.1", "score": 1},
                               {"agency": "Sở Xây dựng", "code": "1.1", "score": 1}])
    found, _ = _errors(path, tmp_path / "out")
    assert found == {("required", "Thông tin", "B5"), ("unknown_agency", "Điểm bị trừ", "B6")}


def test_cli_exit_codes(tmp_path, appraisal, capsys):
    from cchc_xl.cli import main

    path, *_ = appraisal
    assert main(["distribute", str(path), "-o", str(tmp_path / "ok")]) == 0
    bad = tmp_path / "bad.xlsx"
    write_appraisal_template(bad, year=2023)
    fill_appraisal(bad, [{"name": "Sở Tài chính", "level": SO}],
                   deductions=[{"agency": "Sở Tài chính", "code": "1.1", "score": 9}])
    capsys.readouterr()
    assert main(["distribute", str(bad), "-o", str(tmp_path / "bad_out")]) == 1
    err = capsys.readouterr().err
    assert "Điểm bị trừ!G5" in err and "lớn hơn điểm tối đa" in err
    assert main(["distribute", str(tmp_path / "khong_co.xlsx"), "-o", str(tmp_path / "x")]) == 2


def test_not_an_appraisal_workbook(tmp_path, make_workbook, stc):
    agency = make_workbook(stc)
    with pytest.raises(DistributeError, match="biểu mẫu báo cáo của một cơ quan") as exc:
        distribute(agency, tmp_path / "out")
    assert exc.value.issues == []
    text = tmp_path / "note.xlsx"
    text.write_text("không phải bảng tính", encoding="utf-8")
    with pytest.raises(DistributeError, match="note.xlsx") as exc:
        distribute(text, tmp_path / "out")
    assert exc.value.issues == []
    from openpyxl import Workbook

    other = tmp_path / "other.xlsx"
    Workbook().save(other)
    with pytest.raises(DistributeError, match="không phải sổ thẩm định"):
        distribute(other, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("version", ["1e999", "abc", "nan"])
def test_broken_template_version_is_reported_not_a_traceback(tmp_path, appraisal, version):
    """A ``_meta`` version that is no finite number ("1e999" overflows int) says the identity
    sheet is broken, as the agency workbook reader does."""
    path, *_ = appraisal
    wb = load_workbook(path)
    meta = wb[decl()["meta_sheet"]]
    row = next(r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == "template_version")
    meta.cell(row, 2).value = version
    wb.save(path)
    with pytest.raises(DistributeError, match="trang nhận diện của sổ thẩm định bị hỏng"):
        distribute(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_former_names_on_separate_lines_of_one_cell_are_separate_names(tmp_path, appraisal):
    """Alt+Enter between two former names in the registry sheet's cell is a separator, like ";"."""
    path, *_ = appraisal
    wb = load_workbook(path)
    ws = wb[decl()["sheets"]["registry"]["title"]]
    ws[f"{_letters('registry')['former_names']}{_first_row('registry')}"] = "Sở Kế hoạch và Đầu tư\nSở KH&ĐT; Sở Tài chính cũ"
    wb.save(path)
    stc = next(a for a in read_appraisal(path).agencies if a.name == "Sở Tài chính")
    assert stc.former_names == ("Sở Kế hoạch và Đầu tư", "Sở KH&ĐT", "Sở Tài chính cũ")


def test_unknown_agency_of_an_exemption_names_the_registry_sheet_the_schema_declares(monkeypatch):
    """The exemptions sheet points at the registry sheet by the title in ``schemas/appraisal.json``,
    as the score sheets do, not by a title of its own."""
    from types import SimpleNamespace

    from cchc_xl.read.appraisal import check_exemptions

    monkeypatch.setitem(decl()["sheets"]["registry"], "title", "Danh sách cơ quan")
    row = {"agency": "Sở Không Có", "code": "3.1", "note": None, "sheet": "Không áp dụng",
           "cells": {"agency": "A5", "code": "B5", "note": "C5"}}
    ap = SimpleNamespace(areas=[], deductions=[], exemptions=[row], issues=[], year=2023)
    check_exemptions(ap, {}, None)
    (issue,) = ap.issues
    assert issue.code == "unknown_agency" and issue.cell == "A5"
    assert "Danh sách cơ quan" in issue.message and "Sở Không Có" in issue.message


def test_renamed_sheet_is_reported(tmp_path, appraisal):
    path, *_ = appraisal
    wb = load_workbook(path)
    wb["Điểm bị trừ"].title = "Tiêu chí trừ điểm"
    wb.save(path)
    with pytest.raises(DistributeError, match="thiếu trang “Điểm bị trừ”"):
        distribute(path, tmp_path / "out")


def test_module_is_importable_without_side_effects():
    mod = importlib.import_module("cchc_xl.cycle.appraisal")
    assert callable(mod.write_appraisal_template)
    assert callable(importlib.import_module("cchc_xl.cycle.distribute").distribute)
