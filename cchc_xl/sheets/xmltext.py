"""Text written straight into worksheet XML (consolidated tables, province appendix)."""

from __future__ import annotations

import re


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MARKUP = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # text that needs escaping
MAX_CELL_TEXT = 32767  # Excel's limit for one cell


def xml_cell_text(s: str) -> str:
    """Cell text as it may stand inside ``<t>``: characters XML forbids dropped, markup escaped,
    cut at Excel's limit for one cell (Excel calls a longer one a damaged file)."""
    if _MARKUP.search(s) is None and len(s) <= MAX_CELL_TEXT:
        return s
    s = _ILLEGAL_XML.sub("", s)
    if len(s) > MAX_CELL_TEXT:
        s = s[:MAX_CELL_TEXT - 1] + "…"
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

