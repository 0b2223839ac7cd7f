"""The consolidated workbook on paper (issue 23): every printed table at 9 pt or more, each chart
alone on a page with its title, names clear of negative bars, a note where a comparison figure is
missing. Measured on the PDF LibreOffice prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from cchc_xl.cli import main
from cchc_xl.sheets.xlsx_tables import _PRINTABLE_PT, _UNIT_PT, _min_print_pt, chart_sheet_name, print_widths

REGISTRY = Path(__file__).resolve().parent.parent / "examples" / "registry.csv"


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    from conftest import load_example

    from cchc_xl.workbook.template import write_template

    base = tmp_path_factory.mktemp("print")
    subs = base / "nop"
    subs.mkdir()
    for stem in ("so_tai_chinh_2024_6thang", "so_ngoai_vu_ha_tinh_2024_6thang"):
        write_template(subs / f"{stem}.xlsx", report=load_example(stem))
    (subs / "Bao_cao_loi_tai_ve_tu_thu_dien_tu_cua_co_quan.xlsx").write_bytes(b"PK\x03\x04 broken")
    args = ["--registry", str(REGISTRY), "--year", "2024", "--period", "6_thang", "--quiet"]
    main(["consolidate", str(subs), "-o", str(base / "truoc.xlsx"), "--json", str(base / "truoc.json"), *args])
    out = base / "th.xlsx"
    main(["consolidate", str(subs), "-o", str(out), "--previous", str(base / "truoc.json"), *args])
    return out


def test_fitted_tables_are_narrowed_to_print_at_the_declared_size(books):
    from cchc_xl.appendix.tables import sheet_tables
    from cchc_xl.consolidate import consolidate

    assert _min_print_pt() == 9
    cons = consolidate(str(Path(books).parent / "nop"), registry=str(REGISTRY), year=2024, kind="6_thang")
    wb = load_workbook(books)
    for t in sheet_tables(cons):
        cols, fit = print_widths(t)
        ws = wb[t.name]
        widths = [ws.column_dimensions[chr(65 + i)].width for i in range(min(len(cols), 26))]
        assert widths[:len(cols)] == [c.width for c in cols][:len(widths)]
        if fit:  # the printer's shrinking keeps 11 pt text at 9 pt or more
            assert sum(c.width for c in cols) * _UNIT_PT * _min_print_pt() / 11 <= _PRINTABLE_PT + 1, t.name
        assert int(ws.page_setup.fitToWidth or 0) == (1 if fit else 0)
    submissions = next(t for t in sheet_tables(cons) if t.key == "submissions")
    assert sum(c.width for c in submissions.columns) > sum(c.width for c in print_widths(submissions)[0])


def test_each_chart_has_a_sheet_of_its_own_after_the_tables(books):
    wb = load_workbook(books)
    for table in ("Tiến độ khắc phục", "Tiêu chí bị trừ điểm", "So sánh kỳ trước"):
        ws = wb[chart_sheet_name(table)]
        assert len(ws._charts) == 1 and not wb[table]._charts
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToHeight == 1
        chart = ws._charts[0]
        assert chart.x_axis.tickLblPos == "low" and chart.dataLabels.position == "outEnd"
    assert wb.sheetnames.index(chart_sheet_name("Tiến độ khắc phục")) > wb.sheetnames.index("Lỗi dữ liệu")


def test_libreoffice_prints_every_table_at_9_pt_or_more_and_each_chart_with_its_title(books, soffice):
    from pypdf import PdfReader

    pdf = soffice(books, "pdf")
    reader = PdfReader(pdf)
    titles = {"Tỷ lệ hoàn thành khắc phục theo cơ quan": 0, "Thay đổi tỷ lệ điểm": 0}
    for i, page in enumerate(reader.pages, start=1):
        sizes = []
        page.extract_text(visitor_text=lambda t, cm, tm, fd, fs: sizes.append(
            fs * abs(tm[0] * cm[0] + tm[1] * cm[2])) if t.strip() else None)
        text = page.extract_text()
        assert sizes and min(sizes) >= 8.95, f"trang {i}: chữ {min(sizes):.1f} pt"
        for title in titles:
            if title in text:
                titles[title] += 1
                assert "\nTT " not in text and not text.lstrip().startswith("TT")  # no table header above it
    assert all(n == 1 for n in titles.values()), titles


def test_a_missing_comparison_figure_has_a_note_saying_why():
    from cchc_xl.consolidate.compare import _note

    row = {"had_previous": True, "merged_from": 1, "percent_before": None, "percent_now": 92.4}
    assert _note(row) == ("Báo cáo kỳ trước chưa đủ điểm các lĩnh vực để tính tỷ lệ điểm: "
                          "không so sánh điểm và hạng")
    assert "kỳ này" in _note({**row, "percent_before": 90.0, "percent_now": None})
    assert _note({**row, "percent_before": 90.0}) is None
