"""Allowed values: a level, a period, a status, a coded choice of an indicator.

Decided once for every engine: a value is accepted when it is, ignoring case and extra spaces,
one of the declared spellings of an item — its label, its key, a synonym declared in
``schemas/enums.json`` ("Đã khắc phục" for "Đã hoàn thành"), or any of these written without
diacritics. It is then read as that item (shown normalised in the annotated copy and the
appendices). Anything else is an error, in the workbook (red) as in ``validate``. The workbook
matches against a hidden list holding the same spellings (``_lists``).

Kind ``allowed`` → issue code invalid_value.
"""

from __future__ import annotations

from cchc_xl.check import formula, numbers
from cchc_xl.check.kind import Field, Kind


def accepted_name(list_name: str) -> str:
    """The hidden list of accepted spellings beside a dropdown list (``ds_tinh_trang`` →
    ``ds_tinh_trang_nhan``)."""
    return f"{list_name}_nhan"


def error_condition(ref: str, list_name: str, codes: list[int] | None = None) -> str:
    """TRUE when the cell is filled with none of the accepted spellings (nor, for a coded
    choice, one of its codes, typed as a number or as text)."""
    text = formula.clean_text(ref)
    # MATCH reads ~ * ? as wildcards: escaped, so "*" is no spelling of anything
    wanted = f"SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({text},\"~\",\"~~\"),\"*\",\"~*\"),\"?\",\"~?\")"
    cond = f"AND(NOT({formula.blank(ref)}),NOT(ISNUMBER(MATCH({wanted},{accepted_name(list_name)},0)))"
    if codes:  # a code typed as a number, or as text read as the reader reads a number (_so)
        listed = ",".join(str(c) for c in codes)
        cond += f",NOT(ISNUMBER(MATCH({numbers.value_of(ref, 'number')},{{{listed}}},0)))"
    return cond + ")"


def _allowed(value, params: dict, field: Field):
    """Python evaluator: the value read is one of the field's choices (its code, for a coded one)."""
    accepted = {c.get("value", c.get("key")) for c in field.choices}
    if value not in accepted or isinstance(value, bool):
        return "invalid_value", {"field_title": field.subject, "value": value,
                                 "allowed": "; ".join(f"{c['label']}" for c in field.choices)}
    return None


def _allowed_terms(ref: str, params: dict, field: Field) -> list[str]:
    codes = [c["value"] for c in field.choices] if params.get("codes") else None
    return [error_condition(ref, field.list_name, codes)]


KINDS = {"allowed": Kind(_allowed, _allowed_terms)}
