"""The agency workbook's look: fills, fonts, borders, the red/yellow conditional formats of the
checks, print setup and protection. Shared by every sheet of the agency workbook (``kit`` and the
``*_sheet`` modules) and by the other workbooks the tool writes (appraisal, catalog, annotations).
"""

from __future__ import annotations

from functools import lru_cache

from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.differential import DifferentialStyle

from cchc_xl import spec
from cchc_xl.check import formula
from cchc_xl.sheets.style import HEADER_FOOTER_DISTANCE

RED_FILL = PatternFill("solid", fgColor="FFC7CE")
RED_FONT = Font(name="Times New Roman", color="9C0006")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
GROUP_FILL = PatternFill("solid", fgColor="F2F2F2")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
OK_FILL = PatternFill("solid", fgColor="C6EFCE")
WARN_FILL = PatternFill("solid", fgColor="FFEB9C")  # a warning: Excel's "Neutral" style
WARN_FONT = Font(name="Times New Roman", color="9C5700")
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)


# one format object per colour, shared by every rule: openpyxl compares each rule's format with
# every format already listed when it saves (hundreds of rules made that quadratic)
RED_DXF = DifferentialStyle(font=RED_FONT, fill=RED_FILL)
WARN_DXF = DifferentialStyle(font=WARN_FONT, fill=WARN_FILL)


def _rule(ws, rng: str, text: str, dxf: DifferentialStyle) -> None:
    ws.conditional_formatting.add(rng, Rule(type="expression", formula=[text], dxf=dxf))


def mark_red(ws, rng: str, cond: str) -> None:
    """Paint a cell red while an error check holds (see cchc_xl.check)."""
    _rule(ws, rng, formula.red(cond), RED_DXF)


def mark_red_when_sure(ws, rng: str, cond: str) -> None:
    """Paint red only when a check surely holds (its inputs are checked, and counted, elsewhere)."""
    _rule(ws, rng, formula.yellow(cond), RED_DXF)


def mark_yellow(ws, rng: str, cond: str) -> None:
    """Paint a cell yellow while a warning check holds (added after the red rules: red wins)."""
    _rule(ws, rng, formula.yellow(cond), WARN_DXF)


def mark_red_errors(ws, rng: str) -> None:
    """One rule for a block of input cells: a cell holding an Excel error value is shown red."""
    top_left = rng.split(":")[0]
    _rule(ws, rng, f"ISERROR({top_left})", RED_DXF)


@lru_cache(maxsize=None)
def font(size=12, bold=False, italic=False, color=None):
    """The workbook's font (one object per look: styles are compared, never changed in place)."""
    return Font(name=spec.sheets()["font"], size=size, bold=bold, italic=italic, color=color)


PAGE_MARGINS = dict(left=0.5, right=0.5, top=0.6, bottom=0.75, header=HEADER_FOOTER_DISTANCE,
                    footer=HEADER_FOOTER_DISTANCE)  # inches
FOOTER = "Trang &P / &N"  # whole inside the bottom margin, in Excel and LibreOffice


def page_footer(ws) -> None:
    """Margins leaving the page number room below the page's content, and the page number."""
    for side, inches in PAGE_MARGINS.items():
        setattr(ws.page_margins, side, inches)
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.font = "Times New Roman"


def print_setup(ws, header_rows: str | None, last_col: str | None):
    """A4 landscape, one page wide, page numbers; ``last_col`` None (an input sheet): no print
    area, so that every row typed prints and no empty one does."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = header_rows
    page_footer(ws)
    if last_col:
        ws.print_area = f"A1:{last_col}{max(ws.max_row, 2)}"


def protect(ws, allow_rows=False):
    p = ws.protection
    p.sheet = True
    p.formatColumns = False
    p.formatRows = False
    p.formatCells = False
    if allow_rows:
        p.insertRows = False
        p.deleteRows = False
    p.autoFilter = False
    p.sort = False
