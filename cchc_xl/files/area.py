"""The readable area of a sheet, and the small tools every format's scan shares.

The declared sheets hold a few hundred rows and at most ten columns (schemas/sheets.json); the
appraisal workbook a few thousand rows. A value beyond this area is not read (it is reported):
calamine allocates the whole rectangle up to the farthest value, so one cell at XFD1048576 would
ask for 512 GiB.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from pathlib import Path

# The readable area of a sheet. The declared sheets hold a few hundred rows and at most ten
# columns (schemas/sheets.json); the appraisal workbook a few thousand rows. A value beyond this
# area is not read (it is reported): calamine allocates the whole rectangle up to the farthest
# value, so one cell at XFD1048576 would ask for 512 GiB.
MAX_ROWS = 20000


MAX_COLS = 64  # A … BL


class UnreadableError(Exception):
    """The file cannot be used at all; ``code`` is ``unreadable`` or ``wrong_template``."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason

    def __reduce__(self):  # travels from the reading child process (isolate.run)
        return type(self), (self.code, self.reason)


@functools.lru_cache(maxsize=None)
def col_letter(idx: int) -> str:
    s = ""
    idx += 1
    while idx:
        idx, rem = divmod(idx - 1, 26)
        s = chr(65 + rem) + s
    return s


@functools.lru_cache(maxsize=65536, typed=True)  # asked for every cell read (perf); typed: 1 and 1.0 differ
def a1(r: int, c: int) -> str:
    return f"{col_letter(c)}{r + 1}"


def far(r: int, c: int) -> bool:
    return r >= MAX_ROWS or c >= MAX_COLS


def col_index(letters: bytes) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ch - 64
    return col - 1


def note_outside(outside: dict, sheet: str, hits: list[tuple[int, int]]) -> None:
    if hits:
        r, c = min(hits)
        outside[sheet] = (a1(r, c), len(hits))


def rebuilt_zip(path: Path, replaced: dict[str, bytes]) -> bytes:
    """The same package with some parts replaced (stored, not compressed: it is read at once)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = replaced.get(info.filename)
            dst.writestr(info.filename, data if data is not None else src.read(info.filename))
    return buf.getvalue()


def cut(data: bytes, spans: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each ``(start, end, replacement)`` span replaced (spans in document order)."""
    out, pos = [], 0
    for start, end, repl in spans:
        out.append(data[pos:start])
        out.append(repl)
        pos = end
    out.append(data[pos:])
    return b"".join(out)


_REL = re.compile(rb'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"|<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')


def workbook_rels(zf: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id → package part, from the workbook's relationships ``part`` (KeyError when absent)."""
    rels = {}
    for m in _REL.finditer(zf.read(part)):
        rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        target = target.decode().lstrip("/")
        rels[rid.decode()] = target if target.startswith("xl/") else "xl/" + target
    return rels


class BadReference(Exception):
    """A cell or row reference calamine would misplace (``$A$1``, ``A``, ``1e9`` …)."""
