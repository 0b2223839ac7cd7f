"""One sanitiser for every text the toolkit writes (workbooks, JSON, Word documents, messages).

XML 1.0, and so every Office file, cannot hold control characters other than tab and line
breaks, nor U+FFFE/U+FFFF; UTF-8 cannot hold a lone surrogate (what a file name that is not
valid UTF-8, or a broken ``\\ud800`` escape in JSON, becomes in Python); an Excel cell holds at
most 32,767 characters. ``sanitize`` removes or replaces exactly these and says what it
changed; everything else is kept as written.

- ``sanitize(text, limit)`` → ``(text, changes)``; ``clean(text)`` → the text alone;
  ``writable(value, where, place)``: a value read from a file, as a cell can hold it (noted);
  ``xml_without_forbidden_references(data)``: XML bytes without ``&#1;`` and the like.
- ``sanitize_deep(doc, where)``: every string of a JSON-like value, and numbers that are not
  finite (``NaN``, ``inf``) become null — JSON cannot hold them.
- ``sanitize_workbook(wb, where)``: every cell and comment of an openpyxl workbook, just before
  it is saved (``sheets.xlsx.save_atomic``, the consolidation, the macro packager).
- ``dumps(obj)``: ``json.dumps`` of the sanitised value.
- ``one_line(text)``: a message on one line (a file name holding a line break stays on its line).
- ``looks_like_formula(value)``: a text Excel would take for a formula (``= + - @`` first), which
  every writer keeps as text.

Where data is changed, a note is recorded (``note``); the command line prints the notes as
"Lưu ý" lines after the command (``take_notes``).
"""

from __future__ import annotations

import json
import math
import re

MAX_CELL_TEXT = 32767  # Excel's limit for one cell
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")

_notes: list[str] = []


def note(message: str) -> None:
    if message not in _notes:
        _notes.append(message)


def take_notes() -> list[str]:
    """The notes recorded since the last call (and forget them)."""
    out = _notes[:]
    _notes.clear()
    return out


def _fix(m: re.Match) -> str:
    return "\ufffd" if _SURROGATE.match(m.group()) else ""


def sanitize(text: str, limit: int | None = MAX_CELL_TEXT) -> tuple[str, list[str]]:
    """``text`` as every format we write can hold, and what was changed (Vietnamese phrases):
    control characters removed, lone surrogates replaced by U+FFFD, cut at ``limit`` characters."""
    changes = []
    if _ILLEGAL.search(text):
        n = len(_ILLEGAL.findall(text))
        text = _ILLEGAL.sub(_fix, text)
        changes.append(f"bỏ {n} ký tự không ghi được vào tệp (ký tự điều khiển hoặc mã Unicode hỏng)")
    if limit is not None and len(text) > limit:
        def vn(n: int) -> str:  # a whole number as Vietnamese writes it ("32.767"); no project import here
            return f"{n:,}".replace(",", ".")

        changes.append(f"cắt một đoạn văn bản dài {vn(len(text))} ký tự còn {vn(limit)} ký tự "
                       "(giới hạn của một ô Excel)")
        text = text[:limit]
    return text, changes


def clean(text: str, limit: int | None = MAX_CELL_TEXT) -> str:
    return sanitize(text, limit)[0]


def writable(value, where: str = "", place: str = ""):
    """A value as a cell can hold it: a text sanitised (and the change noted, with ``where`` and
    ``place``), anything else as it is. For a value read from someone's file and written again."""
    if not isinstance(value, str):
        return value
    text, changes = sanitize(value)
    if changes and where:
        _record(where, place, changes)
    return text


# A character reference to a character XML 1.0 forbids (&#1; &#x1F; …): a file holding one is not XML.
_FORBIDDEN_REF = re.compile(rb"&#(?:x0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));")


def xml_without_forbidden_references(data: bytes, where: str = "") -> tuple[bytes, int]:
    """XML bytes without the character references XML forbids, and how many were removed (noted)."""
    data, n = _FORBIDDEN_REF.subn(b"", data)
    if n and where:
        note(f"{where}: bỏ {n} ký tự điều khiển không được phép trong tệp Excel (viết dạng &#…;)")
    return data, n


def _record(where: str, place: str, changes: list[str]) -> None:
    for c in changes:
        note(f"{where}: {place}{c}")


def sanitize_deep(obj, where: str = "", limit: int | None = MAX_CELL_TEXT, _path: str = ""):
    """A JSON-like value whose strings are sanitised and whose non-finite numbers are null."""
    if isinstance(obj, str):
        text, changes = sanitize(obj, limit)
        if changes and where:
            _record(where, f"{_path} — " if _path else "", changes)
        return text
    if isinstance(obj, float) and not math.isfinite(obj):
        if where:
            note(f"{where}: {_path + ' — ' if _path else ''}bỏ giá trị {obj} (không phải số hữu hạn)")
        return None
    if isinstance(obj, dict):
        return {sanitize_deep(k, where, limit, _path): sanitize_deep(v, where, limit, f"{_path}.{k}" if _path else str(k))
                for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [sanitize_deep(v, where, limit, f"{_path}[{i}]") for i, v in enumerate(obj)]
    return obj


def dumps(obj, where: str = "", **kw) -> str:
    """JSON text of ``obj`` that any JSON reader accepts and UTF-8 can hold."""
    kw.setdefault("ensure_ascii", False)
    return json.dumps(sanitize_deep(obj, where, limit=None), allow_nan=False, **kw)


def sanitize_workbook(wb, where: str = "") -> None:
    """Every text of an openpyxl workbook (cell values, comments) made writable, in place."""
    for ws in wb.worksheets:
        for cell in getattr(ws, "_cells", {}).values():
            value = cell._value
            if isinstance(value, str) and (len(value) > MAX_CELL_TEXT or _ILLEGAL.search(value)):
                text, changes = sanitize(value)
                cell._value = text
                if where:
                    _record(where, f"trang “{ws.title}” ô {cell.coordinate}: ", changes)
            comment = cell.comment
            if comment is not None and isinstance(comment.text, str) and _ILLEGAL.search(comment.text):
                comment.text = clean(comment.text)


FORMULA_STARTS = ("=", "+", "-", "@")  # what makes Excel read a typed text as a formula


def looks_like_formula(value) -> bool:
    """A text that Excel would read as a formula if typed or stored as a cell's value: it starts
    with ``= + - @``. Every writer keeps such a text as text (a string cell, quote-prefixed)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """A message on one line, every character printable: line breaks and control characters
    shown as escapes, a byte of a file name that is not UTF-8 as ``\\xNN``."""
    def esc(m: re.Match) -> str:
        ch = m.group()
        if ch in _ESCAPES:
            return _ESCAPES[ch]
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte of a non-UTF-8 file name (surrogateescape)
            return f"\\x{code - 0xDC00:02x}"
        return f"\\u{code:04x}"
    return re.sub("[\x00-\x1f\x7f\u2028\u2029\ufffe\uffff\ud800-\udfff]", esc, text)
