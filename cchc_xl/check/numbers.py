"""Numbers: a value is a number (typed as text it is read, and said), within its range, whole.

Decided once for every engine: a number typed as text ("1,5", "38", "90,63%") is read and is a
*warning* (yellow), never an error; the range and whole-number checks apply to the number read.
A percentage typed as a fraction (0,9063) is read as 90,63 % and is a warning. Text that is no
number is an error (red).

Kinds and the issue codes they emit: ``number`` → invalid_type, number_as_text,
ambiguous_number (the reader's), percent_fraction; ``range`` → out_of_range; ``whole`` → not_whole.
"""

from __future__ import annotations

import math

from cchc_xl.check import bounds, number_sheet
from cchc_xl.numtext import format_number


def expected(kind: str) -> str:
    """What a value of a numeric kind must be, for the message of invalid_type ("một số nguyên",
    "một tỷ lệ phần trăm từ 0 đến 100"), its bounds and wholeness as schemas/checks.json declares."""
    low, high, whole = bounds(kind)
    if kind == "percent":
        return f"một tỷ lệ phần trăm từ {format_number(low or 0)} đến {format_number(high)}" if high is not None \
            else "một tỷ lệ phần trăm"
    return "một số nguyên" if whole else "một số"


# ---- Python evaluators ----------------------------------------------------------------------

def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_DECLARED = object()


def value_issues(kind: str, value, *, subject: str, low=_DECLARED, high=_DECLARED, high_words: str | None = None,
                 unit: str = "") -> list[tuple[str, dict]]:
    """The issues (code, template values) of a number read from a cell of a numeric kind
    (``count``, ``number``, ``percent``, ``score``, ``integer``); at most one error per value,
    the same one the formula of :func:`error_condition` counts. ``low`` and ``high`` default to
    the bounds schemas/checks.json declares for the kind (None: no bound)."""
    if value is None:
        return []
    declared = bounds(kind)
    low = declared.low if low is _DECLARED else low
    high = declared.high if high is _DECLARED else high
    if not is_number(value):
        return [("invalid_type", {"field_title": subject, "value": value, "expected": expected(kind)})]
    if isinstance(value, float) and not math.isfinite(value):
        format_number(value)  # raises, as it always did for NaN and infinity (the message is written lazily below)
    if low is not None and value < low - 1e-9:
        bound = "không được âm" if low == 0 else f"nhỏ hơn {format_number(low)}"
        return [("out_of_range", {"field_title": subject, "value": format_number(value) + unit, "bound": bound})]
    if high is not None and value > high + 1e-9:
        return [("out_of_range", {"field_title": subject, "value": format_number(value) + unit,
                                  "bound": high_words or f"lớn hơn {format_number(high)}{unit}"})]
    if declared.whole and not float(value).is_integer():
        return [("not_whole", {"field_title": subject, "value": format_number(value) + unit})]
    return []


# ---- Excel-formula emitters -----------------------------------------------------------------

def value_of(ref: str, kind: str) -> str:
    """The number a cell holds, also when typed as text, read as the reader reads it
    (``number_text`` of schemas/checks.json; a count reads "1.216" as 1216): a cell of the hidden
    sheet ``_so`` (:mod:`.number_sheet`) — the number, "" when the cell holds none, or the cell's
    Excel error. Excel 2010's functions only, whatever the computer's regional settings."""
    return number_sheet.cell(ref, bounds(kind).whole, "E")


def blank(ref: str, kind: str) -> str:
    """TRUE when the cell is empty or holds only spaces (which the reader reads as empty)."""
    return f"{number_sheet.cell(ref, bounds(kind).whole, 'B')}=\"\""


def number_or(ref: str, kind: str, default: str) -> str:
    """The cell's number, or ``default`` when it is empty or holds no number."""
    v = value_of(ref, kind)
    return f"IF(ISNUMBER({v}),{v},{default})"


def formula_bound(b) -> str | None:
    """A declared bound as formula text (100 → "100", 0.5 → "0.5")."""
    if b is None:
        return None
    return str(int(b)) if float(b).is_integer() else repr(float(b))


def error_condition(ref: str, kind: str, low: str | None = _DECLARED, high: str | None = _DECLARED) -> str:
    """TRUE when the cell is filled but holds no number, or a number out of [low, high] or not
    whole for a whole kind (a count); an Excel error value in the cell makes the condition an
    error (counted). ``low`` and ``high`` (formula text) default to the bounds schemas/checks.json
    declares for the kind (None: no bound)."""
    declared = bounds(kind)
    low = formula_bound(declared.low) if low is _DECLARED else low
    high = formula_bound(declared.high) if high is _DECLARED else high
    v = value_of(ref, kind)
    bad = []
    if low is not None:
        bad.append(f"{v}<{low}")
    if high is not None:
        bad.append(f"{v}>{high}")
    if declared.whole:
        bad.append(f"INT({v})<>{v}")
    wrong = f"OR({','.join(bad)})" if bad else "FALSE"
    return f"IF({blank(ref, kind)},FALSE,IF(ISNUMBER({v}),{wrong},TRUE))"


def warning_condition(ref: str, kind: str) -> str:
    """TRUE when the cell holds a number typed as text, or (a percentage) a fraction 0 < x ≤ 1."""
    cond = f"AND(ISTEXT({ref}),ISNUMBER({value_of(ref, kind)}))"
    if kind == "percent":
        cond = f"OR({cond},AND(ISNUMBER({ref}),{ref}>0,{ref}<=1,INT({ref})<>{ref}))"
    return cond
