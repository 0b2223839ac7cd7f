"""The spellings of a declared choice (a level, a period, a status, a coded choice of an indicator).

One matcher for every reader and for the workbook's hidden lists: a value names an item when it
is, ignoring case and extra spaces, one of the item's declared spellings — its label, its key, a
synonym declared in ``schemas/enums.json`` ("Đã khắc phục" for "Đã hoàn thành"), or any of these
written without diacritics. ``cchc_xl.check.choices`` turns the same spellings into the
workbook's condition.
"""

from __future__ import annotations

import pickle
import re
import unicodedata

from cchc_xl.normalize import fold

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
