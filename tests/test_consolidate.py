"""Tổng hợp: every file gets one status, nothing is lost or doubled, nothing agency-typed runs."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import os
import random
import re
import unicodedata
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import EXAMPLES, assert_rows_in_order, load_example
from openpyxl import Workbook, load_workbook

from cchc_xl import spec
from cchc_xl.appendix.tables import sheet_tables
from cchc_xl.cli import main
from cchc_xl.consolidate import ConsolidationError, consolidate
from cchc_xl.cycle.consolidation import ProgressBar, run_consolidation
from cchc_xl.demo import sample_report
from cchc_xl.read.agency import read_file
from cchc_xl.workbook.template import write_template

PERIOD = {"year": 2024, "kind": "6_thang"}
INJECTED = ['=HYPERLINK("http://vi-du.invalid","Bấm vào đây")', "+1", "@SUM(A1)", "-2+3", "=1+1"]
MARKUP = "Tỷ lệ <b>đúng hạn</b> < 50% & chưa đạt; “trích dẫn” 'đơn'"
REGISTRY = EXAMPLES / "registry.csv"
GENERATED = [("Sở Tư pháp", "STP", 1), ("Sở Y tế", "SYT", 2), ("Sở Xây dựng", "SXD", 3), ("Sở Công Thương", "SCT", 4),
             ("Sở Giáo dục và Đào tạo", "SGDĐT", 5)]


def _generated(name, code, seed, **kw) -> dict:
    return sample_report(name, code, "so", 2024, "6_thang", random.Random(seed), **kw)


def _injected(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    rem = doc["remediation"]
    rem[0]["issue"], rem[0]["solution"], rem[0]["progress"] = INJECTED[0], INJECTED[1], INJECTED[2]
    rem[1]["note"] = INJECTED[4]
    rem[3]["progress"] = MARKUP
    doc["deductions"][0]["reason"] = INJECTED[3]
    doc["indicators"]["7.1.1"] = {"value": INJECTED[0], "note": INJECTED[2]}
    return doc


def _write(path: Path, doc: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_template(path, report=doc)
    return path


def _not_ours(path: Path) -> Path:
    wb = Workbook()
    wb.active["A1"] = "Bảng lương tháng 6"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    """A folder as the Home Affairs department receives it: good, duplicate, stale and bad files."""
    root = tmp_path_factory.mktemp("nop")
    _write(root / "so_tai_chinh.xlsx", load_example("so_tai_chinh_2024_6thang"))
    _write(root / "so_ngoai_vu.xlsx", load_example("so_ngoai_vu_ha_tinh_2024_6thang"))
    _write(root / "huyen" / "huong_khe.xlsx", load_example("ubnd_huyen_huong_khe_2023_9thang"))
    for i, (name, code, seed) in enumerate(GENERATED):
        doc = _generated(name, code, seed)
        if i == 0:
            doc = _injected(doc)
            doc["remediation"][2]["status"] = "dang_thuc_hien"
            doc["remediation"][2]["carried_from"] = {"year": 2023, "kind": "nam"}
        if i == 1:  # the name as typed on another computer: decomposed Unicode, capitals
            doc["agency"]["name"] = unicodedata.normalize("NFD", "SỞ  Y TẾ")
        _write(root / "so" / f"{code.lower()}.xlsx", doc)
    # an earlier draft of Sở Xây dựng, in another folder: the later report date wins
    old = _generated("Sở Xây dựng", "SXD", 99)
    old["report"]["date"] = "2024-06-01"
    _write(root / "ban_cu" / "sxd_ban_nhap.xlsx", old)
    # an agency the registry does not know
    _write(root / "so" / "ngoai_danh_sach.xlsx", _generated("Trung tâm Phục vụ hành chính công tỉnh", "TTPVHCC", 7))
    # bad files
    (root / "hong.xlsx").write_bytes(bytes(random.Random(1).getrandbits(8) for _ in range(2048)))
    (root / "ghi_chu.txt").write_text("Danh sách các tệp đã nhận.\n", encoding="utf-8")
    (root / "~$so_tai_chinh.xlsx").write_bytes(b"\x00" * 165)
    (root / ".an.xlsx").write_bytes(b"PK\x03\x04")
    _not_ours(root / "bang_luong.xlsx")
    return root


@pytest.fixture(scope="module")
def result(inbox, tmp_path_factory):
    out = tmp_path_factory.mktemp("ra") / "tong_hop.xlsx"
    lines = []
    summary = run_consolidation(inbox, out, registry=REGISTRY, json_out=out.with_suffix(".json"), jobs=2,
                                echo=lines.append)
    return {"summary": summary, "out": out, "lines": lines, "json": out.with_suffix(".json")}


def _files(summary) -> dict:
    return {f["file"]: f for f in summary["files"]}


def _all_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def _accepted_reports(inbox: Path, summary) -> list[dict]:
    """The accepted files read again, independently of the consolidation."""
    return [read_file(inbox / f["file"]).report for f in summary["files"] if f["status"] == "accepted"]


# ---- every file once, with the right status and reason ------------------------------------

def test_every_file_found_is_listed_exactly_once(inbox, result):
    names = [f["file"] for f in result["summary"]["files"]]
    assert len(names) == len(set(names))
    assert set(names) == _all_files(inbox)


def test_each_file_gets_the_right_status_and_reason(result):
    files = _files(result["summary"])
    expect = {
        "hong.xlsx": ("rejected", "không phải tệp bảng tính"),
        "bang_luong.xlsx": ("rejected", "biểu mẫu"),
        "ghi_chu.txt": ("skipped", "không phải bảng tính"),
        "~$so_tai_chinh.xlsx": ("skipped", "khóa"),
        ".an.xlsx": ("skipped", "ẩn"),
        "huyen/huong_khe.xlsx": ("rejected", "9 tháng đầu năm 2023"),
        "ban_cu/sxd_ban_nhap.xlsx": ("duplicate", "so/sxd.xlsx"),
    }
    for name, (status, words) in expect.items():
        assert files[name]["status"] == status, name
        assert words in files[name]["reason"], (name, files[name]["reason"])
    accepted = {n for n, f in files.items() if f["status"] == "accepted"}
    assert accepted == {"so_tai_chinh.xlsx", "so_ngoai_vu.xlsx", "so/ngoai_danh_sach.xlsx",
                        *(f"so/{code.lower()}.xlsx" for _, code, _ in GENERATED)}
    for f in files.values():
        assert (f["reason"] is None) == (f["status"] == "accepted"), f
    assert "6 tháng đầu năm 2024" in files["huyen/huong_khe.xlsx"]["reason"]


def test_registry_match_ignores_case_spacing_diacritics_and_unicode_form(result):
    files = _files(result["summary"])
    assert files["so/syt.xlsx"]["agency"] == "Sở Y tế"
    assert files["so/syt.xlsx"]["in_registry"] is True
    assert files["so/ngoai_danh_sach.xlsx"]["in_registry"] is False
    assert result["summary"]["unregistered_agencies"] == ["Trung tâm Phục vụ hành chính công tỉnh"]


def test_missing_agencies_are_the_registry_rows_without_an_accepted_file(result):
    import csv

    with open(REGISTRY, encoding="utf-8-sig") as fh:
        registry = [row["ten"] for row in csv.DictReader(fh)]
    got = {f["agency"] for f in result["summary"]["files"] if f["status"] == "accepted"}
    assert result["summary"]["missing_agencies"] == [n for n in registry if n not in got]
    # the registry is of today (after 2025): communes and wards, no district; none of them reported here
    assert {"UBND xã Hương Khê", "UBND phường Thành Sen"} <= set(result["summary"]["missing_agencies"])
    assert "UBND huyện Hương Khê" not in registry  # the district's 2023 report is history (ten_cu of the commune)


def test_period_is_the_most_common_and_can_be_chosen(inbox, tmp_path):
    assert consolidate(inbox).period == PERIOD
    c = consolidate(inbox, year=2023, kind="9_thang", jobs=1)
    status = {f.file: f.status for f in c.files}
    assert status["huyen/huong_khe.xlsx"] == "accepted"
    assert status["so_tai_chinh.xlsx"] == "rejected"


def test_strict_rejects_files_with_errors(inbox):
    loose = consolidate(inbox, jobs=1)
    strict = consolidate(inbox, strict=True, jobs=1)
    for a, b in zip(loose.files, strict.files):
        if a.status == "accepted" and a.errors:
            assert b.status == "rejected" and "--strict" in b.reason
        elif a.status == "accepted":
            assert b.status == "accepted"


def test_duplicate_with_the_same_report_date_keeps_the_later_modified_file(tmp_path):
    doc = _generated("Sở Tư pháp", "STP", 1)
    a = _write(tmp_path / "a.xlsx", doc)
    b = _write(tmp_path / "b.xlsx", doc)
    os.utime(a, (2_000_000_000, 2_000_000_000))
    os.utime(b, (1_900_000_000, 1_900_000_000))
    c = consolidate(tmp_path, jobs=1)
    status = {f.file: (f.status, f.reason) for f in c.files}
    assert status["a.xlsx"][0] == "accepted"
    assert status["b.xlsx"][0] == "duplicate"
    assert "a.xlsx" in status["b.xlsx"][1] and "sửa đổi sau" in status["b.xlsx"][1]


def test_hidden_folders_are_listed_not_entered(tmp_path):
    _write(tmp_path / "so_tu_phap.xlsx", _generated("Sở Tư pháp", "STP", 1))
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    files = {f.file: f for f in consolidate(tmp_path, jobs=1).files}
    assert files[".git/"].status == "skipped" and "ẩn" in files[".git/"].reason
    assert ".git/config" not in files


def test_output_file_inside_the_input_folder_is_skipped_on_the_next_run(tmp_path):
    _write(tmp_path / "so_tu_phap.xlsx", _generated("Sở Tư pháp", "STP", 1))
    out = tmp_path / "tong_hop.xlsx"
    run_consolidation(tmp_path, out, echo=lambda s: None, jobs=1)
    again = run_consolidation(tmp_path, out, echo=lambda s: None, jobs=1)
    files = _files(again)
    assert files["tong_hop.xlsx"]["status"] == "skipped"
    assert files["so_tu_phap.xlsx"]["status"] == "accepted"


# ---- nothing lost, nothing doubled ---------------------------------------------------------

def test_counts_equal_the_sums_over_accepted_files(inbox, result):
    summary = result["summary"]
    reports = _accepted_reports(inbox, summary)
    counts = summary["counts"]
    assert counts["deductions"] == sum(len(r["deductions"]) for r in reports)
    assert counts["remediation"] == sum(len(r["remediation"]) for r in reports)
    assert counts["indicator_values"] == sum(1 for r in reports for v in r["indicators"].values()
                                             if v["value"] is not None)
    assert counts["propaganda_values"] == sum(1 for r in reports for v in r["propaganda"].values()
                                              if v["value"] is not None)
    assert sum(summary["remediation_by_status"].values()) == counts["remediation"]


def _data_rows(ws, first_title: str = "TT") -> list[tuple]:
    header = next(r for r in range(1, 15) if ws.cell(row=r, column=1).value == first_title)
    return [row for row in ws.iter_rows(min_row=header + 1, values_only=True) if any(v is not None for v in row)]


def test_rows_written_to_the_workbook_match_the_counts(result):
    wb = load_workbook(result["out"])
    counts = result["summary"]["counts"]
    assert len(_data_rows(wb["Danh sách tồn tại"])) == counts["remediation"]
    assert len(_data_rows(wb["Điểm bị trừ chi tiết"])) == counts["deductions"]
    matrix = wb["Chỉ tiêu theo cơ quan"]
    header = next(r for r in range(1, 15) if matrix.cell(row=r, column=1).value == "Mã")
    values = sum(1 for row in matrix.iter_rows(min_row=header + 1, min_col=5, values_only=True)
                 for v in row if v is not None)
    assert values == counts["indicator_values"]
    status = _data_rows(wb["Tình hình nộp"])
    files = [r[4] for r in status if r[4]]
    assert sorted(files) == sorted(f["file"] for f in result["summary"]["files"])


def test_totals_equal_an_independent_pandas_computation(inbox, result):
    summary = result["summary"]
    rows = []
    for rep in _accepted_reports(inbox, summary):
        cat = spec.catalog(rep["agency"]["level"], rep["appraisal_year"])
        for code, v in rep["indicators"].items():
            row = cat.indicator_by_code.get(code, {})
            rows.append({"agency": rep["agency"]["name"], "code": code, "kind": row.get("kind"), "value": v["value"]})
    df = pd.DataFrame(rows)
    counted = df[df["kind"].isin(["count", "number"]) & df["value"].map(lambda x: isinstance(x, (int, float)))]
    expected = counted.groupby("code")["value"].sum()
    assert set(summary["indicator_totals"]) == set(expected.index)
    for code, total in expected.items():
        assert summary["indicator_totals"][code] == pytest.approx(total), code
    rem = pd.DataFrame([it for rep in _accepted_reports(inbox, summary) for it in rep["remediation"]])
    by_status = rem["status"].value_counts().to_dict()
    assert {k: v for k, v in summary["remediation_by_status"].items() if v} == by_status


def test_percentages_are_not_added_but_summarised(inbox, result):
    c = consolidate(inbox, registry=REGISTRY, jobs=1)
    table = next(t for t in sheet_tables(c) if t.key == "indicators")
    cat = spec.catalog("so", 2023)
    pct = next(r["code"] for r in cat.indicators["rows"] if r.get("kind") == "percent")
    values = [rep["indicators"][pct]["value"] for rep in c.reports if pct in rep["indicators"]
              and isinstance(rep["indicators"][pct]["value"], (int, float))]
    row = next(r for r in table.rows if r[0] == pct)
    col = {t: i for i, t in enumerate(table.header)}
    assert row[col["Tổng toàn tỉnh"]] is None
    assert row[col["Thấp nhất"]] == pytest.approx(min(values))
    assert row[col["Cao nhất"]] == pytest.approx(max(values))
    assert row[col["Trung vị"]] == pytest.approx(pd.Series(values).median())
    choice = next(r for r in cat.indicators["rows"] if r.get("kind") == "choice")
    answers = [rep["indicators"].get(choice["code"], {}).get("value") for rep in c.reports]
    first = choice["choices"][0]
    words = next(r for r in table.rows if r[0] == choice["code"])[col["Tổng hợp"]]
    assert f"{first['label']}: {answers.count(first['value'])}/{len(c.reports)} cơ quan" in words


def test_deductions_are_counted_per_criterion_most_frequent_first(result):
    wb = load_workbook(result["out"])
    rows = _data_rows(wb["Tiêu chí bị trừ điểm"])[:-1]  # without the total row
    counts = [r[4] for r in rows]  # one level only: the "Cấp" column is left out
    assert counts == sorted(counts, reverse=True)
    with zipfile.ZipFile(result["out"]) as zf:
        assert any(n.startswith("xl/charts/chart") for n in zf.namelist())


def test_area_scores_rank_agencies_within_their_level(result):
    wb = load_workbook(result["out"])
    texts = [r[-1] for r in _data_rows(wb["Điểm và xếp hạng"])]
    ranked = [t for t in texts if "xếp vị thứ" in t]
    assert ranked and all(re.search(r"^[\d.,]+/[\d.,]+ điểm \(\d+,\d\d%\), xếp vị thứ \d+/\d+$", t) for t in ranked)
    assert any(t.endswith("xếp vị thứ 1/" + str(len(ranked))) for t in ranked)


def test_progress_sheet_has_seed_wording_totals_and_a_chart(result):
    wb = load_workbook(result["out"])
    rows = _data_rows(wb["Tiến độ khắc phục"])
    total = rows[-1]
    assert total[1] == "Toàn tỉnh"
    summary = result["summary"]
    done = summary["remediation_by_status"]["hoan_thanh"]
    n = summary["counts"]["remediation"]
    assert total[-1].startswith(f"{done}/{n} tồn tại, đạt tỷ lệ ")
    assert total[-2] == summary["remediation_overdue"]
    rates = [r[8] for r in rows[:-1] if r[8] is not None]
    assert rates == sorted(rates, reverse=True)


def test_items_sheet_is_a_filterable_table_marking_carried_items(result):
    wb = load_workbook(result["out"])
    ws = wb["Danh sách tồn tại"]
    assert ws.tables, "an Excel table with filter buttons"
    hr = int(ws.freeze_panes[1:]) - 1
    header = [c.value for c in ws[hr]]
    assert "Chuyển từ kỳ trước" in header and "Quá hạn" in header
    col = header.index("Chuyển từ kỳ trước")
    carried = [r[col] for r in _data_rows(ws) if r[col]]
    assert "năm 2023" in carried


def test_data_problems_list_every_issue_with_file_sheet_and_cell(inbox, result):
    wb = load_workbook(result["out"])
    rows = _data_rows(wb["Lỗi dữ liệu"])
    assert len(rows) == result["summary"]["counts"]["issues"]
    listed = sum(f["errors"] + f["warnings"] for f in result["summary"]["files"])
    assert len(rows) == listed
    assert any(r[1] == "hong.xlsx" and r[4] == "Lỗi" for r in rows)
    assert any(r[5] and r[6] and re.fullmatch(r"[A-Z]+\d+", r[6]) for r in rows)


# ---- nothing injected ----------------------------------------------------------------------

def test_agency_text_never_becomes_a_formula(result):
    wb = load_workbook(result["out"])
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert not any(p.lstrip("=+-@") in str(cell.value) for p in INJECTED), (ws.title, cell.coordinate)
                elif isinstance(cell.value, str) and cell.value in INJECTED:
                    seen.add(cell.value)
                    if not ws.title.startswith("PL "):  # the appendix sheets are cchc_xl.appendix's
                        assert cell.quotePrefix, (ws.title, cell.coordinate)
    assert seen == set(INJECTED)
    items = wb["Danh sách tồn tại"]
    assert any(c.value == MARKUP for row in items.iter_rows() for c in row), "markup characters kept as typed"
    with zipfile.ZipFile(result["out"]) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                xml = zf.read(name).decode("utf-8")
                for f in re.findall(r"<f>(.*?)</f>", xml):
                    assert "HYPERLINK" not in f and "SUM(A1)" not in f


def test_every_sheet_is_well_formed_for_excel(result):
    # rows written by openpyxl and rows spliced in as XML (the tables, the appendix sheets) must
    # not overlap: Excel calls a file with a repeated row damaged, where LibreOffice is silent
    with zipfile.ZipFile(result["out"]) as zf:
        sheets = [n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        assert len(sheets) >= 14
        for name in sheets:
            assert_rows_in_order(zf.read(name).decode("utf-8"), name)


def test_libreoffice_opens_the_consolidated_workbook(result, soffice):
    pdf = soffice(result["out"], "pdf")
    assert pdf.stat().st_size > 10_000
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(pdf).pages[:3])
    assert "TÌNH HÌNH NỘP BÁO CÁO CCHC" in text


# ---- the workbook is print-ready -----------------------------------------------------------

def test_sheets_are_vietnamese_print_ready_times_new_roman(result):
    wb = load_workbook(result["out"])
    mine = ["Tình hình nộp", "Tiến độ khắc phục", "Danh sách tồn tại", "Tiêu chí bị trừ điểm", "Điểm trừ theo cơ quan",
            "Điểm bị trừ chi tiết", "Điểm và xếp hạng", "Chỉ tiêu toàn tỉnh", "Chỉ tiêu theo cơ quan", "Tuyên truyền",
            "Ghi chú số liệu", "Lỗi dữ liệu"]
    assert wb.sheetnames[:len(mine)] == mine
    for name in mine:
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
        assert ws.freeze_panes and ws.print_title_rows
        hr = int(ws.freeze_panes[1:]) - 1
        assert ws.print_title_rows.replace("$", "") == f"{hr}:{hr}"
        fonts = {c.font.name for row in ws.iter_rows(max_row=min(ws.max_row, hr + 20))
                 for c in row if c.value is not None}
        assert fonts == {"Times New Roman"}, (name, fonts)
    assert wb["_meta"].sheet_state == "veryHidden"


def test_long_texts_get_taller_rows(result):
    wb = load_workbook(result["out"])
    ws = wb["Danh sách tồn tại"]
    hr = int(ws.freeze_panes[1:]) - 1
    heights = [ws.row_dimensions[r].height for r in range(hr + 1, hr + 6)]
    assert all(h and h > 15 for h in heights)


def test_sheet_tables_are_plain_rectangular_data(inbox):
    c = consolidate(inbox, registry=REGISTRY, jobs=1)
    for t in sheet_tables(c):
        grid = t.grid()
        assert len({len(r) for r in grid}) == 1, t.name
        assert grid[t.header_row - 1] == t.header
        for row in t.rows:
            for v in row:
                assert v is None or isinstance(v, (str, int, float, dt.date)), (t.name, type(v))


def test_a_folder_without_readable_files_still_gives_a_workbook(tmp_path, capsys):
    (tmp_path / "nop").mkdir()
    (tmp_path / "nop" / "hong.xlsx").write_bytes(b"PK\x03\x04 broken")
    out = tmp_path / "tong_hop.xlsx"
    code = main(["consolidate", str(tmp_path / "nop"), "-o", str(out), "--quiet"])
    assert code == 2 and "không có tệp nào được tổng hợp" in capsys.readouterr().err
    assert load_workbook(out).sheetnames[0] == "Tình hình nộp"  # it says why each file was rejected


def test_exit_code_says_whether_every_file_was_taken_cleanly(tmp_path):
    inbox = tmp_path / "nop"
    _write(inbox / "so_tu_phap.xlsx", _generated("Sở Tư pháp", "STP", 1))
    _write(inbox / "so_y_te.xlsx", _generated("Sở Y tế", "SYT", 2))
    out = tmp_path / "tong_hop.xlsx"
    assert main(["consolidate", str(inbox), "-o", str(out), "--quiet"]) == 0
    (inbox / "hong.xlsx").write_bytes(b"PK\x03\x04 broken")  # one file cannot be used: read, with errors
    assert main(["consolidate", str(inbox), "-o", str(out), "--quiet"]) == 1


def test_output_never_overwrites_a_submission(tmp_path, capsys):
    inbox = tmp_path / "nop"
    _write(inbox / "so_tu_phap.xlsx", _generated("Sở Tư pháp", "STP", 1))
    _write(inbox / "so_y_te.xlsx", _generated("Sở Y tế", "SYT", 2))
    before = (inbox / "so_y_te.xlsx").read_bytes()
    code = main(["consolidate", str(inbox), "-o", str(inbox / "so_y_te.xlsx"), "--quiet"])
    assert code == 2 and "xóa mất bài nộp" in capsys.readouterr().err
    assert (inbox / "so_y_te.xlsx").read_bytes() == before
    assert main(["consolidate", str(inbox), "-o", str(tmp_path / "tong_hop.csv"), "--quiet"]) == 2
    assert not (tmp_path / "tong_hop.csv").exists()


# ---- the command, its messages and its failures ----------------------------------------------

def test_cli_writes_workbook_and_json_and_says_so_in_vietnamese(inbox, tmp_path, capsys):
    out, js = tmp_path / "th.xlsx", tmp_path / "th.json"
    code = main(["consolidate", str(inbox), "-o", str(out), "--registry", str(REGISTRY), "--json", str(js),
                 "--jobs", "1", "--quiet"])
    text = capsys.readouterr().out
    assert code == 1  # written, but some files of the folder could not be used
    assert "Đã ghi sổ tổng hợp" in text and "bản trùng 1" in text and "chưa có:" in text
    summary = json.loads(js.read_text(encoding="utf-8"))
    assert set(summary) >= {"period", "files", "missing_agencies", "counts", "remediation_by_status",
                            "indicator_totals"}
    assert unicodedata.is_normalized("NFC", text)


def test_jobs_do_not_change_the_result(inbox):
    one = consolidate(inbox, registry=REGISTRY, jobs=1).summary()
    two = consolidate(inbox, registry=REGISTRY, jobs=2).summary()
    assert one == two


@pytest.mark.parametrize("content, words", [(None, "không tìm thấy"), ("a,b\n1,2\n", "ten"),
                                            ("ten,ma,cap\nSở Tài chính,STC,khác\n", "cấp")])
def test_unusable_registry_gives_one_vietnamese_line_naming_the_file(inbox, tmp_path, capsys, content, words):
    reg = tmp_path / "danh_sach.csv"
    if content is not None:
        reg.write_text(content, encoding="utf-8")
    with pytest.raises(ConsolidationError) as exc:
        consolidate(inbox, registry=reg, jobs=1)
    assert "danh_sach.csv" in str(exc.value) and words in str(exc.value)
    code = main(["consolidate", str(inbox), "-o", str(tmp_path / "o.xlsx"), "--registry", str(reg), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "danh_sach.csv" in err and "Traceback" not in err


def test_registry_in_excel_with_labels_and_semicolons(inbox, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Tên cơ quan", "Mã", "Cấp"])
    ws.append([1, "Sở Tài chính", "STC", "Sở, ban, ngành cấp tỉnh"])
    ws.append([2, "So Ngoai vu", "SNgV", "sở"])
    wb.save(tmp_path / "ds.xlsx")
    c = consolidate(inbox, registry=tmp_path / "ds.xlsx", jobs=1)
    assert c.missing_agencies == []
    csv_path = tmp_path / "ds.csv"
    csv_path.write_bytes(_cp1258("ten;ma;cap\nSở Tài chính;STC;so\nSở Y tế;SYT;so\n"))
    assert consolidate(inbox, registry=csv_path, jobs=1).missing_agencies == []


def _cp1258(text: str) -> bytes:
    """Text as Excel saves "CSV" on Vietnamese Windows: code page 1258, tone marks combining."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            out += unicodedata.normalize("NFC", d[:-1]).encode("cp1258") + d[-1].encode("cp1258")
    return out


def test_output_open_in_excel_is_refused_with_a_clear_message(inbox, tmp_path, capsys):
    out = tmp_path / "tong_hop.xlsx"
    (tmp_path / "~$tong_hop.xlsx").write_bytes(b"x")
    with pytest.raises(ConsolidationError, match="đang mở trong Excel"):
        run_consolidation(inbox, out, echo=lambda s: None, jobs=1)
    assert main(["consolidate", str(inbox), "-o", str(out), "--quiet"]) == 2
    assert "đang mở trong Excel" in capsys.readouterr().err
    assert not out.exists()


def test_a_worker_that_dies_costs_only_its_file(inbox, monkeypatch):
    import multiprocessing

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("needs the fork start method to hand the crash to the workers")
    import cchc_xl.consolidate.files as mod

    real = mod.read_one

    def crashing(path, display):
        if display == "so_ngoai_vu.xlsx":
            os._exit(3)
        return real(path, display)

    monkeypatch.setattr(mod, "read_one", crashing)
    c = consolidate(inbox, jobs=2)
    files = {f.file: f for f in c.files}
    assert files["so_ngoai_vu.xlsx"].status == "rejected"
    assert "dừng đột ngột" in files["so_ngoai_vu.xlsx"].reason
    assert files["so_tai_chinh.xlsx"].status == "accepted", files["so_tai_chinh.xlsx"].reason
    assert sum(f.status == "accepted" for f in c.files) == 7


def test_progress_bar_draws_on_its_stream():
    stream = io.StringIO()
    bar = ProgressBar(stream=stream)
    for i in range(1, 6):
        bar(i, 5)
    bar.close()
    assert stream.getvalue().endswith("5/5\n") and "#" in stream.getvalue()


def test_closing_summary_names_rejected_files(result):
    text = "\n".join(result["lines"])
    assert "hong.xlsx" in text and "Đã ghi sổ tổng hợp" in text and "Tổng hợp báo cáo CCHC 6 tháng đầu năm 2024" in text


# ---- the fast schema pre-check of validation -------------------------------------------------

def test_fast_schema_check_never_accepts_what_jsonschema_refuses():
    from cchc_xl.spec.fastschema import compile_schema
    from cchc_xl.spec.report_schema import _schema_validator

    check = compile_schema(spec.load("report.schema"))
    real = _schema_validator()
    real = getattr(real, "_real", real)
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]
    rng = random.Random(7)
    docs += [sample_report(f"Cơ quan {i}", None, rng.choice(["so", "huyen", "xa"]), 2024, "nam", rng)
             for i in range(4)]
    bad = [None, True, 1, 1.5, -1, "x", "", "2024-13-01", "15/6/2024", [], {}, 2024.0, "1.1.", "7A", "=1"]

    def paths(o, pre=()):
        yield pre
        items = o.items() if isinstance(o, dict) else enumerate(o) if isinstance(o, list) else ()
        for k, v in items:
            yield from paths(v, pre + (k,))

    for doc in docs:
        assert check(doc) == (next(iter(real.iter_errors(doc)), None) is None)
        all_paths = list(paths(doc))[1:]
        for _ in range(60):
            m = copy.deepcopy(doc)
            p = rng.choice(all_paths)
            cur = m
            for k in p[:-1]:
                cur = cur[k]
            if isinstance(cur, dict) and rng.random() < 0.2:
                del cur[p[-1]]
            else:
                cur[p[-1]] = rng.choice(bad)
            if check(m):
                assert next(iter(real.iter_errors(m)), None) is None, p


@pytest.mark.parametrize("raw, words", [
    (b"{khong phai json", "không phải JSON hợp lệ (sai cú pháp ở dòng 1"),
    (b"\xff\xfe\xfd", "không ở dạng chữ UTF-8"),
    (b'{"comparison_basis": {"agencies": [], "x": 1e999}}', "quá lớn"),
    (b'{"comparison_basis": 1, "comparison_basis": 2}', "xuất hiện hai lần"),
])
def test_unreadable_previous_summary_is_said_in_vietnamese(tmp_path, raw, words):
    """``--previous`` reads its JSON as every other JSON input is read (fileio.load_json): the reason
    is Vietnamese, never Python's English exception text, and 1e999 or a repeated key is refused."""
    from cchc_xl.consolidate.compare import PreviousSummaryError, load_previous

    path = tmp_path / "tong_hop_2025.json"
    path.write_bytes(raw)
    with pytest.raises(PreviousSummaryError) as exc:
        load_previous(path)
    said = str(exc.value)
    assert words in said and "tong_hop_2025.json" in said and "tóm tắt kỳ trước" in said
    assert not re.search(r"Expecting|codec|line \d+ column", said)
    with pytest.raises(PreviousSummaryError, match="không tìm thấy tệp tóm tắt kỳ trước"):
        load_previous(tmp_path / "khong_co.json")


def test_real_documents_are_counted_with_computed_area_scores_and_a_reason_where_they_cannot_rank(inbox):
    """Seed 000 gives no area scores: those of its deducted areas are computed from the listed
    deductions (and said so); seed 002 lists deducted criteria without their scores: accepted even
    with --strict, counted, and not ranked, with the reason naming the criteria."""
    from cchc_xl.consolidate.aggregate import area_scores

    c = consolidate(inbox, strict=True, jobs=1)
    status = {f.file: f.status for f in c.files}
    assert status["so_ngoai_vu.xlsx"] == "accepted"
    sngv = load_example("so_ngoai_vu_ha_tinh_2024_6thang")
    cat = spec.catalog("so", sngv["appraisal_year"])
    rows = [a for a in c.records["areas"] if a["agency"] == "Sở Ngoại vụ"]
    lost1 = sum(d["max_score"] - d["score"] for d in sngv["deductions"] if spec.area_of(d["code"]) == "1")
    one = next(a for a in rows if a["code"] == "1")
    assert one["computed"] and abs(one["score"] - (cat.applicable_max("1", ()) - lost1)) < 1e-6
    assert {a["code"] for a in rows} == {spec.area_of(d["code"]) for d in sngv["deductions"]}

    hk = consolidate(inbox, year=2023, kind="9_thang", strict=True, jobs=1)
    assert {f.file: f.status for f in hk.files}["huyen/huong_khe.xlsx"] == "accepted"
    doc = load_example("ubnd_huyen_huong_khe_2023_9thang")
    assert len(hk.records["deductions"]) == len(doc["deductions"])
    _, ranked = area_scores(hk)
    [row] = [r for r in ranked if r["agency"] == "UBND huyện Hương Khê"]
    assert row["rank"] is None
    assert "không tính được điểm lĩnh vực 1 vì tiêu chí bị trừ 1.2" in row["words"], row["words"]
