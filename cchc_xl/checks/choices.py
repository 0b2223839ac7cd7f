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

import pickle
import re
import unicodedata

from ..normalize import fold
from . import formula, numbers

_SPACES = re.compile(r"\s+")


def _key(text) -> str:
    """Equal for two spellings the workbook's MATCH takes as equal: case and spacing aside."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(text))).strip().casefold()


def spellings(items: list[dict]) -> list[tuple[str, object]]:
    """Every accepted spelling of a list's items, with the item's key (first spelling wins), then
    the same spellings in decomposed Unicode (NFD, as pasted from a Mac), which a formula cannot
    normalise: the hidden list holds both (``spaces`` of schemas/checks.json)."""
    out: dict[str, tuple[str, object]] = {}
    for item in items:
        names = [item.get("label", ""), *item.get("synonyms", [])]
        if isinstance(item.get("key"), str):
            names += [item["key"], item["key"].replace("_", " ")]
        for name in names:
            for spelling in (name, fold(name)):
                if spelling and _key(spelling) not in out:
                    out[_key(spelling)] = (spelling, item.get("key", item.get("value")))
    composed = list(out.values())
    decomposed = [(unicodedata.normalize("NFD", sp), key) for sp, key in composed
                  if unicodedata.normalize("NFD", sp) != sp]
    return composed + decomposed


def match(value, items: list[dict]):
    """The key of the item ``value`` spells, or None (Python evaluator of ``allowed``)."""
    if value is None:
        return None
    return _spelled(items).get(_key(value))


_SPELLED: dict[bytes, dict] = {}


def _spelled(items: list[dict]) -> dict:
    """Each accepted spelling's comparison key → the item's key, the first spelling winning (as
    a walk through ``spellings`` finds it), remembered by the list's content (its pickle: equal
    only for the same items, keys, values and order; perf: a file matches a few lists many times)."""
    try:
        content = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - not picklable: built each time
        content = None
    table = _SPELLED.get(content) if content is not None else None
    if table is None:
        table = {}
        for spelling, key in spellings(items):
            table.setdefault(_key(spelling), key)
        if content is not None:
            if len(_SPELLED) > 512:
                _SPELLED.clear()
            _SPELLED[content] = table
    return table


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
