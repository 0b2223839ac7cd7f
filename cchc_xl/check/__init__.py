"""The checks of an agency report, each kind declared once and implemented twice, side by side.

A kind of check (required, number, range, whole number, allowed values, date, relation between
cells, date order, unique, coverage) is a small unit in one module per family. Each kind has a
Python evaluator (used by :mod:`cchc_xl.check.validate`, hence by ``cchc-xl validate``, the annotated
copy, the Kiểm tra button and the consolidation) and an Excel-formula emitter (used by
:mod:`cchc_xl.workbook` for the red and yellow cells and the "Còn N lỗi" status cell), so the
live workbook and ``validate`` give one verdict. Which kinds apply to a field comes from
``schemas/checks.json`` (field type → kinds; the bounds and wholeness of a numeric type, read
by :func:`bounds` for both engines) and ``schemas/sheets.json`` (``required``); the issue codes
each kind emits and their wording are in ``schemas/issues.json``. Each family module lists the
kinds it implements in ``KINDS`` (the interface of :mod:`.kind`); :mod:`.register` joins them
to the declaration and is what the callers ask (``checks_for``, ``evaluate``, ``condition``).

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

from cchc_xl.spec.checks import Bounds, bounds, declarations  # noqa: F401 (the declaration, read once)
