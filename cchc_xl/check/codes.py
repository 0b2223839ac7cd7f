"""Rows of the Phụ lục III and Phụ lục I tables (``Thống kê``, ``Tuyên truyền``) whose data the
reader cannot use: a row with a value or a note but no code (``missing_code``: typically a row
added below the table), and a second row with data for a code that already has some
(``duplicate_code``). Both are errors in ``validate`` (the reader's), and here counted and painted
red at the code cell in the workbook, by the same rule:

- a row "has data" when its value or note is not empty (a cell holding only spaces counts as data
  here, not in the reader: the one case the two may differ, a row typed as spaces only);
- the first row with data of a code is used; every later row with data of that code is a duplicate.

The formulas look at the table and ``EXTRA_ROWS`` rows below it; data further down (rows the
reader still reads) cannot be counted cheaply: the status then says "Cần bấm Kiểm tra".
"""

from __future__ import annotations

from cchc_xl.files.area import MAX_ROWS

EXTRA_ROWS = 200  # rows below a table where rows added by hand are counted by the formulas
FAR_ROWS = MAX_ROWS  # the reader reads this far


def _has_data(value: str, note: str) -> str:
    """The row's value or note is not empty (an Excel error value there is data too, as the reader
    counts it; ISBLANK never propagates an error, also over a range inside SUMPRODUCT)."""
    return f"(ISBLANK({value})+ISBLANK({note})<2)"


def missing_condition(code: str, value: str, note: str) -> str:
    """TRUE when the row of these cells has data but no code (one row; relative references)."""
    return f"AND(ISBLANK({code}),{_has_data(value, note)})"


def duplicate_condition(code: str, value: str, note: str, codes_above: str, values_above: str,
                        notes_above: str) -> str:
    """TRUE when the row has data and a code that an earlier row with data already has."""
    earlier = f"COUNTIFS({codes_above},{code},{values_above},\"<>\")+COUNTIFS({codes_above},{code},{notes_above},\"<>\")"
    return f"AND(NOT(ISBLANK({code})),{_has_data(value, note)},{earlier}>0)"


def counts(sheet: str, first: int, last: int, cols: str = "ADE") -> tuple[str, str, str]:
    """Formulas counting, over rows ``first``…``last`` of ``sheet``: rows with data but no code;
    later rows with data of a code; anything typed below ``last`` (which only the full check reads)."""
    from openpyxl.utils import quote_sheetname  # the writer's: the checks of a read workbook never load openpyxl

    a, d, e = cols
    q = quote_sheetname(sheet)
    rng = {c: f"{q}!${c}${first}:${c}${last}" for c in cols}
    data = _has_data(rng[d], rng[e])
    missing = f"SUMPRODUCT(ISBLANK({rng[a]})*{data})"
    # rows with data of the code (value or note: inclusion–exclusion), each row's share 1/n
    n = (f"(COUNTIFS({rng[a]},{rng[a]},{rng[d]},\"<>\")+COUNTIFS({rng[a]},{rng[a]},{rng[e]},\"<>\")"
         f"-COUNTIFS({rng[a]},{rng[a]},{rng[d]},\"<>\",{rng[e]},\"<>\"))")
    dup = f"ROUND(SUMPRODUCT((1-ISBLANK({rng[a]}))*{data}*(1-1/({n}+({n}=0)))),0)"
    far = f"COUNTA({q}!$A${last + 1}:${e}${FAR_ROWS})"
    return missing, dup, far


def paint(ws, first: int, last: int, red) -> None:
    """Red at the code cell of a row without a code, or of a duplicate (one rule per kind)."""
    r = first
    cond_missing = missing_condition(f"$A{r}", f"$D{r}", f"$E{r}")
    cond_dup = duplicate_condition(f"$A{r}", f"$D{r}", f"$E{r}", f"$A${first - 1}:$A{r - 1}",
                                   f"$D${first - 1}:$D{r - 1}", f"$E${first - 1}:$E{r - 1}")
    red(ws, f"A{first}:A{last}", f"OR({cond_missing},{cond_dup})")
