"""Numbers typed as text, read by formulas of Excel 2010's function set, on the hidden sheet ``_so``.

``NUMBERVALUE`` (Excel 2013+, written ``_xlfn.NUMBERVALUE``) shows ``#NAME?`` in Excel 2010 and
WPS; ``VALUE`` depends on the machine's regional settings (a Vietnamese Windows reads "1,5" as
1,5, an English one refuses it). So every numeric input cell the checks look at gets four hidden
cells on the sheet ``_so`` (one row each), reading it by the rule ``schemas/checks.json``
declares (``number_text``) — the rule :func:`cchc_xl.normalize.parse_number` follows in Python.
Column A is left empty (B and E name the cell they read: fewer cells, the department's server
counts them); then

B  the text with every declared space removed (SUBSTITUTE), "" for a blank cell, "#" for a
   value that is no text (a number, an error, TRUE);
C  B without one trailing "%" and one leading sign;
D  the decimal mark: "," or ".", "" (none: digits and thousands marks only) or "x" (no number);
E  the number: the cell's own number, or the digits of C (``VALUE`` of a string of digits does
   not depend on the regional settings) divided by 10 to the power of the digits after the mark;
   "" when the cell holds no number; the cell's Excel error, when it holds one.

The checks use ``E`` where they used the cell's number (:func:`.numbers.value_of`) and ``B=""``
for a blank cell (:func:`.numbers.blank`). A workbook is written inside :func:`reading`; a
reference without a sheet is on the sheet last named by :func:`on_sheet`.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from cchc_xl import spec

_ABSOLUTE_ROW = re.compile(r"\$\d+$")
GROUPS = 12  # thousands groups a number may have (999 999 999 999 999 999 999 999 999 999 999 999)


def rule() -> dict:
    from cchc_xl.check import declarations

    return declarations()["number_text"]


def cleaned(x: str) -> str:
    """Formula B (see the module's docstring) of the cell ``x`` (a reference with its sheet)."""
    from cchc_xl.check.formula import no_spaces

    text = no_spaces(x)
    return f"IF(ISTEXT({x}),{text},IF(ISBLANK({x}),\"\",\"#\"))"


def bare(a: str) -> str:
    """Formula C: B (a cell) without one trailing % and one leading sign."""
    t = f"IF(RIGHT({a})=\"%\",LEFT({a},LEN({a})-1),{a})"
    return f"IF(OR(LEFT({t})=\"+\",LEFT({t})=\"-\"),MID({t},2,{rule()['max_length'] + 2}),{t})"


def _count(b: str, ch: str) -> str:
    return f"(LEN({b})-LEN(SUBSTITUTE({b},\"{ch}\",\"\")))"


def _grouped(b: str, sep: str) -> str:
    """Every mark ``sep`` of C separates a group of three digits (1,234,567)."""
    n = _count(b, sep)
    p = f"FIND(\"{sep}\",{b})"
    steps = ",".join(str(4 * k) for k in range(1, GROUPS + 1))
    return f"AND(LEN({b})-{p}=4*{n}-1,SUMPRODUCT(--(MID({b},{p}+{{{steps}}},1)=\"{sep}\"))={n}-1)"


def mark(b: str, whole: bool) -> str:
    """Formula D: the decimal mark of C (a cell), "" for none, "x" when B is no number."""
    nc, nd = _count(b, ","), _count(b, ".")
    digits = b
    for ch in "0123456789":
        digits = f"SUBSTITUTE({digits},\"{ch}\",\"\")"
    only = f"SUBSTITUTE(SUBSTITUTE({digits},\".\",\"\"),\",\",\"\")"  # what is no digit nor mark
    has_digit = f"LEN({digits})<LEN({b})"
    ok = f"AND(LEN({b})<={rule()['max_length']},{only}=\"\",{has_digit})"
    last_dot = f"FIND(\"|\",SUBSTITUTE({b},\".\",\"|\",{nd}))"
    last_comma = f"FIND(\"|\",SUBSTITUTE({b},\",\",\"|\",{nc}))"
    both = (f"IF(AND({nc}=1,FIND(\",\",{b})>{last_dot}),\",\","
            f"IF(AND({nd}=1,FIND(\".\",{b})>{last_comma}),\".\",\"x\"))")
    commas = f"IF({nc}=1,\",\",IF({_grouped(b, ',')},\"\",\"x\"))"
    if whole:  # a count: "1.216" is 1216 (and said ambiguous); "0.500", ".500", "12.5" are decimals
        before = f"LEFT({b},FIND(\".\",{b})-1)"
        one_dot = (f"IF(AND(LEN({b})-FIND(\".\",{b})=3,{before}<>\"\",{before}<>\"0\"),\"\",\".\")")
    else:
        one_dot = "\".\""
    dots = f"IF({nd}=1,{one_dot},IF({_grouped(b, '.')},\"\",\"x\"))"
    return (f"IF(NOT({ok}),\"x\",IF(AND({nc}>0,{nd}>0),{both},"
            f"IF({nc}>0,{commas},IF({nd}>0,{dots},\"\"))))")


def value(x: str, a: str, b: str, c: str) -> str:
    """Formula E: the number of cell ``x`` from its helper cells B, C, D (``a``, ``b``, ``c``)."""
    digits = f"SUBSTITUTE(SUBSTITUTE({b},\".\",\"\"),\",\",\"\")"
    number = (f"IF(LEFT({a})=\"-\",-1,1)*VALUE(\"0\"&{digits})"
              f"/10^IF({c}=\"\",0,LEN({b})-FIND({c},{b}))")
    return f"IF(ISNUMBER({x}),{x},IF(ISTEXT({x}),IF({c}=\"x\",\"\",{number}),IF(ISERROR({x}),{x},\"\")))"


_X, _R = "\x01", "\x02"  # the cell read and the row of _so, in the formulas built once


@lru_cache(maxsize=None)
def _row_formulas(whole: bool) -> tuple[str, str, str, str]:
    """Formulas B…E of a row of ``_so`` with ``_X`` for the cell read and ``_R`` for the row."""
    b, c, d = f"B{_R}", f"C{_R}", f"D{_R}"
    return ("=" + cleaned(_X), "=" + bare(b), "=" + mark(c, whole), "=" + value(_X, b, c, d))


class NumberSheet:
    """The cells of ``_so`` given out so far: (sheet, cell, whole) → row."""

    def __init__(self, wb):
        self.wb = wb
        self.title = spec.sheets()["numbers_sheet"]
        self.rows: dict[tuple[str, str, bool], int] = {}
        self.sheet: str | None = None
        self._blocks: dict[tuple, int] = {}

    def key(self, ref: str, whole: bool) -> tuple[str, str, bool]:
        if "!" in ref:
            sheet, cell = ref.rsplit("!", 1)
            sheet = sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet
        else:
            if self.sheet is None:
                raise RuntimeError(f"{ref}: no sheet given (numbers.on_sheet)")
            sheet, cell = self.sheet, ref
        return sheet, cell.replace("$", "").upper(), whole

    def at(self, ref: str, whole: bool, column: str) -> str:
        """The cell of ``_so`` reading ``ref``; with a relative row when ``ref``'s row is relative
        (a conditional format over a range reads, row by row, the block :meth:`block` gave out)."""
        from openpyxl.utils import quote_sheetname

        key = self.key(ref, whole)
        row = self.rows.setdefault(key, len(self.rows) + 2)
        absolute = "$" if _ABSOLUTE_ROW.search(ref) else ""
        return f"{quote_sheetname(self.title)}!${column}{absolute}{row}"

    def block(self, refs: list[str], whole: bool) -> int:
        """Rows for these cells one after another (those not given out yet); the first row."""
        memo = (self.sheet, tuple(refs), whole)  # the same block asked for again (one per area row)
        if memo in self._blocks:
            return self._blocks[memo]
        self._blocks[memo] = first = self._block(refs, whole)
        return first

    def _block(self, refs: list[str], whole: bool) -> int:
        keys = [self.key(ref, whole) for ref in refs]
        if all(k in self.rows for k in keys):
            rows = [self.rows[k] for k in keys]
            if rows == list(range(rows[0], rows[0] + len(rows))):
                return rows[0]
        first = len(self.rows) + 2
        fresh = not any(k in self.rows for k in keys)
        for i, k in enumerate(keys):  # a cell given out before is read again in its new row
            self.rows[k if fresh else (*k, "block", first)] = first + i
        return first

    def write(self) -> None:
        from openpyxl.utils import quote_sheetname
        from openpyxl.utils.cell import coordinate_from_string

        ws = self.wb.create_sheet(self.title)
        ws.sheet_state = "hidden"
        for col, head in zip("ABCDE", ("Ô đọc: trong công thức cột B", "Bỏ khoảng trắng", "Bỏ % và dấu", "Dấu thập phân", "Số đọc được")):
            ws[f"{col}1"] = head
        for (sheet, cell, whole, *_), r in self.rows.items():
            col, row = coordinate_from_string(cell)
            x = f"{quote_sheetname(sheet)}!${col}${row}"
            for col_index, text in enumerate(_row_formulas(whole), start=2):  # B…E
                ws.cell(row=r, column=col_index, value=text.replace(_X, x).replace(_R, str(r)))
        ws.protection.sheet = True


_active: ContextVar[NumberSheet | None] = ContextVar("number_sheet", default=None)


@contextmanager
def reading(wb):
    """Give out ``_so`` cells while the checks of ``wb`` are written; write the sheet at the end."""
    sheet = NumberSheet(wb)
    token = _active.set(sheet)
    try:
        yield sheet
    finally:
        _active.reset(token)
    if sheet.rows:
        sheet.write()


def on_sheet(title: str) -> None:
    """References without a sheet name are on ``title`` from now on."""
    active = _active.get()
    if active is not None:
        active.sheet = title


def title() -> str:
    return spec.sheets()["numbers_sheet"]


def block(refs: list[str], whole: bool, column: str) -> int:
    """The first of consecutive rows of ``_so`` reading these cells (for a SUMPRODUCT over them)."""
    active = _active.get()
    if active is None:
        raise RuntimeError("a number check written outside number_sheet.reading(wb)")
    return active.block(refs, whole)


def column(sheet: str, letter: str, first: int, last: int, whole: bool) -> None:
    """Consecutive rows of ``_so`` reading rows ``first``…``last`` of column ``letter`` of ``sheet``, given out
    before any single cell of them: a conditional format over that range, anchored at its first
    row with a relative row (``$D17``), then reads each row's own number."""
    active = _active.get()
    if active is None:
        raise RuntimeError("a number check written outside number_sheet.reading(wb)")
    refs = [f"{_quoted(sheet)}!${letter}{r}" for r in range(first, last + 1)]
    top = active.block(refs, whole)
    if [active.rows.get(active.key(ref, whole)) for ref in refs] != list(range(top, top + len(refs))):
        raise RuntimeError(f"{sheet}!{letter}{first}:{letter}{last}: read on _so before its block was given out")


def _quoted(sheet: str) -> str:
    from openpyxl.utils import quote_sheetname

    return quote_sheetname(sheet)


def cell(ref: str, whole: bool, column: str) -> str:
    active = _active.get()
    if active is None:
        raise RuntimeError("a number check written outside number_sheet.reading(wb)")
    return active.at(ref, whole, column)
