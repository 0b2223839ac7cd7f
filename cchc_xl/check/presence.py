"""Required: what an agency must give for its report to be usable, declared in
``schemas/sheets.json`` (``"required": true`` on a field or a table column; on a table column it
applies to every row a user started). ``"required": "warning"`` declares what the accepted real
reports leave out — a deduction's score, a remediation's solution: a warning (yellow), not an
error. A blank area score is computed from the deductions (:mod:`.areas`). A row that cannot be
used is an error at its cell, never silently dropped.

Kind ``required`` → issue code required.
"""

from __future__ import annotations

from cchc_xl.check import formula
from cchc_xl.check.kind import Field, Kind


def missing(value) -> bool:
    """Python evaluator: nothing usable was given."""
    return value is None or (isinstance(value, str) and not value.strip())


def error_condition(ref: str, when: str | None = None) -> str:
    """TRUE when the cell is empty (and, for a table row, ``when`` — the row was started)."""
    empty = formula.blank(ref)  # only spaces (pasted, Alt+Enter) is empty too, as the reader reads it
    return f"AND({empty},{when})" if when else empty


def _given(value, params: dict, field: Field):
    return ("required", {"field_title": field.subject}) if missing(value) else None


def _required_terms(ref: str, params: dict, field: Field) -> list[str]:
    return [error_condition(ref, field.when)]


KINDS = {"required": Kind(_given, _required_terms)}
