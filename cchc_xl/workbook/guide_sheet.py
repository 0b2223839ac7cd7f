"""Hướng dẫn: the guidance sheet, first in the agency workbook (text from ``huong_dan.txt.j2``);
``write_guide`` also writes the guides of the appraisal and catalog workbooks."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment

from cchc_xl import spec
from cchc_xl.sheets.measure import fit_row
from cchc_xl.spec import __version__
from cchc_xl.workbook.style import font, print_setup, protect


def write(wb: Workbook, cat: spec.Catalog, agency: str | None):
    from cchc_xl.spec.render import render

    ws = wb.active
    ws.title = spec.sheets()["sheets"]["guide"]["title"]
    text = render("huong_dan.txt.j2", level_label=spec.label_of("levels", cat.level),
                  criteria_year=cat.criteria_year, agency=agency,
                  sheets=spec.sheets()["sheets"], version=__version__)
    write_guide(ws, text.splitlines())


GUIDE_PAGE_PT = (11.69 - 0.6 - 0.75) * 72  # the printed height of an A4 portrait page


def write_guide(ws, lines) -> None:
    """A guidance sheet from text lines: "# " a title, "## " a heading, blank lines kept as space."""
    ws.column_dimensions["A"].width = 76  # an A4 portrait page wide (at 86 LibreOffice cuts the text)
    r = 1
    for line in lines:
        if not line.strip():
            r += 1
            continue
        c = ws.cell(row=r, column=1, value=line.strip("#").strip())
        if line.startswith("# "):
            c.font = font(16, bold=True)
        elif line.startswith("## "):
            c.font = font(13, bold=True)
        else:
            c.font = font(12)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        fit_row(ws, r, size=c.font.sz or 12, min_lines=2 if line.startswith("## ") else 1)
        r += 1
    ws.sheet_view.showGridLines = False
    print_setup(ws, None, "A")
    ws.page_setup.orientation = "portrait"  # one column of text: a taller page, no page of one line
    height = sum(ws.row_dimensions[r].height or 15 for r in range(1, r))
    if height <= 1.3 * GUIDE_PAGE_PT:  # a guide a little longer than a page: shrunk onto one
        ws.page_setup.fitToHeight = 1
    ws.print_title_rows = None
    protect(ws)
