"""The agency workbook: layout from schemas/, native help, round trip, live checks in LibreOffice."""

from __future__ import annotations

import copy
import difflib
import json
import unicodedata
from pathlib import Path

import pytest
from conftest import example_paths
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from cchc_xl import spec
from cchc_xl.cli import main
from cchc_xl.normalize import fold
from cchc_xl.read.agency import read_file

SEED_004_III = Path(__file__).parent / "data" / "seed_004_phu_luc_iii.tsv"  # transcribed from seed 004


def find_row(ws, col: str, value) -> int:
    for r in range(1, ws.max_row + 1):
        if ws[f"{col}{r}"].value == value:
            return r
    raise AssertionError(f"{value!r} not found in column {col} of {ws.title}")


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_export_of_prefilled_template_gives_back_the_document(path, tmp_path):
    out = tmp_path / "wb.xlsx"
    assert main(["template", "--data", str(path), "-o", str(out)]) == 0
    js = tmp_path / "back.json"
    assert main(["export", str(out), "-o", str(js)]) == 0
    assert json.loads(js.read_text(encoding="utf-8")) == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("level", ["so", "huyen", "xa"])
def test_blank_template_of_each_level_is_recognised_and_has_every_sheet(level, tmp_path):
    out = tmp_path / f"{level}.xlsx"
    assert main(["template", "-o", str(out), "--level", level, "--year", "2025", "--period", "nam"]) == 0
    wb = load_workbook(out)
    titles = {s["title"] for k, s in spec.sheets()["sheets"].items() if k != "results"}
    assert titles <= set(wb.sheetnames)
    assert wb["_meta"].sheet_state == "veryHidden"
    meta = {r[0].value: r[1].value for r in wb["_meta"].iter_rows()}
    assert meta["template_id"] == "cchc-xl/agency" and meta["level"] == level
    res = read_file(out)
    assert res.report["agency"]["level"] == level
    assert res.report["period"] == {"year": 2025, "kind": "nam"}
    assert res.report["appraisal_year"] == 2024


def test_indicator_sheet_lists_every_catalog_row_in_order_with_unique_codes(make_workbook):
    wb = load_workbook(make_workbook(None, level="so", year=2024, kind="6_thang"))
    ws = wb["Thống kê"]
    codes = [ws[f"A{r}"].value for r in range(5, ws.max_row + 1) if ws[f"A{r}"].value]
    cat = spec.catalog("so", 2023)
    assert codes == [r["code"] for r in cat.indicators["rows"]]
    assert len(codes) == len(set(codes))


def test_indicator_catalog_follows_seed_004_wording_and_order():
    rows = [ln.split("\t") for ln in SEED_004_III.read_text(encoding="utf-8").splitlines()
            if ln and not ln.startswith("#")]
    assert len(rows) == 133
    names = [fold(name.rstrip(".: ")) for _, name in rows]
    catalog = [fold(r["name"]) for r in spec.catalog("so", 2023).indicators["rows"]]
    matcher = difflib.SequenceMatcher(a=names, b=catalog, autojunk=False)
    matched = sum(b.size for b in matcher.get_matching_blocks())
    # every seed row appears, in order; the catalog may only reword a few (typos, hints moved out)
    assert len(catalog) >= len(names) - 2
    assert matched >= 0.85 * len(names)


def _named_range_values(wb, name: str) -> list:
    dn = wb.defined_names[name]
    (sheet, ref), = list(dn.destinations)
    return [c.value for row in wb[sheet][ref.replace("$", "")] for c in row if c.value is not None]


def test_choice_rows_offer_their_labelled_choices(make_workbook):
    path = make_workbook(None, level="so", year=2024, kind="6_thang")
    wb = load_workbook(path)
    ws = wb["Thống kê"]
    cat = spec.catalog("so", 2023)
    choice_rows = [r for r in cat.indicators["rows"] if r.get("kind") == "choice"]
    assert choice_rows
    for row in choice_rows:
        r = find_row(ws, "A", row["code"])
        dvs = [dv for dv in ws.data_validations.dataValidation if f"D{r}" in str(dv.sqref).split()]
        assert len(dvs) == 1 and dvs[0].type == "list"
        assert _named_range_values(wb, dvs[0].formula1) == [c["label"] for c in row["choices"]]


def test_choice_value_is_written_as_its_label_and_read_back_as_its_code(stc, make_workbook):
    path = make_workbook(stc)
    ws = load_workbook(path)["Thống kê"]
    r = find_row(ws, "A", "1.5")
    assert ws[f"D{r}"].value == "Không"
    assert read_file(path).report["indicators"]["1.5"]["value"] == 0


def test_text_that_looks_like_a_formula_stays_text(stc, make_workbook):
    doc = copy.deepcopy(stc)
    doc["remediation"][0]["issue"] = '=HYPERLINK("http://x","bấm")'
    doc["remediation"][0]["progress"] = "+84 912 345 678"
    doc["remediation"][1]["solution"] = "@SUM(A1)"
    path = make_workbook(doc)
    ws = load_workbook(path)["Khắc phục"]
    assert ws["C5"].data_type == "s" and ws["C5"].value.startswith("=HYPERLINK")
    back = read_file(path).report
    assert back["remediation"][0]["issue"] == doc["remediation"][0]["issue"]
    assert back["remediation"][0]["progress"] == "+84 912 345 678"
    assert back["remediation"][1]["solution"] == "@SUM(A1)"


def test_inputs_are_unlocked_and_catalog_cells_protected(make_workbook):
    wb = load_workbook(make_workbook(None, level="so", year=2024, kind="6_thang"))
    ws = wb["Thống kê"]
    r = find_row(ws, "A", "1.1.1")
    assert ws.protection.sheet
    assert ws[f"B{r}"].protection.locked and ws[f"C{r}"].protection.locked
    assert not ws[f"D{r}"].protection.locked and not ws[f"E{r}"].protection.locked
    rem = wb["Khắc phục"]
    # a row typed anywhere below takes its column's style: unlocked, wrapped, the table's font
    assert rem.protection.sheet and not rem.column_dimensions["C"].protection.locked
    assert rem.column_dimensions["C"].alignment.wrap_text and rem.column_dimensions["C"].font.name == "Times New Roman"
    assert rem.print_title_rows.replace("$", "") == "4:4"
    assert rem.page_setup.orientation == "landscape" and rem.page_setup.fitToWidth == 1


def test_rows_added_below_the_prepared_area_are_read(stc, make_workbook):
    path = make_workbook(stc)
    wb = load_workbook(path)
    ws = wb["Khắc phục"]
    far = ws.max_row + 20
    ws[f"B{far}"] = "2.1.5"
    ws[f"C{far}"] = "Tồn tại thêm ở cuối bảng"
    ws[f"F{far}"] = "Đang thực hiện"
    wb.save(path)
    rem = read_file(path).report["remediation"]
    assert rem[-1]["issue"] == "Tồn tại thêm ở cuối bảng" and rem[-1]["status"] == "dang_thuc_hien"
    assert len(rem) == len(stc["remediation"]) + 1


def test_export_of_a_workbook_that_is_not_ours_exits_2_naming_the_file(tmp_path, capsys):
    from openpyxl import Workbook

    other = tmp_path / "bang_tinh_khac.xlsx"
    Workbook().save(other)
    assert main(["export", str(other)]) == 2
    err = capsys.readouterr().err
    assert "bang_tinh_khac.xlsx" in err and "không phải biểu mẫu" in err and "Traceback" not in err


def test_template_refuses_a_malformed_report_document(tmp_path, capsys):
    bad = tmp_path / "bao_cao.json"
    bad.write_text(json.dumps({"schema_version": "1", "agency": {"name": "Sở A"}}), encoding="utf-8")
    assert main(["template", "--data", str(bad), "-o", str(tmp_path / "x.xlsx")]) == 2
    assert "bao_cao.json" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_a_province_catalog_folder_replaces_the_builtin_one(tmp_path, make_workbook):
    mine = tmp_path / "tinh" / "so"
    mine.mkdir(parents=True)
    ind = spec.catalog_file("so", "indicators")
    ind["rows"].append({"code": "9", "name": "Chỉ tiêu riêng của tỉnh", "unit": "Cuộc", "kind": "count"})
    (mine / "indicators.json").write_text(json.dumps(ind, ensure_ascii=False), encoding="utf-8")
    try:
        spec.set_catalog_dirs([tmp_path / "tinh"])
        wb = load_workbook(make_workbook(None, level="so", year=2024, kind="nam"))
        assert find_row(wb["Thống kê"], "A", "9")
    finally:
        spec.set_catalog_dirs([])


def test_a_malformed_province_catalog_is_refused_with_a_clear_message(tmp_path, capsys):
    mine = tmp_path / "tinh" / "so"
    mine.mkdir(parents=True)
    (mine / "indicators.json").write_text(json.dumps({"kind": "indicators", "level": "so", "rows": [
        {"code": "1.1", "name": "Chỉ tiêu", "kind": "choice"}]}), encoding="utf-8")
    try:
        rc = main(["--catalog", str(tmp_path / "tinh"), "template", "-o", str(tmp_path / "x.xlsx")])
    finally:
        spec.set_catalog_dirs([])
    assert rc == 2
    err = capsys.readouterr().err
    assert "indicators.json" in err and "không hợp lệ" in err


def _status_after_recalc(path: Path, soffice) -> str:
    out = soffice(path, "xlsx")
    grid = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Tình trạng").to_python()
    return grid[2][1]


def test_libreoffice_recalculates_the_status_cell(stc, make_workbook, soffice):
    good = make_workbook(stc, name="hop_le.xlsx")
    assert _status_after_recalc(good, soffice) == "Hợp lệ"

    wb = load_workbook(good)
    ws = wb["Điểm bị trừ"]
    r = find_row(ws, "B", "1.1")  # areas are coded 1 … 7b, so this is the deducted criterion
    ws[f"E{r}"] = 2.5  # above its maximum 1,5
    ts = wb["Thống kê"]
    ts[f"D{find_row(ts, 'A', '1.1.2')}"] = 50  # completed tasks above the 38 planned
    bad = good.with_name("sai.xlsx")
    wb.save(bad)
    status = _status_after_recalc(bad, soffice)
    assert status == "Còn 2 lỗi", status


def test_libreoffice_prints_every_sheet_on_a4_landscape(stc, make_workbook, soffice):
    pypdf = pytest.importorskip("pypdf")
    pdf = soffice(make_workbook(stc), "pdf")
    reader = pypdf.PdfReader(str(pdf))
    assert len(reader.pages) > 5
    guide, *tables = reader.pages  # the guide: one A4 portrait page; the tables: A4 landscape
    w, h = float(guide.mediabox.width), float(guide.mediabox.height)
    assert abs(w - 595.3) < 2 and abs(h - 841.9) < 2, (w, h)
    assert "HƯỚNG DẪN" in unicodedata.normalize("NFC", guide.extract_text()) and "In báo cáo" in \
        unicodedata.normalize("NFC", guide.extract_text())
    for page in tables:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - 841.9) < 2 and abs(h - 595.3) < 2, (w, h)
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    assert "###" not in text
    assert unicodedata.normalize("NFC", "Tình trạng") in unicodedata.normalize("NFC", text) or "Kết quả kiểm tra" in text


@pytest.mark.parametrize("fmt", ["ods", "xls:MS Excel 97"], ids=["ods", "xls"])
def test_a_workbook_saved_as_ods_or_xls_is_read_the_same(fmt, stc, make_workbook, soffice):
    converted = soffice(make_workbook(stc), fmt)
    assert read_file(converted).report == stc


def test_no_catalog_file_repeats_another_levels_word_for_word():
    """Indicators, propaganda and rules are declared once; the levels differ only by overrides."""
    import itertools

    root = spec.schemas_dir() / "catalogs"
    texts = {p: p.read_text(encoding="utf-8") for p in root.glob("*/*.json")}
    for a, b in itertools.combinations(texts, 2):
        if a.name == b.name:
            strip = lambda t, lv: t.replace(f'"level": "{lv}"', "")  # noqa: E731
            assert strip(texts[a], a.parent.name) != strip(texts[b], b.parent.name), (a, b)
    for level in ("so", "huyen", "xa"):  # every level still has its full lists
        cat = spec.catalog(level)
        assert cat.indicators["level"] == level and len(cat.indicators["rows"]) > 50
        assert cat.rules["rules"] and cat.propaganda["rows"]


def test_template_refuses_rows_past_the_read_area_naming_the_file(stc, tmp_path, capsys):
    """More remediation rows than the reader reads back (20,000 rows of the sheet) are refused,
    before the schema check walks the document, and nothing is written."""
    from cchc_xl.files.area import MAX_ROWS

    doc = copy.deepcopy(stc)
    doc["remediation"] = [dict(stc["remediation"][0], issue=f"Tồn tại {i}") for i in range(MAX_ROWS)]
    src = tmp_path / "bao_cao_lon.json"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "x.xlsx"
    assert main(["template", "--data", str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bao_cao_lon.json" in err and "Khắc phục" in err and "20.000" in err and "Traceback" not in err
    assert not out.exists()


def test_template_refuses_a_text_longer_than_a_cell_holds(stc, tmp_path, capsys):
    doc = copy.deepcopy(stc)
    doc["remediation"][2]["solution"] = "Giải pháp " * 4000  # 40,000 characters: over Excel's 32,767
    src = tmp_path / "bao_cao.json"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert main(["template", "--data", str(src), "-o", str(tmp_path / "x.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "bao_cao.json" in err and "remediation[2].solution" in err and "32.767" in err
    assert not (tmp_path / "x.xlsx").exists()
