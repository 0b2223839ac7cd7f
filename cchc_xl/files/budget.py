"""The cell budget of a checked workbook (``schemas/limits.json``, ``check.max_cells``).

A workbook within every bound of the reader (``boundary``) may still hold a million cells, which
take seconds to check and far more to annotate. Before anything is parsed, an .xlsx/.xlsm's
worksheet parts are streamed and their cell elements counted (``count_package``, a few hundred
milliseconds for a million cells); a workbook of another format, or spelt so that the quick count
misses cells, is counted again on the values read (``count_grids``). Beyond the budget the file is
refused (``UnreadableError``) with the declared reason naming the sheet holding the most cells.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from cchc_xl.files.boundary import UnreadableError, _xlsx_sheet_parts

# A cell element is ``<c`` (or ``<x:c`` with a namespace prefix) followed by a blank, ``>`` or
# ``/``. Counting ``<c`` and ``:c`` also counts the few other tags so spelt (``<cols>``,
# ``<cfRule>``…): a handful in a worksheet, nothing beside a budget of cells; ``bytes.count`` of
# two spellings is ten times faster than a regular expression that tells them apart.
_CELL_TAGS = (b"<c", b":c")
_CHUNK = 1 << 20
_NOT_SHEETS = ("xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml")


def _count_stream(fh) -> int:
    n, tail = 0, b""
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            return n
        buf = tail + chunk  # a tag cut by the chunk's end is counted once, in the next buffer
        n += sum(buf.count(t) for t in _CELL_TAGS)
        tail = buf[-1:]


def count_package(path: str | os.PathLike) -> dict[str, int] | None:
    """Sheet name → cell elements of an .xlsx/.xlsm (every worksheet part); None when the file is
    no readable zip package (the reader says why)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = _xlsx_sheet_parts(zf)
            present = zf.namelist()
            parts = [p for p in present if p.startswith("xl/") and p.endswith(".xml") and p not in _NOT_SHEETS
                     and "/theme/" not in p and ("worksheets/" in p or p in names)]
            out: dict[str, int] = {}
            for part in parts:
                with zf.open(part) as fh:
                    out[names.get(part, part)] = _count_stream(fh)
            return out
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError):
        return None
    except Exception:  # noqa: BLE001 - zlib errors and the like: the reader gives the reason
        return None


def count_grids(grids: dict[str, list[list]]) -> dict[str, int]:
    """Sheet name → cells holding a value, of grids as read."""
    return {name: sum(1 for row in grid for v in row if v is not None and v != "") for name, grid in grids.items()}


def check(counts: dict[str, int] | None, max_cells: int | None) -> None:
    """Refuse (``UnreadableError``) when the counted cells pass ``max_cells``."""
    if not counts or not max_cells:
        return
    total = sum(counts.values())
    if total <= max_cells:
        return
    from cchc_xl import spec
    from cchc_xl.numtext import format_number

    sheet, most = max(counts.items(), key=lambda kv: kv[1])
    raise UnreadableError("unreadable", spec.limits()["messages"]["too_many_cells"].format(
        cells=format_number(total), sheet=sheet, sheet_cells=format_number(most), max_cells=format_number(max_cells)))


def check_file(path: str | os.PathLike, max_cells: int | None) -> None:
    """The quick count of an .xlsx/.xlsm against ``max_cells`` (other formats: nothing to do here)."""
    if not max_cells:
        return
    try:
        with open(path, "rb") as fh:
            if fh.read(2) != b"PK":
                return
    except OSError:
        return
    if Path(path).suffix.lower() in (".ods",):
        return
    check(count_package(path), max_cells)
