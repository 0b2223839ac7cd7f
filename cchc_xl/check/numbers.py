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
from cchc_xl.check.kind import UNSET, Field, Kind
from cchc_xl.numtext import format_number
from cchc_xl.spec import checks as checks_spec


def expected(kind: str) -> str:
    """What a value of a numeric kind must be, for the message of invalid_type ("một số nguyên",
    "một tỷ lệ phần trăm từ 0 đến 100"), its bounds and wholeness as schemas/checks.json declares."""
    low, high, whole = bounds(kind)
    if checks_spec.unit(kind) == "%":
        return f"một tỷ lệ phần trăm từ {format_number(low or 0)} đến {format_number(high)}" if high is not None \
            else "một tỷ lệ phần trăm"
    return "một số nguyên" if whole else "một số"


# ---- Python evaluators ----------------------------------------------------------------------

def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _bounds(params: dict, field: Field) -> tuple:
    """The bounds a range check applies: the cell's own, else the declared ones."""
    low, high = (checks_spec.bound_of(params.get(k), field.decl) for k in ("min", "max"))
    return (low if field.low is UNSET else field.low), (high if field.high is UNSET else field.high)


def _is_number(value, params, field: Field):
    if not is_number(value):
        return "invalid_type", {"field_title": field.subject, "value": value, "expected": expected(field.type)}
    return None


def _in_range(value, params, field: Field):
    low, high = _bounds(params, field)
    if isinstance(value, float) and not math.isfinite(value):
        format_number(value)  # raises, as it always did for NaN and infinity
    if low is not None and value < low - 1e-9:
        bound = "không được âm" if low == 0 else f"nhỏ hơn {format_number(low)}"
        return "out_of_range", {"field_title": field.subject, "value": format_number(value) + field.unit,
                                "bound": bound}
    if high is not None and value > high + 1e-9:  # the number is written only for a message (perf)
        return "out_of_range", {"field_title": field.subject, "value": format_number(value) + field.unit,
                                "bound": field.high_words or f"lớn hơn {format_number(high)}{field.unit}"}
    return None


def _is_whole(value, params, field: Field):
    if not float(value).is_integer():
        return "not_whole", {"field_title": field.subject, "value": format_number(value) + field.unit}
    return None


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


def _number_condition(ref: str, params, field: Field, terms: list[str]) -> str:
    """The guard: an empty cell is right, a cell holding no number is wrong, and a number is
    judged by the terms of the kinds after this one (range, whole)."""
    v = value_of(ref, field.type)
    wrong = f"OR({','.join(terms)})" if terms else "FALSE"
    return f"IF({blank(ref, field.type)},FALSE,IF(ISNUMBER({v}),{wrong},TRUE))"


def _range_terms(ref: str, params: dict, field: Field) -> list[str]:
    low, high = (checks_spec.bound_of(params.get(k), field.decl) for k in ("min", "max"))
    low = formula_bound(low) if field.low is UNSET else field.low
    high = formula_bound(high) if field.high is UNSET else field.high
    v = value_of(ref, field.type)
    return ([f"{v}<{low}"] if low is not None else []) + ([f"{v}>{high}"] if high is not None else [])


def _whole_terms(ref: str, params: dict, field: Field) -> list[str]:
    v = value_of(ref, field.type)
    return [f"INT({v})<>{v}"]


def warning_condition(ref: str, kind: str) -> str:
    """TRUE when the cell holds a number typed as text, or (a percentage) a fraction 0 < x ≤ 1."""
    cond = f"AND(ISTEXT({ref}),ISNUMBER({value_of(ref, kind)}))"
    if checks_spec.unit(kind) == "%":
        cond = f"OR({cond},AND(ISNUMBER({ref}),{ref}>0,{ref}<=1,INT({ref})<>{ref}))"
    return cond


def _warning(ref: str, params, field: Field) -> str:
    return warning_condition(ref, field.type)


KINDS = {
    "number": Kind(_is_number, _number_condition, guard=True, warning=_warning),
    "range": Kind(_in_range, _range_terms),
    "whole": Kind(_is_whole, _whole_terms),
}
