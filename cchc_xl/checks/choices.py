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

import re
import unicodedata

from ..normalize import fold

_SPACES = re.compile(r"\s+")


def _key(text) -> str:
    """Equal for two spellings the workbook's MATCH takes as equal: case and spacing aside."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(text))).strip().casefold()


def spellings(items: list[dict]) -> list[tuple[str, object]]:
    """Every accepted spelling of a list's items, with the item's key (first spelling wins)."""
    out: dict[str, tuple[str, object]] = {}
    for item in items:
        names = [item.get("label", ""), *item.get("synonyms", [])]
        if isinstance(item.get("key"), str):
            names += [item["key"], item["key"].replace("_", " ")]
        for name in names:
            for spelling in (name, fold(name)):
                if spelling and _key(spelling) not in out:
                    out[_key(spelling)] = (spelling, item.get("key", item.get("value")))
    return list(out.values())


def match(value, items: list[dict]):
    """The key of the item ``value`` spells, or None (Python evaluator of ``allowed``)."""
    if value is None:
        return None
    want = _key(value)
    for spelling, key in spellings(items):
        if _key(spelling) == want:
            return key
    return None


def accepted_name(list_name: str) -> str:
    """The hidden list of accepted spellings beside a dropdown list (``ds_tinh_trang`` →
    ``ds_tinh_trang_nhan``)."""
    return f"{list_name}_nhan"


def error_condition(ref: str, list_name: str, codes: list[int] | None = None) -> str:
    """TRUE when the cell is filled with none of the accepted spellings (nor, for a coded
    choice, one of its codes, typed as a number or as text)."""
    cond = f"AND({ref}<>\"\",ISNA(MATCH(TRIM({ref}),{accepted_name(list_name)},0))"
    if codes:
        listed = ",".join(str(c) for c in codes)
        cond += f",ISNA(MATCH(IF(ISNUMBER({ref}),{ref},IFERROR(VALUE(TRIM({ref})),-1)),{{{listed}}},0))"
    return cond + ")"
