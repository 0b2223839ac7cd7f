"""Phụ lục II keeps the staff's own "tồn tại" texts (issue 23): read back from the Word documents,
each text of the example reports stands in column (2) of the agency's appendix and in the province
appendix once — unless it only restates the line it would stand under (``cchc_xl.appendix.restate``)."""

from __future__ import annotations

import re

import docx
import pytest
from conftest import load_example

from cchc_xl.appendix.agency import write_agency_appendix
from cchc_xl.appendix.province import province_appendix_models
from cchc_xl.appendix.restate import restates
from cchc_xl.sheets.docx import build_document

EXAMPLES = ("so_tai_chinh_2024_6thang", "so_ngoai_vu_ha_tinh_2024_6thang", "ubnd_huyen_huong_khe_2023_9thang")

# The staff texts the rule leaves out, by example: each says only what the printed line already
# says. Sở Tài chính's eight area texts repeat the area heading ("Tiêu chí 1 (…) đạt 6,981/10 điểm;
# bị trừ điểm tại các tiêu chí 1.1, 1.5.1 và 1.6."); most of Sở Ngoại vụ's repeat the criterion, its
# score and the team's reason. Every other text is printed.
RESTATED = {
    "so_tai_chinh_2024_6thang": {"1", "2", "3", "4", "5", "6", "7a", "7b"},
    "so_ngoai_vu_ha_tinh_2024_6thang": {"1.1", "1.5.1", "2.1.5", "2.3.2.1", "3.2.1", "5.4", "5.7.2", "6.3.5",
                                        "7a.1.1", "7a.1.2", "7a.3.3.3", "7b.2.1.1"},
    "ubnd_huyen_huong_khe_2023_9thang": set(),
}


def _count(column: str, text: str) -> int:
    """Times ``text`` stands in a column as a staff text: at the end of a line (after the
    criterion's words, "27. " or on a line of its own), not inside a longer text."""
    return len(re.findall("(?m)" + re.escape(text) + "$", column))


def _column(table, c: int) -> str:
    out = []
    for row in table.rows:
        cells = row.cells
        if c < len(cells):
            out.append(cells[c].text)
    return "\n".join(out)


@pytest.fixture(scope="module")
def word_appendices(tmp_path_factory):
    base = tmp_path_factory.mktemp("staff")
    out = {}
    for stem in EXAMPLES:
        from conftest import example_paths

        src = next(p for p in example_paths() if p.stem == stem)
        path = write_agency_appendix(src, base / f"{stem}.docx")
        out[stem] = docx.Document(str(path))
    reports = [load_example(s) for s in EXAMPLES]
    path = base / "tinh.docx"
    build_document(province_appendix_models(reports, {"year": 2024, "kind": "6_thang"})).save(path)
    out["province"] = docx.Document(str(path))
    return out


@pytest.mark.parametrize("stem", EXAMPLES)
def test_each_staff_text_stands_in_the_agency_phu_luc_ii_once(word_appendices, stem):
    doc = word_appendices[stem]
    table = doc.tables[1]  # Phụ lục I, II, III: one table each
    assert "Các tồn tại, hạn chế" in table.rows[0].cells[1].text
    column = _column(table, 1)
    left_out = set()
    for item in load_example(stem)["remediation"]:
        text = (item.get("issue") or "").strip()
        if not text:
            continue
        n = _count(column, text)
        if n == 0:
            left_out.add(item["code"])
            continue
        assert n == 1, f"{stem}: “{text[:60]}…” in ra {n} lần"
    assert left_out == RESTATED[stem]


def test_the_staff_text_under_an_area_stands_under_it_with_or_without_listed_deductions(tmp_path):
    """Issue 23: "Lĩnh vực 7a: Cổng TTĐT chưa đầy đủ …" (coded with the area) and "Không có sáng
    kiến cấp tỉnh" (coded with 1.5.1) were dropped; the solution stood beside a heading with no problem."""
    import copy

    rep = copy.deepcopy(load_example("so_tai_chinh_2024_6thang"))
    seven = next(it for it in rep["remediation"] if it["code"] == "7a")
    seven["issue"] = "Lĩnh vực 7a: Cổng TTĐT chưa đầy đủ các loại, mục thông tin theo Nghị định 42/2022/NĐ-CP"
    rep["remediation"].append({**seven, "code": "1.5.1", "issue": "Không có sáng kiến cấp tỉnh",
                               "solution": "Vận động viết sáng kiến"})
    rep["remediation"] = [it for it in rep["remediation"] if it["code"] != "4"]
    rep["remediation"].append({**seven, "code": "4", "issue": "Chưa sắp xếp xong các phòng",
                               "solution": "Sắp xếp lại"})
    rep["deductions"] = [d for d in rep["deductions"] if not d["code"].startswith("4.")]
    import json

    src = tmp_path / "stc.json"
    src.write_text(json.dumps(rep, ensure_ascii=False), encoding="utf-8")
    doc = docx.Document(str(write_agency_appendix(src, tmp_path / "stc.docx")))
    rows = [[c.text for c in r.cells] for r in doc.tables[1].rows]
    seven_row = next(r for r in rows if r[1].startswith("Tiêu chí 7a:"))
    head = seven_row[1].split("\n")
    assert head[0].endswith("đạt 14,682/16 điểm.") and head[1] == seven["issue"]
    assert head[2] == "Bị trừ các tiêu chí cụ thể sau:"
    assert "Nâng cấp Cổng thông tin điện tử" in seven_row[2]  # the solution beside the problem it answers
    crit = next(r for r in rows if r[1].startswith("- Tiêu chí 1.5.1:"))
    assert crit[1].endswith("\nKhông có sáng kiến cấp tỉnh") and "Vận động viết sáng kiến" in crit[2]
    four = next(r for r in rows if r[1].startswith("Tiêu chí 4:"))  # no listed deduction left
    assert four[1] == ("Tiêu chí 4: Cải cách tổ chức bộ máy: Đoàn thẩm định đánh giá đạt 10/10,5 điểm.\n"
                       "Chưa sắp xếp xong các phòng")


def test_province_appendix_holds_each_staff_text_once_and_each_score_once(word_appendices):
    table = word_appendices["province"].tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows]
    issues = _column(table, 2)
    for stem in EXAMPLES:
        for item in load_example(stem)["remediation"]:
            text = (item.get("issue") or "").strip()
            if text and item.get("code") not in RESTATED[stem]:
                assert _count(issues, text) == 1, text[:60]
    # Sở Ngoại vụ 1.1: criterion and score in column (2) only, the reason in column (3)
    row = next(r for r in rows if r[1].startswith("Tiêu chí 1.1: Thực hiện kế hoạch CCHC"))
    assert "1,216/1,5" in row[1] and "1,216/1,5" not in row[2] and row[2] == "Lý do: Đạt 95.425%."
    # an area row: its deducted criteria with their reasons in column (3), the area's score in (2)
    row = next(r for r in rows if r[1].startswith("Tiêu chí 6: Cải cách tài chính công (đạt 11,5/13 điểm)"))
    assert row[2].startswith("- Tiêu chí 6.3.1: Số đơn vị SNCL tự bảo đảm chi thường xuyên đạt 0/0,5 điểm. Lý do:")
    assert "11,5/13" not in row[2]


def test_restates_decides_by_every_word_and_number():
    line = "Tiêu chí 5.4: Kết quả thực hiện nhiệm vụ của CBCCVC đạt 0,96/1 điểm. Lý do: Chỉ có 24/25 CBCCVC hoàn thành"
    assert restates("Tiêu chí 5.4: chỉ có 24/25 CBCCVC hoàn thành nhiệm vụ; đạt 0,96/1 điểm.", line)
    assert restates("đạt 0.96/1.0 điểm", line)  # numbers by value
    assert not restates("Tiêu chí 5.4: chưa hoàn thành nhiệm vụ", line)  # "chưa" is the staff's own
    assert not restates("đạt 0,9/1 điểm", line)  # a figure the line does not hold
    assert not restates("Mã lạ", "9.1")  # connecting words alone restate nothing


def test_a_criterion_name_left_blank_is_filled_from_its_code(tmp_path):
    """The workbook's "Tên tiêu chí" may be left blank (sheets.json says the department fills it
    from the code): the Word appendices print the criteria set's name."""
    import copy
    import json

    from cchc_xl import spec

    rep = copy.deepcopy(load_example("so_tai_chinh_2024_6thang"))
    for d in rep["deductions"]:
        d["name"] = None
    src = tmp_path / "stc.json"
    src.write_text(json.dumps(rep, ensure_ascii=False), encoding="utf-8")
    doc = docx.Document(str(write_agency_appendix(src, tmp_path / "stc.docx")))
    column = _column(doc.tables[1], 1)
    cat = spec.catalog("so", rep["appraisal_year"])
    for d in rep["deductions"]:
        assert f"- Tiêu chí {d['code']}: {cat.criterion_name(d['code'])} đạt" in column
    path = tmp_path / "tinh.docx"
    build_document(province_appendix_models([rep], rep["period"])).save(path)
    cells = _column(docx.Document(str(path)).tables[0], 2)
    assert f"- Tiêu chí 5.4: {cat.criterion_name('5.4')} đạt" in cells
