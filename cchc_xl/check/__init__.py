"""The checks of an agency report, each kind declared once and implemented twice, side by side.

A kind of check (required, number, range, whole number, allowed values, date, relation between
cells, date order, unique, coverage) is a small unit in one module per family. Each kind has a
Python evaluator (used by :mod:`cchc_xl.check.validate`, hence by ``cchc-xl validate``, the annotated
copy, the Kiểm tra button and the consolidation) and an Excel-formula emitter (used by
:mod:`cchc_xl.workbook` for the red and yellow cells and the "Còn N lỗi" status cell), so the
live workbook and ``validate`` give one verdict. Which kinds apply to a field comes from
``schemas/checks.json`` (field type → kinds; the bounds and wholeness of a numeric type, read
by :func:`bounds` for both engines) and ``schemas/sheets.json`` (``required``); the issue codes
each kind emits and their wording are in ``schemas/issues.json``.

Families (module → kinds → issue codes):

- :mod:`.formula`   the shared formula vocabulary (a check counted 0/1, a conditional format)
- :mod:`.numbers`   number, range, whole → invalid_type, out_of_range, not_whole,
                    number_as_text, ambiguous_number, percent_fraction (warnings)
- :mod:`.choices`   allowed values → invalid_value
- :mod:`.dates`     date → invalid_date
- :mod:`.presence`  required → required, recommended, deduction_score_missing (warnings)
- :mod:`.areas`     a blank area score computed from the deductions → area_score_computed (warning)
- :mod:`.relations` relation between cells (rules.json), date order, unique, coverage,
                    max-score agreement → rule, report_date_before_period, duplicate_deduction,
                    uncovered_deduction, max_score_mismatch
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from cchc_xl import spec


@lru_cache(maxsize=1)
def declarations() -> dict:
    """``schemas/checks.json``: the kinds, the kinds of each field type, what only the full check sees."""
    return spec.load("checks")


def kinds_of(field_type: str) -> list[dict]:
    """The checks a value of a declared type gets (``"count"`` → number, range ≥ 0, whole)."""
    return declarations()["types"].get(field_type, [])


class Bounds(NamedTuple):
    low: float | None
    high: float | None
    whole: bool


@lru_cache(maxsize=256)  # from declarations(), read once per process (perf: asked for every number)
def bounds(field_type: str) -> Bounds:
    """What ``schemas/checks.json`` declares of a numeric type: its lowest and highest value
    (None where the type declares none, or a bound of its own such as "field max") and whether
    it must be whole — ``"percent"`` → (0, 100, False), ``"count"`` → (0, None, True). The one
    source of the bounds for the Excel formulas (:mod:`cchc_xl.workbook`) and the Python verdict
    (:mod:`cchc_xl.check.validate`, :mod:`.numbers`)."""
    low = high = None
    whole = False
    for check in kinds_of(field_type):
        if check["kind"] == "range":
            low, high = (b if _is_bound(b) else None for b in (check.get("min"), check.get("max")))
        elif check["kind"] == "whole":
            whole = True
    return Bounds(low, high, whole)


def _is_bound(b) -> bool:
    return isinstance(b, (int, float)) and not isinstance(b, bool)
