"""Word documents: the agency's appendices as Word tables, and the province's report draft."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import docx
import pytest
from test_appendix import SEED_004_III, STC_JSON, seed_equal

from cchc_xl import spec
from cchc_xl.cli import main


def _rows(table) -> list[list[str]]:
    """The texts of a Word table, a merged cell once per row it covers."""
    return [[c.text for c in row.cells] for row in table.rows]


@pytest.fixture(scope="module")
def appendix_docx(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docx") / "PHU_LUC.docx"
    assert main(["appendix", str(STC_JSON), "-o", str(out)]) == 0
    return out


def test_docx_appendix_of_seed_004_holds_its_facts_in_word_tables(appendix_docx):
    doc = docx.Document(str(appendix_docx))
    assert len(doc.tables) == 3  # Phụ lục I, II, III
    text = "\n".join(p.text for p in doc.paragraphs)
    for title in ("PHỤ LỤC I", "PHỤ LỤC II", "PHỤ LỤC III"):
        assert title in text.splitlines()
    assert "(Kèm theo Báo cáo số" in text and "/BC-STC ngày 15/6/2024 của Sở Tài chính)" in text
    ii = "\n".join(" | ".join(r) for r in _rows(doc.tables[1]))
    for fact in ("6,981/10", "0/1,5", "1,481/1,5", "13,309/14"):
        assert fact in ii
    cat = spec.catalog("so", 2023)
    values = {r[0].rstrip("."): r[3] for r in _rows(doc.tables[2]) if r and r[0]}
    for code, seed in SEED_004_III.items():
        assert seed_equal(cat.indicator_by_code[code], values[code], seed), (code, values[code], seed)
    assert values["1.1.1"] == "38" and values["1.5"] == "0"  # a choice prints its own value, as the form
    # every code on one line: the STT column is wide enough and does not wrap
    rows = list(doc.tables[2].rows)
    longest = max((r.cells[0].text for r in rows), key=len)
    assert len(longest) == len("7.1.6.2.1.")
    cell = next(r.cells[0] for r in rows if r.cells[0].text == longest)
    assert cell._tc.tcPr.find(docx.oxml.ns.qn("w:noWrap")) is not None
    width_pt = cell.width / 12700
    # Times New Roman: a digit is half an em, a full stop a quarter; 12 pt, Word's cell margins 5,4 pt
    needed = 12 * (0.5 * sum(ch.isdigit() for ch in longest) + 0.25 * longest.count(".")) + 2 * 5.4
    assert width_pt >= needed * 1.1


def test_docx_appendix_follows_nghi_dinh_30(appendix_docx):
    doc = docx.Document(str(appendix_docx))
    for section in doc.sections:  # A4 landscape, margins between 15 and 35 mm
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
        for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin):
            assert 15 <= round(m.mm) <= 35
    assert doc.styles["Normal"].font.name == "Times New Roman"
    sizes = {r.font.size.pt for p in doc.paragraphs for r in p.runs if r.font.size}
    assert sizes and min(sizes) >= 13 and max(sizes) <= 14
    for table in doc.tables:  # the header rows repeat on every page
        first = table.rows[0]._tr
        assert first.trPr is not None and first.trPr.find(docx.oxml.ns.qn("w:tblHeader")) is not None
        fonts = {r.font.name for row in table.rows for c in row.cells for p in c.paragraphs for r in p.runs}
        assert fonts <= {None, "Times New Roman"}


def test_docx_appendix_prints_on_a4_landscape_with_the_header_on_every_page(appendix_docx, tmp_path):
    from pypdf import PdfReader

    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip("LibreOffice (soffice) không có trên máy này")
    src = tmp_path / appendix_docx.name
    shutil.copy(appendix_docx, src)
    assert main(["appendix", str(STC_JSON), "-o", str(tmp_path / "PL2.docx"), "--pdf"]) == 0
    pdf = tmp_path / "PL2.pdf"
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 4
    headers = {"PHỤ LỤC II": "Giải pháp khắc phục cụ thể", "PHỤ LỤC III": "Chỉ tiêu thống kê"}
    current = None
    for i, page in enumerate(reader.pages, start=1):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        if (page.get("/Rotate") or 0) % 180:
            w, h = h, w
        assert abs(w - 842) < 3 and abs(h - 595) < 3, f"trang {i} không phải A4 ngang"
        text = re.sub(r"\s+", " ", page.extract_text())
        for title in headers:
            if re.search(rf"{title}(?!I)", text):
                current = title
        if current:
            assert headers[current] in text, f"trang {i}: thiếu dòng tiêu đề bảng của {current}"
    assert current == "PHỤ LỤC III"


# ---- the province's report draft (its figures: test_report_draft.py) ----------------------------

def test_report_template_is_built_by_its_script(tmp_path):
    """The shipped .docx is what ``python -m cchc_xl.appendix.report_template`` builds (same texts)."""
    from cchc_xl.appendix.report_template import TEMPLATE_PATH, build_template

    fresh = tmp_path / "t.docx"
    build_template().save(fresh)

    def texts(path):
        d = docx.Document(str(path))
        return [p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells]

    assert texts(fresh) == texts(TEMPLATE_PATH)


def test_the_provinces_own_report_template_is_found_in_any_folder_of_the_list(tmp_path, monkeypatch):
    """CCHC_XL_TEMPLATE_DIR is a list of folders (as the text templates read it): the report draft's
    own template is found in the second folder too."""
    import os

    from cchc_xl.appendix import report_draft

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (second / report_draft.TEMPLATE_NAME).write_bytes(report_draft.TEMPLATE_PATH.read_bytes())
    monkeypatch.setenv("CCHC_XL_TEMPLATE_DIR", os.pathsep.join([str(first), str(second)]))
    assert report_draft.template_path() == second / report_draft.TEMPLATE_NAME
    monkeypatch.setenv("CCHC_XL_TEMPLATE_DIR", str(first))
    assert report_draft.template_path() == report_draft.TEMPLATE_PATH
