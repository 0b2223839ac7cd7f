"""The one style source of every sheet written, whatever the engine: fonts, palette, number
formats, printed page.

Plain constants only (no library imported): the Excel buttons import this module.
"""

from __future__ import annotations

FONT_NAME = "Times New Roman"  # Liberation Serif (LibreOffice) has the same metrics
BODY_SIZE = 12  # appendices (printed forms)
TITLE_SIZE = 13
TABLE_BODY_SIZE = 11  # the consolidated tables
TABLE_TITLE_SIZE = 14
MAX_ROW_HEIGHT = 409.0  # Excel's limit for one row, in points

# ---- palette (RGB hex, no "#") -----------------------------------------------------------------
HEADER_FILL = "DDEBF7"
ERROR_FILL = "FFC7CE"  # rows holding a value with an error (left out of the province figures)
ROW_FILLS = {"group": "F2F2F2", "total": "DDEBF7", "missing": "FCE4D6", "error": ERROR_FILL, "header": HEADER_FILL}
TABLE_BORDER = "808080"  # thin rules of the consolidated tables
FORM_BORDER = "000000"  # thin rules of the printed forms
CHART_FILL = "4472C4"

# ---- number formats: per column kind, (whole numbers, numbers with a fraction) ----------------
# The file and the live workbook use these same formats ("#,##0.###" would print "12." for a
# whole number in Excel, hence a separate format for whole numbers).
NUMBER_FORMATS = {
    "int": ("#,##0", "#,##0.0##"),
    "number": ("#,##0", "#,##0.0##"),
    "score": ("0", "0.0##"),
    "rate": ("0%", "0.0%"),
    "rate2": ("0%", "0.00%"),
}
DEFAULT_NUMBER_FORMATS = ("#,##0", "#,##0.0##")
DATE_FORMAT = "dd/mm/yyyy"

# ---- the printed page: A4, fit to one page wide ------------------------------------------------
PAPER_A4 = 9  # Excel's paper size code
FOOTER = "Trang &P / &N"
FORM_MARGINS = (0.5, 0.4, 0.55, 0.75)  # inches: left, right, top, bottom (appendices)
TABLE_MARGINS = (0.4, 0.4, 0.6, 0.75)  # the consolidated tables
# inches from the paper's edge to the header and the footer: the page number (about 0.2") lies whole
# inside every bottom margin above (LibreOffice cuts a footer that does not fit in the margin)
HEADER_FOOTER_DISTANCE = 0.3
