"""What a written agency workbook prints without the macro button (LibreOffice PDF): every filled
row of the input tables, no page of empty prepared rows, and no text running over the next row."""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path

import pytest

from cchc_xl import spec

REMEDIATION_HEADER = "Giải pháp khắc phục cụ thể"
PASTED = "Rà soát, đôn đốc\nthực hiện các nhiệm vụ còn lại của Kế hoạch CCHC năm 2024;\nbáo cáo kết quả về Sở Nội vụ"


def forty_rows(report: dict) -> dict:
    """The report with 40 remediation rows, every third one pasted from Word with line breaks."""
    r = copy.deepcopy(report)
    base = r["remediation"][0]
    items = []
    for i in range(1, 41):
        it = dict(base)
        it["issue"] = f"Tồn tại số {i}: " + (PASTED if i % 3 == 0 else "chưa hoàn thành đúng hạn")
        it["solution"] = ("Giải pháp cụ thể " * (i % 6 + 1)).strip()
        it["progress"] = ("Đã triển khai\nđang theo dõi" if i % 4 == 0 else "Đang thực hiện")
        items.append(it)
    r["remediation"] = items
    return r


def words(pdf: Path) -> list[list[tuple[str, float, float, float, float]]]:
    """Every word of every page with its box (pdftotext -bbox)."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in re.findall(r"<page.*?</page>", html, flags=re.S):
        pages.append([(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in
                      re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                                 page)])
    return pages


def overlapping(page) -> list[tuple[str, str]]:
    """Pairs of words drawn over each other: text longer than its row runs into the next row."""
    out = []
    for i, (w1, x1, y1, x2, y2) in enumerate(page):
        for w2, u1, v1, u2, v2 in page[i + 1:]:
            dx = min(x2, u2) - max(x1, u1)
            dy = min(y2, v2) - max(y1, v1)
            if dx > 1.0 and dy > 0.3 * min(y2 - y1, v2 - v1):
                out.append((w1, w2))
    return out


def check_table_pages(pdf: Path, header: tuple[str, ...], expected: list[str] | None) -> None:
    """The pages whose text holds every word of ``header``: each shows some "Tồn tại số N" (no page of
    empty rows), no two words drawn over each other, and together every expected N once."""
    pages = [p for p in words(pdf) if all(h in {w[0] for w in p} for h in header)]
    assert pages, f"bảng {header} không được in"
    found = []
    for n, page in enumerate(pages, start=1):
        mine = re.findall(r"Tồn tại số (\d+)", " ".join(w[0] for w in page))
        assert mine, f"trang {n} của bảng {header} chỉ có dòng trống"
        found += mine
        assert not overlapping(page), f"trang {n}: chữ đè lên dòng sau: {overlapping(page)[:3]}"
    if expected is not None:
        assert sorted(map(int, found)) == sorted(int(e) for e in expected)


def check_remediation_pages(pdf: Path, expected: list[str]) -> None:
    check_table_pages(pdf, ("khắc", "Tiến", "Giải"), expected)


@pytest.fixture
def filled(stc, make_workbook):
    report = forty_rows(stc)
    return make_workbook(report, name="filled.xlsx"), report


def test_filled_workbook_prints_all_forty_rows_and_no_page_of_empty_rows(filled, soffice):
    path, report = filled
    check_remediation_pages(soffice(path, "pdf"), [str(i) for i in range(1, 41)])


def test_annotated_copy_prints_the_rows_typed_after_the_workbook_was_written(stc, make_workbook, soffice,
                                                                              tmp_path):
    """The agency types 34 more rows (some pasted with line breaks) into a workbook written with 6:
    its annotated copy prints all 40 with their whole text."""
    from openpyxl import load_workbook

    from cchc_xl.check.validate import validate_file
    from cchc_xl.workbook.annotate import annotate_file

    report = forty_rows(stc)
    path = make_workbook(dict(report, remediation=report["remediation"][:6]), name="typed.xlsx")
    cfg = spec.sheets()["sheets"]["remediation"]
    keys = [c["key"] for c in cfg["columns"]]
    label = spec.label_of("statuses", "dang_thuc_hien")
    wb = load_workbook(path)
    ws = wb[cfg["title"]]
    for i, it in enumerate(report["remediation"][6:], start=cfg["header_row"] + 7):
        for key in ("code", "issue", "solution", "deadline", "progress"):
            ws.cell(row=i, column=keys.index(key) + 1, value=it[key])
        ws.cell(row=i, column=keys.index("status") + 1, value=label)
    wb.save(path)
    out = annotate_file(path, validate_file(path).issues, tmp_path / "danh_dau.xlsx")
    assert not load_workbook(out)[cfg["title"]].print_area  # it prints what is filled, however long
    check_remediation_pages(soffice(out, "pdf"), [str(i) for i in range(1, 41)])


def test_distributed_copy_prints_its_rows(tmp_path, soffice):
    """A distributed workbook: one remediation row per deducted criterion of the appraisal, long
    reasons with line breaks typed into the appraisal workbook."""
    from openpyxl import load_workbook

    from cchc_xl.cycle.appraisal import write_appraisal_template
    from cchc_xl.cycle.distribute import distribute
    from cchc_xl.read.appraisal import decl

    path = tmp_path / "tham_dinh_2023.xlsx"
    write_appraisal_template(path, year=2023)
    codes = [c["code"] for c in spec.catalog("so", 2023).criteria["criteria"]]
    wb = load_workbook(path)
    wb[decl()["sheets"]["info"]["title"]]["B5"] = 2023
    sheets = decl()["sheets"]
    for which, rows in (("registry", [("Sở Tài chính", "STC", "Sở, ban, ngành cấp tỉnh")]),
                        ("deductions", [("Sở Tài chính", code, None, 0,
                                         f"Tồn tại số {i}: " + "chưa ban hành kế hoạch\nvà báo cáo chậm " * (i % 4 + 1))
                                        for i, code in enumerate(codes, start=1)])):
        cols = [c["key"] for c in sheets[which]["columns"]]
        keys = ("name", "code", "level") if which == "registry" else ("agency", "code", "max_score", "score", "reason")
        ws = wb[sheets[which]["title"]]
        for i, row in enumerate(rows):
            for key, value in zip(keys, row):
                if value is not None:
                    ws.cell(row=sheets[which]["header_row"] + 1 + i, column=cols.index(key) + 1, value=value)
    wb.save(path)
    written = distribute(path, tmp_path / "phat")
    pdf = soffice(written[0], "pdf")
    check_remediation_pages(pdf, [str(i) for i in range(1, len(codes) + 1)])
    check_table_pages(pdf, ("Lý", "trừ", "Điểm", "đạt"), None)  # the deductions, with their reasons


def test_a_line_break_inside_a_sentence_is_not_a_new_bullet_in_the_appendix(stc):
    from cchc_xl.appendix.agency import remediation_model

    report = copy.deepcopy(stc)
    report["remediation"][0]["solution"] = ("Rà soát, đôn đốc\nthực hiện các nhiệm vụ còn lại\n"
                                            "Giao Văn phòng theo dõi;\nbáo cáo Sở Nội vụ.")
    text = "\n".join(remediation_model(report, spec.catalog("so", report["appraisal_year"])).texts())
    # the break inside the sentence stays a line break; real new paragraphs get their bullet
    assert "- Rà soát, đôn đốc\nthực hiện các nhiệm vụ còn lại" in text
    assert "- Giao Văn phòng theo dõi;" in text
    assert "- thực hiện" not in text
    assert "- báo cáo Sở Nội vụ." in text
