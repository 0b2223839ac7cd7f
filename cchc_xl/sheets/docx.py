"""Word renderer of the sheet models (python-docx): the same appendices as the Excel renderer,
as tables of a Word document in the Nghị định 30/2020/NĐ-CP format.

Each model is one section: A4 (landscape when the model is), margins of Nghị định 30, Times New
Roman, the page number centred in the top margin; the title rows ("PHỤ LỤC II", the title, the
"(Kèm theo Báo cáo số …)" line) as centred paragraphs, then one table whose header rows repeat
at the top of every page. Rows the Excel renderer cut into pieces (a spreadsheet row has a
maximum height) are one row again: Word breaks a row across pages itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from cchc_xl.safetext import clean

FONT = "Times New Roman"
BODY_PT = 13  # Nghị định 30: 13–14 pt; the tables use 13, the titles 14
TITLE_PT = 14
TABLE_PT = 12  # what a wide table needs to stay readable on A4; notes and numbers below it
A4 = (Mm(210), Mm(297))
# Nghị định 30, Phụ lục I: top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm. A landscape
# page is bound at its top edge, so the binding margin goes there.
MARGINS_PORTRAIT = dict(top=Mm(20), bottom=Mm(20), left=Mm(30), right=Mm(15))
MARGINS_LANDSCAPE = dict(top=Mm(25), bottom=Mm(15), left=Mm(20), right=Mm(20))

MIN_COLUMN = Mm(12)
_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
          "right": WD_ALIGN_PARAGRAPH.RIGHT}
_VALIGN = {"top": WD_CELL_VERTICAL_ALIGNMENT.TOP, "center": WD_CELL_VERTICAL_ALIGNMENT.CENTER,
           "bottom": WD_CELL_VERTICAL_ALIGNMENT.BOTTOM}
_TITLE_KINDS = {"title", "subtitle", "ref", "spacer"}


def new_document() -> Document:
    """An empty document whose styles follow Nghị định 30 (Times New Roman 13, no spacing)."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    doc.core_properties.language = "vi-VN"
    return doc


def set_page(section, landscape: bool) -> None:
    width, height = A4
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = height, width
        margins = MARGINS_LANDSCAPE
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = width, height
        margins = MARGINS_PORTRAIT
    section.top_margin, section.bottom_margin = margins["top"], margins["bottom"]
    section.left_margin, section.right_margin = margins["left"], margins["right"]
    section.header_distance = Mm(10)
    section.footer_distance = Mm(8)


def _field(paragraph, code: str) -> None:
    """A field (PAGE, NUMPAGES) that Word and LibreOffice compute when the page is laid out."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == code:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {code} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def page_numbers(section) -> None:
    """The page number centred in the top margin, as Nghị định 30 places it."""
    section.header.is_linked_to_previous = False
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(p, "PAGE")
    for r in p.runs:
        r.font.size = Pt(BODY_PT)


def add_text(paragraph, text: str, size: float, bold=False, italic=False, bold_chars: int = 0) -> None:
    """Text into a paragraph; its first ``bold_chars`` characters bold."""
    parts = [(text[:bold_chars], True), (text[bold_chars:], bold)] if 0 < bold_chars < len(text) else [(text, bold or
                                                                                                       bold_chars > 0)]
    for piece, b in parts:
        if not piece:
            continue
        run = paragraph.add_run(clean(piece, limit=None))  # the one sanitiser (safetext)
        run.font.size = Pt(size)
        run.font.bold = b
        run.font.italic = italic


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _cant_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        from cchc_xl.numtext import format_number

        return format_number(value)
    return str(value)


def _folded_rows(model) -> tuple[list, dict[int, int]]:
    """The table rows with continuation rows folded into the row they continue; with the map
    from a model row index to its table row index."""
    first = model.header_rows[0] - 1 if model.header_rows else next(
        (i for i, r in enumerate(model.rows) if r.kind not in _TITLE_KINDS), 0)
    rows: list[list] = []
    where: dict[int, int] = {}
    for i, row in enumerate(model.rows[first:], start=first):
        if row.kind == "continuation" and rows:
            base = rows[-1]
            for c, cell in enumerate(row.cells):
                if cell is None or cell.value in (None, ""):
                    continue
                if base[c] is None or base[c][0] is None:
                    continue
                anchor, value = base[c]
                base[c] = (anchor, value + "\n" + str(cell.value) if value else str(cell.value))
            where[i] = len(rows) - 1
            continue
        rows.append([(cell, _display(cell.value)) if cell is not None else None for cell in row.cells])
        where[i] = len(rows) - 1
    return rows, where


def render_model(doc, model, first: bool) -> None:
    """One sheet model as a section of ``doc``."""
    section = doc.sections[0] if first else doc.add_section(WD_SECTION.NEW_PAGE)
    set_page(section, model.landscape)
    page_numbers(section)
    start = model.header_rows[0] - 1 if model.header_rows else 0
    for row in model.rows[:start]:
        cell = next((c for c in row.cells if c is not None), None)
        if row.kind == "spacer" or cell is None:
            doc.add_paragraph()
            continue
        p = doc.add_paragraph()
        p.alignment = _ALIGN.get(cell.align, WD_ALIGN_PARAGRAPH.CENTER)
        size = TITLE_PT if row.kind in ("title", "subtitle") else BODY_PT
        add_text(p, _display(cell.value), size, bold=cell.bold, italic=cell.italic)
    rows, where = _folded_rows(model)
    if not rows:
        return
    usable = section.page_width - section.left_margin - section.right_margin
    total = sum(model.columns) or 1
    widths = [int(usable * w / total) for w in model.columns]
    for c, w in enumerate(widths):  # a column of numbers ("TT", "(1)") keeps room for two digits
        if w < MIN_COLUMN:
            widest = max(range(len(widths)), key=widths.__getitem__)
            widths[widest] -= MIN_COLUMN - w
            widths[c] = MIN_COLUMN
    table = doc.add_table(rows=len(rows), cols=model.ncols)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for c, col in enumerate(table.columns):
        col.width = widths[c]
    header_last = where.get(model.header_rows[1] - 1, -1) if model.header_rows else -1
    # python-docx's Table.cell() and Row.cells lay out the whole grid on every call (quadratic:
    # minutes for a province appendix); lay it out once here, index it as Table.cell() does, and
    # merge through that layout (the merges never overlap, so each one's cells stay valid)
    ncols = model.ncols
    pre = table._cells
    for r, row in enumerate(table.rows):
        if r <= header_last:
            _repeat_header(row)
            _cant_split(row)
        for c in range(ncols):
            pre[r * ncols + c].width = widths[c]
    # merges first (python-docx moves a merged cell's paragraphs into the anchor), then texts
    model_first = min(where)
    for i, mrow in enumerate(model.rows[model_first:], start=model_first):
        if mrow.kind == "continuation":
            continue
        for c, cell in enumerate(mrow.cells):
            if cell is None or (cell.merge_across == 1 and cell.merge_down == 1):
                continue
            last_model_row = min(len(model.rows) - 1, i + cell.merge_down - 1)
            end_r = where[last_model_row]
            end_c = min(model.ncols - 1, c + cell.merge_across - 1)
            if (end_r, end_c) != (where[i], c):
                pre[where[i] * ncols + c].merge(pre[end_r * ncols + end_c])
    grid = table._cells  # after the merges: a merged span's cells are its anchor
    for r, row in enumerate(rows):
        for c, entry in enumerate(row):
            if entry is None:
                continue
            cell, text = entry
            target = grid[r * ncols + c]
            target.vertical_alignment = _VALIGN.get(cell.valign, WD_CELL_VERTICAL_ALIGNMENT.TOP)
            if not cell.wrap:  # a code such as "7.1.6.2.1." stays on one line
                target._tc.get_or_add_tcPr().append(OxmlElement("w:noWrap"))
            size = TABLE_PT - 1 if cell.size and cell.size < model.font_size else TABLE_PT
            lines = text.split("\n") if text else [""]
            pos = 0
            for k, line in enumerate(lines):
                p = target.paragraphs[0] if k == 0 else target.add_paragraph()
                p.alignment = _ALIGN.get(cell.align, WD_ALIGN_PARAGRAPH.LEFT)
                add_text(p, line, size, bold=cell.bold, italic=cell.italic,
                         bold_chars=max(0, min(len(line), cell.bold_chars - pos)))
                pos += len(line) + 1


def build_document(models, doc=None):
    """A Word document holding the models, one section each."""
    doc = doc or new_document()
    for k, m in enumerate(models):
        render_model(doc, m, first=(k == 0 and not doc.paragraphs))
    return doc


def save_document(doc, out: str | os.PathLike) -> Path:
    """Written whole or not at all (a temporary file beside the target, then renamed)."""
    from cchc_xl.files.fileio import atomic_output

    with atomic_output(out) as tmp:
        doc.save(tmp)
    return Path(out)
