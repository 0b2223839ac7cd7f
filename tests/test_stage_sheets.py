"""Stage 7 on its own: the sheet model, its measures and the xlsx renderer (``cchc_xl.sheets``).

Small models built by hand, so that a failure points at the renderer, not at the content that
feeds it: every word printed once, no row taller than Excel allows, a long text split over rows
that print as one cell, merged cells and page set-up written as the model says.
"""

from __future__ import annotations

from openpyxl import Workbook, load_workbook

from cchc_xl.sheets.measure import ROW_PADDING_PT, column_text_width, fit_heights, line_height, wrap_text
from cchc_xl.sheets.model import CellModel, RowModel, SheetModel
from cchc_xl.sheets.style import MAX_ROW_HEIGHT
from cchc_xl.sheets.xlsx import render_sheets, save_atomic

WORDS = ("Đoàn thẩm định đề nghị cơ quan rà soát, bổ sung tài liệu kiểm chứng về việc thực hiện "
         "kế hoạch cải cách hành chính năm 2024").split()


def _text(n_words: int) -> str:
    return " ".join(WORDS[i % len(WORDS)] for i in range(n_words))


def test_wrapped_lines_keep_every_word_in_order_and_fit_the_width():
    text = _text(60)
    width = column_text_width(30)
    lines = wrap_text(text, width, 12)
    assert len(lines) > 3
    assert " ".join(lines).split() == text.split()
    assert wrap_text("ngắn", width, 12) == ["ngắn"]


def _model(rows: list[RowModel], columns=(30, 12)) -> SheetModel:
    return SheetModel(key="thu", title="Thử", columns=list(columns), rows=rows, header_rows=(1, 1), freeze_row=2)


def test_a_row_grows_with_its_longest_cell():
    short = RowModel([CellModel("một dòng"), CellModel(1)])
    long = RowModel([CellModel(_text(40)), CellModel(2)])
    m = fit_heights(_model([short, long]))
    assert m.rows[0].height == round(line_height(12) + ROW_PADDING_PT, 1)  # one line
    assert m.rows[1].height > 3 * m.rows[0].height


def test_a_text_taller_than_a_row_may_be_is_split_over_rows_printing_as_one_cell():
    text = _text(1500)
    m = fit_heights(_model([RowModel([CellModel(text), CellModel(7)], code="1.1")]))
    assert len(m.rows) > 1
    assert all(r.height <= MAX_ROW_HEIGHT for r in m.rows)
    pieces = [r.cells[0].value for r in m.rows]
    assert " ".join(p for p in pieces if p).split() == text.split()
    assert [r.kind for r in m.rows[1:]] == ["continuation"] * (len(m.rows) - 1)
    # no rule between the pieces: the first has no bottom border, the last no top border
    assert "b" not in m.rows[0].cells[0].border and "t" not in m.rows[-1].cells[0].border
    # a number is printed once, on the first piece
    assert [r.cells[1].value for r in m.rows] == [7] + [None] * (len(m.rows) - 1)


def test_a_cell_merged_down_adds_what_it_lacks_to_its_last_row():
    rows = [RowModel([CellModel(_text(50), merge_down=2), CellModel("a")]),
            RowModel([None, CellModel("b")])]
    m = fit_heights(_model(rows))
    assert m.rows[1].height > m.rows[0].height


def test_the_xlsx_renderer_writes_values_merges_and_page_setup(tmp_path):
    rows = [RowModel([CellModel("Tiêu đề", bold=True, merge_across=2, border=""), None], kind="title"),
            RowModel([CellModel("Chỉ tiêu"), CellModel("Số liệu")], kind="header"),
            RowModel([CellModel("Số nhiệm vụ"), CellModel(1216, number_format="#,##0")])]
    model = _model(rows)
    model.header_rows = (2, 2)
    model.freeze_row = 3
    wb = Workbook()
    wb.remove(wb.active)
    render_sheets(wb, [fit_heights(model)])
    out = save_atomic(wb, tmp_path / "thu.xlsx")
    ws = load_workbook(out)["Thử"]
    assert ws["A1"].value == "Tiêu đề" and ws["A1"].font.b
    assert "A1:B1" in {str(r) for r in ws.merged_cells.ranges}
    assert (ws["A3"].value, ws["B3"].value, ws["B3"].number_format) == ("Số nhiệm vụ", 1216, "#,##0")
    assert ws.freeze_panes == "A3"
    assert ws.print_title_rows == "$2:$2"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
    assert ws.row_dimensions[3].height == model.rows[2].height
