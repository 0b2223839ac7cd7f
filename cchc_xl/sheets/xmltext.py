"""Text written straight into worksheet XML (consolidated tables, province appendix)."""

from __future__ import annotations

import re

from cchc_xl.safetext import MAX_CELL_TEXT, clean  # the one sanitiser (MAX_CELL_TEXT re-exported)

_MARKUP = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")  # text that needs escaping


def xml_cell_text(s: str) -> str:
    """Cell text as it may stand inside ``<t>``: characters XML forbids dropped, markup escaped,
    cut at Excel's limit for one cell (Excel calls a longer one a damaged file)."""
    if _MARKUP.search(s) is None and len(s) <= MAX_CELL_TEXT:
        return s
    s = clean(s, limit=None)
    if len(s) > MAX_CELL_TEXT:
        s = s[:MAX_CELL_TEXT - 1] + "…"
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

