"""The sheet model: what a written sheet holds, as plain data, for every renderer.

Renderers: ``sheets.xlsx`` (openpyxl and worksheet XML), ``sheets.live`` (an open workbook,
xlwings); a Word or HTML renderer reads the same structures.

``SheetModel`` is a printable sheet laid out cell by cell (the official appendices):

- ``title`` (the sheet name), ``columns`` (widths in Excel character units),
- ``rows``: ``RowModel`` (``cells``, one per column, ``None`` where a merge covers the position;
  ``height`` in points; ``kind``: "title", "subtitle", "ref", "spacer", "header", "numbers",
  "data", "total", "continuation", …),
- cells: ``CellModel`` (``value`` as printed, ``bold``/``italic``/``size``, ``align``/``valign``,
  ``wrap``, ``border`` sides "ltrb", ``merge_across``/``merge_down`` from the anchor,
  ``number_format``, ``bold_chars``),
- print settings: ``header_rows`` repeated on every page, ``freeze_row``, ``landscape``,
  ``footer``, ``margins``; always A4, one page wide (``sheets.style``).

``SheetTable`` is a table-shaped sheet (the consolidation): a title, a subtitle and notes above
one header row, ``columns`` (``Column``: title, width, kind of value — text, long, int, number,
score, rate, rate2, date, center), body ``rows`` of plain Python values, an optional ``total``
row, per-row ``row_kinds`` ("group", "missing", "error"), an optional bar ``Chart`` and whether
the body is an Excel table with filter buttons. ``SheetTable.model()`` gives the same sheet as a
``SheetModel`` (for renderers that know only cells).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cchc_xl.sheets.style import (
    BODY_SIZE,
    DATE_FORMAT,
    DEFAULT_NUMBER_FORMATS,
    FONT_NAME,
    FOOTER,
    FORM_MARGINS,
    NUMBER_FORMATS,
    ROW_FILLS,
    TABLE_BODY_SIZE,
    TABLE_MARGINS,
    TABLE_TITLE_SIZE,
)

BORDER_ALL = "ltrb"


@dataclass
class CellModel:
    """One cell. ``value`` is what is printed (text, or a plain number for counts).

    ``border`` names the sides drawn: any of "l", "t", "r", "b" ("" for none). A merged cell
    (``merge_across`` columns × ``merge_down`` rows) is the anchor of its range; the positions it
    covers hold ``None`` in their rows. ``bold_chars`` makes the first N characters bold (the
    rest follows ``bold``), as in "**Tiêu chí 1: …:** Đoàn thẩm định …" of the templates.
    ``size`` None means the sheet's ``font_size``.
    """

    value: str | int | float | None = None
    bold: bool = False
    italic: bool = False
    align: str = "left"  # left | center | right
    valign: str = "top"  # top | center | bottom
    wrap: bool = True
    border: str = BORDER_ALL
    merge_across: int = 1
    merge_down: int = 1
    number_format: str | None = None
    size: float | None = None
    bold_chars: int = 0
    fill: str | None = None  # background colour (RGB hex, ``sheets.style`` palette); None: none


@dataclass
class RowModel:
    """One row: exactly one entry per column (``None`` where a merge covers the position).

    ``height`` is in points (None: let the renderer decide). ``kind`` says what the row is
    ("title", "subtitle", "ref", "spacer", "header", "numbers", "area", "criterion", "item",
    "group", "data", "agency", "total", "continuation") and ``code`` which criterion, indicator
    or agency it is about; renderers may ignore both.
    """

    cells: list[CellModel | None]
    height: float | None = None
    kind: str = "data"
    code: str | None = None
    fitted: bool = False  # the height was estimated by fit_heights (and may be estimated again)


@dataclass
class SheetModel:
    """A printable sheet. ``columns`` are widths in Excel character units.

    ``header_rows`` = (first, last), 1-based, the rows repeated at the top of every printed page
    (the table header and the row of column numbers); ``freeze_row`` is the first row that
    scrolls. Printing: A4, ``landscape``, fit to one page wide and as many pages tall as needed,
    ``footer`` centred ("&P" page, "&N" pages), ``margins`` in inches (left, right, top, bottom).
    """

    key: str
    title: str
    columns: list[float]
    rows: list[RowModel] = field(default_factory=list)
    header_rows: tuple[int, int] | None = None
    freeze_row: int | None = None
    landscape: bool = True
    font_name: str = FONT_NAME
    font_size: float = BODY_SIZE
    footer: str = FOOTER
    margins: tuple[float, float, float, float] = FORM_MARGINS
    width_unit_pt: float = 0.0  # the column-width unit the row heights were fitted for (0: not yet)
    split_tall_rows: bool = True  # rows taller than a page allows become continuation rows (forms)

    @property
    def ncols(self) -> int:
        return len(self.columns)

    def texts(self) -> list[str]:
        """Every printed text, row by row (for tests and searches)."""
        return [str(c.value) for r in self.rows for c in r.cells if c is not None and c.value not in (None, "")]


# ---- table-shaped sheets -----------------------------------------------------------------------

@dataclass
class Column:
    title: str
    width: float = 14
    kind: str = "text"  # text | long | int | number | score | rate | date | center
    total: object = None  # value of the total row in this column


@dataclass
class Chart:
    title: str
    category_col: int  # 1-based column of the labels
    value_cols: list[int]  # 1-based columns of the series
    rows: int  # number of data rows charted (from the first data row)
    first: int = 0  # offset of the first charted data row
    stacked: bool = False
    y_title: str | None = None
    percent: bool = False


@dataclass
class SheetTable:
    """One output sheet as plain data (title, notes, header, rows), independent of any library."""

    key: str
    name: str
    title: str
    columns: list[Column]
    rows: list[list]
    subtitle: str | None = None
    notes: list[str] = field(default_factory=list)
    total: list | None = None  # a bold last row ("Toàn tỉnh")
    chart: Chart | None = None
    excel_table: bool = False  # an Excel table with filter buttons
    freeze_cols: int = 0
    row_kinds: list[str | None] | None = None  # per row: None | "group" | "missing" | "error"
    fit_width: bool = True

    @property
    def header(self) -> list[str]:
        return [col.title for col in self.columns]

    @property
    def header_row(self) -> int:
        """1-based row of the header in the laid-out sheet (title, subtitle, notes, blank)."""
        return 2 + (1 if self.subtitle else 0) + len(self.notes) + 1

    def grid(self) -> list[list]:
        """The sheet as rows of equal length, in layout order (for a live workbook)."""
        n = len(self.columns)

        def pad(row):
            return list(row) + [None] * (n - len(row))

        out = [pad([self.title])]
        if self.subtitle:
            out.append(pad([self.subtitle]))
        out += [pad([note]) for note in self.notes]
        out.append(pad([]))
        out.append(self.header)
        out += [pad(r) for r in self.rows]
        if self.total:
            out.append(pad(self.total))
        return out

    def model(self) -> SheetModel:
        """The same sheet as a ``SheetModel`` (title lines merged across, a bordered header and
        body, number formats and fills of ``sheets.style``): for renderers that know only cells.
        Values stay as they are (numbers are numbers), as in the workbook."""
        n = len(self.columns)
        m = SheetModel(self.key, self.name, [c.width for c in self.columns], header_rows=(self.header_row,) * 2,
                       freeze_row=self.header_row + 1, font_size=TABLE_BODY_SIZE, margins=TABLE_MARGINS,
                       split_tall_rows=False)

        def line(text, kind, **kw):
            m.rows.append(RowModel([CellModel(text, border="", merge_across=n, **kw)] + [None] * (n - 1), kind=kind))

        line(self.title, "title", bold=True, align="center", size=TABLE_TITLE_SIZE)
        if self.subtitle:
            line(self.subtitle, "subtitle", italic=True, align="center")
        for note in self.notes:
            line(note, "note")
        m.rows.append(RowModel([CellModel(border="") for _ in range(n)], kind="spacer"))
        m.rows.append(RowModel([CellModel(c.title, bold=True, align="center", valign="center", fill=ROW_FILLS["header"])
                                for c in self.columns], kind="header"))
        kinds = list(self.row_kinds or [])
        body = [(r, kinds[i] if i < len(kinds) else None) for i, r in enumerate(self.rows)]
        if self.total:
            body.append((self.total, "total"))
        for values, kind in body:
            cells = []
            for i, col in enumerate(self.columns):
                v = values[i] if i < len(values) else None
                cells.append(_table_cell(v, col.kind, kind))
            m.rows.append(RowModel(cells, kind=kind or "data"))
        return m


def _table_cell(v, col_kind: str, row_kind: str | None) -> CellModel:
    """One body cell of a table as the file shows it (``sheets.xlsx_tables``)."""
    import datetime as dt

    bold = row_kind in ("group", "total")
    fill = ROW_FILLS.get(row_kind) if row_kind else None
    if isinstance(v, bool):
        v = "Có" if v else "Không"
    if isinstance(v, (int, float)):
        whole, frac = NUMBER_FORMATS.get(col_kind, DEFAULT_NUMBER_FORMATS)
        if col_kind == "center":
            return CellModel(v, bold=bold, fill=fill, align="center", number_format="General")
        fmt = whole if float(v).is_integer() else frac
        return CellModel(v, bold=bold, fill=fill, align="right", wrap=False, number_format=fmt)
    if isinstance(v, (dt.date, dt.datetime)):
        return CellModel(v, bold=bold, fill=fill, align="center", number_format=DATE_FORMAT)
    return CellModel(v, bold=bold, fill=fill, align="center" if col_kind == "center" else "left")
