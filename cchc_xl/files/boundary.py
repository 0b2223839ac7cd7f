"""The file boundary: everything read from disk passes here before the reading library sees it.

- ``_sniff`` refuses what is not a workbook (PDF, Word, an encrypted package, a zip or XML bomb…)
  and says what the file is;
- every cell position a file declares, in every spelling (``r="xfd1048576"``, ``$A$1``, four
  letters, a range in a ``dimension``; BIFF records of an .xls; binary records of an .xlsb;
  repeated rows and cells of an .ods), is bounded to ``MAX_ROWS`` × ``MAX_COLS`` before
  python-calamine allocates the rectangle: values beyond are cut out and listed in
  ``Grids.outside`` (reported as ``outside_area``), or the file is refused;
- a failure of the reading library of any kind (its exceptions, a Rust panic, which is no
  ``Exception``) becomes ``UnreadableError`` with a Vietnamese reason. What cannot be caught in
  the process (an abort) is contained by :mod:`cchc_xl.files.isolate`, which reads in a child process.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from pathlib import Path

from cchc_xl.files.area import (
    BadReference,
    UnreadableError,
    col_index,
    cut,
    far,
    note_outside,
    rebuilt_zip,
    workbook_rels,
)
from cchc_xl.files.other_formats import ods_bound, xls_check, xlsb_bound
from cchc_xl.normalize import fold

DAMAGED_PART = ("một phần bên trong tệp nén bị hỏng (kích thước khai báo hoặc mã kiểm tra không khớp với dữ liệu); "
                "hãy mở bằng Excel, lưu lại rồi gửi lại")
MAX_UNCOMPRESSED = 300 * 1024 * 1024
SUPPORTED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}


# ---- opening files -------------------------------------------------------------------------

def _os_refusal(exc: OSError, doing: str) -> UnreadableError:
    """Why the system would not let us at the file, in words; ``doing`` for the rarer causes."""
    if isinstance(exc, FileNotFoundError):
        return UnreadableError("unreadable", "không tìm thấy tệp")
    if isinstance(exc, IsADirectoryError):
        return UnreadableError("unreadable", "đây là một thư mục, không phải tệp")
    if isinstance(exc, PermissionError):
        return UnreadableError("unreadable", "không có quyền đọc tệp")
    from cchc_xl.files.fileio import os_reason

    return UnreadableError("unreadable", f"{doing} ({os_reason(exc)})")


def _sniff(path: Path) -> str:
    """Refuse what is clearly not a workbook before handing it to a parser; says what it is:
    ``ole`` (.xls), ``xlsx`` (.xlsx/.xlsm), ``xlsb`` or ``ods``."""
    try:
        st = path.stat()
    except OSError as exc:
        raise _os_refusal(exc, "không truy cập được tệp") from None
    if stat.S_ISDIR(st.st_mode):
        raise UnreadableError("unreadable", "đây là một thư mục, không phải tệp")
    if not stat.S_ISREG(st.st_mode):  # a named pipe or a device would block or never end
        raise UnreadableError("unreadable", "đây không phải tệp thông thường (đường ống, thiết bị…), "
                                            "không phải bảng tính")
    try:
        size = st.st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise _os_refusal(exc, "không đọc được tệp") from None
    if size == 0:
        raise UnreadableError("unreadable", "tệp rỗng (0 byte)")
    if head.startswith(b"%PDF"):
        raise UnreadableError("unreadable", "đây là tệp PDF, không phải bảng tính Excel")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        import olefile  # noqa: F401  (only for the rare OLE case)

        try:
            ole = olefile.OleFileIO(str(path))
            streams = {"/".join(s) for s in ole.listdir()}
            ole.close()
        except Exception:
            raise UnreadableError("unreadable", "tệp Office cũ bị hỏng") from None
        if "EncryptedPackage" in streams:
            raise UnreadableError("unreadable", "tệp được đặt mật khẩu; hãy gỡ mật khẩu rồi gửi lại")
        if "WordDocument" in streams:
            raise UnreadableError("unreadable", "đây là tệp Word (.doc), không phải bảng tính Excel")
        if "Workbook" not in streams and "Book" not in streams:
            raise UnreadableError("unreadable", "tệp Office này không chứa bảng tính")
        return "ole"
    if head.startswith(b"PK"):
        import zlib

        opened = False
        try:
            with zipfile.ZipFile(path) as zf:  # one opening for every check (perf: consolidation of many files)
                names = set(zf.namelist())
                opened = True
                total = sum(i.file_size for i in zf.infolist())
                if "word/document.xml" in names:
                    raise UnreadableError("unreadable", "đây là tệp Word (.docx), không phải bảng tính Excel")
                if "ppt/presentation.xml" in names:
                    raise UnreadableError("unreadable", "đây là tệp PowerPoint, không phải bảng tính Excel")
                if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names and "content.xml" not in names:
                    raise UnreadableError("unreadable", "tệp nén này không phải bảng tính Excel")
                if total > MAX_UNCOMPRESSED:
                    raise UnreadableError("unreadable", "tệp giải nén quá lớn (nghi là tệp độc hại)")
                for name in names:
                    if name.endswith(".xml") and "<!ENTITY" in _peek(zf, name):
                        raise UnreadableError("unreadable", "tệp chứa khai báo XML không an toàn (ENTITY)")
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
            if opened:  # the package's directory is whole: a part inside is damaged or lies about its size
                raise UnreadableError("unreadable", DAMAGED_PART) from None
            raise UnreadableError("unreadable", "tệp bị hỏng hoặc không trọn vẹn (tải về chưa xong?)") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "xlsb" if "xl/workbook.bin" in names else "ods"
    raise UnreadableError("unreadable", "không phải tệp bảng tính (.xlsx, .xlsm, .xls, .ods)")


def _peek(zf: zipfile.ZipFile, name: str) -> str:
    with zf.open(name) as fh:
        return fh.read(4096).decode("utf-8", "replace")


class Grids(dict):
    """Sheet name → grid, plus what the file says besides the values:

    - ``merged``: sheet name → merged ranges ``((r0, c0), (r1, c1))``, 0-based and inclusive;
    - ``outside``: sheet name → ``(first cell, count)`` of the values left unread because they
      lie beyond the readable area (``MAX_ROWS`` × ``MAX_COLS``).

    A plain dict (grids of a live workbook behind a button) works everywhere a Grids does."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.merged: dict[str, list] = {}
        self.outside: dict[str, tuple[str, int]] = {}


def load_grids(path: str | os.PathLike, only: set[str] | None = None) -> tuple[Grids, dict[str, str]]:
    """Every sheet's values (or the ``only`` ones), read in a child process (``isolate.run``): a
    file that kills the reading library is refused like any other unreadable file."""
    import python_calamine  # noqa: F401 - imported once here, not in every child

    from cchc_xl.files import isolate

    def crashed():
        raise UnreadableError("unreadable", isolate.CRASH_REASON)

    return isolate.run(_load_grids, path, only, on_crash=crashed)


def _load_grids(path: str | os.PathLike, only: set[str] | None = None) -> tuple[Grids, dict[str, str]]:
    """Every sheet's values (or the ``only`` ones, names compared folded) and each sheet's visibility.

    Values beyond ``MAX_ROWS`` × ``MAX_COLS`` are never handed to calamine: an .xlsx/.xlsm, .xlsb
    or .ods is read from a copy without them (listed in ``Grids.outside``); an .xls holding such a
    value is refused."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    kind = _sniff(path)
    wanted = None if only is None else {fold(n) for n in only}
    grids = Grids()
    errors: dict[str, bytes] = {}
    try:
        # calamine reads every sheet of an .xls or .ods when it opens one: check before
        if kind == "ods":
            trimmed = ods_bound(path, grids.outside)
        elif kind == "ole":
            trimmed = xls_check(path)
        else:
            trimmed = None
        if trimmed:
            wb = CalamineWorkbook.from_filelike(io.BytesIO(trimmed))
        elif _utf8_path(path):
            wb = CalamineWorkbook.from_path(str(path))
        else:  # a file name that is not UTF-8 (surrogate escapes): calamine cannot take it as a path
            wb = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
        names = [n for n in wb.sheet_names if wanted is None or fold(n) in wanted]
        if kind in ("xlsx", "xlsb"):  # a sheet of these is read when asked for: check only those to be read
            if kind == "xlsx":
                trimmed, errors = _xlsx_bound(path, names, grids.outside)
            else:
                trimmed = xlsb_bound(path, names, grids.outside)
            if trimmed is not None:
                wb = CalamineWorkbook.from_filelike(io.BytesIO(trimmed))
        visibility = {m.name: str(m.visible).rsplit(".", 1)[-1].lower() for m in wb.sheets_metadata}
        for name in names:
            sheet = wb.get_sheet_by_name(name)
            grids[name] = sheet.to_python(skip_empty_area=False)
            merged = sheet.merged_cell_ranges
            if merged:
                grids.merged[name] = merged
        if errors:
            _restore_error_cells(errors, grids)
    except (UnreadableError, KeyboardInterrupt, SystemExit):
        raise
    except MemoryError:
        raise UnreadableError("unreadable", "tệp quá lớn, không đủ bộ nhớ để đọc") from None
    except (zipfile.BadZipFile, EOFError):
        raise UnreadableError("unreadable", DAMAGED_PART) from None
    except BaseException as exc:  # noqa: BLE001 - calamine's errors, and its panics (pyo3 PanicException is
        # no Exception): all mean the same to a user
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            raise UnreadableError("unreadable", "tệp được đặt mật khẩu; hãy gỡ mật khẩu rồi gửi lại") from None
        raise UnreadableError("unreadable", "tệp bị hỏng hoặc không phải bảng tính hợp lệ") from None
    return grids, visibility


def _utf8_path(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


# .xlsx / .xlsm: sheets are XML parts; a cell's position is its ``r`` attribute.
_SHEET_REL = re.compile(rb'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"')
# Every writer met (Excel, LibreOffice, openpyxl, EPPlus, POI, SheetJS) writes ``<c r="A1" …``
# with one to three upper-case letters. A cell ``<c r="B7"`` (one letter, at most four digits)
# lies inside the area; every other cell tag is looked at: a plain upper-case reference is
# placed at once, anything else (no ``r``, another attribute first, ``r='…'``, lower case, four
# letters, ``$``, a namespace prefix ``<x:c``) sends the part through the slower scan that
# follows positions as calamine does and refuses a reference it cannot place.
_UNSURE_CELL = re.compile(rb'<c(?! r="[A-Z][0-9]{1,4}")[\s/>]')
_PLAIN_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_PREFIXED_CELL = re.compile(rb':c[\s/>]')
_ANY_TAG = re.compile(rb'<((?:[A-Za-z_][\w.\-]*:)?)(row|c)(?=[\s/>])([^>]*)>')
_R_ATTR = re.compile(rb'(?:^|\s)r\s*=\s*(["\'])(.*?)\1', re.S)
_CELL_REF = re.compile(rb'([A-Za-z]+)([0-9]+)')
_ROW_REF = re.compile(rb'[0-9]+')


def _xlsx_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → sheet name, as far as the workbook says (parts it does not name are absent)."""
    import html

    try:
        rels = workbook_rels(zf, "xl/_rels/workbook.xml.rels")
        out = {}
        for m in _SHEET_REL.finditer(zf.read("xl/workbook.xml")):
            part = rels.get(m.group(2).decode())
            if part:
                out[part] = html.unescape(m.group(1).decode("utf-8"))
        return out
    except (KeyError, UnicodeDecodeError):
        return {}


_NOT_SHEETS = ("xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml")


def _xlsx_bound(path: Path, names: list[str], outside: dict) -> tuple[bytes | None, dict[str, bytes]]:
    """Scan the worksheets of ``names`` for values outside the area. Returns the package without
    them (None when there are none) and the XML of the parts holding error cells (for
    ``_restore_error_cells``), keyed by sheet name."""
    replaced, errors = {}, {}
    with zipfile.ZipFile(path) as zf:
        by_part = _xlsx_sheet_parts(zf)
        present = set(zf.namelist())
        by_name = {name: part for part, name in by_part.items() if part in present}
        if all(n in by_name for n in names):
            parts = [by_name[n] for n in names]
        else:  # the workbook does not say plainly where a sheet is: scan every part that may be one
            parts = [p for p in zf.namelist() if p.startswith("xl/") and p.endswith(".xml")
                     and p not in _NOT_SHEETS and "/theme/" not in p]
        for part in parts:
            sheet = by_part.get(part)
            data = zf.read(part)
            try:
                spans = _xlsx_far_cells(data)
            except BadReference as exc:
                ref = exc.args[0].decode("utf-8", "replace")[:40]
                raise UnreadableError("unreadable", f"trang “{sheet or part}” có một ô ghi địa chỉ không hợp lệ "
                                                    f"(“{ref}”), tệp bị hỏng hoặc do chương trình lạ tạo ra; "
                                                    "hãy mở bằng Excel, lưu lại rồi gửi lại") from None
            if spans:
                note_outside(outside, sheet or part, [(r, c) for r, c, _, _ in spans])
                data = cut(data, [(s, e, b"") for _, _, s, e in spans])
                replaced[part] = data
            if sheet is not None and b't="e"' in data:
                errors[sheet] = data
    return (rebuilt_zip(path, replaced) if replaced else None), errors


def _xlsx_far_cells(data: bytes) -> list[tuple[int, int, int, int]]:
    """``(row, col, start, end)`` of every cell holding something beyond the area, in document order."""
    out = []
    plain = [_PLAIN_REF.match(data, m.start()) for m in _UNSURE_CELL.finditer(data)]
    if all(plain) and not _PREFIXED_CELL.search(data):
        for m in plain:
            r, c = int(m.group(2)) - 1, col_index(m.group(1))
            if far(r, c):
                end = _xlsx_cell_end(data, m.end(), b"c")
                if end:
                    out.append((r, c, m.start(), end))
        return out
    row = col = -1
    for m in _ANY_TAG.finditer(data):
        prefix, name, attrs = m.group(1), m.group(2), m.group(3)
        ref = _R_ATTR.search(attrs)
        if name == b"row":
            if ref and not _ROW_REF.fullmatch(ref.group(2)):
                raise BadReference(ref.group(2))
            row, col = (int(ref.group(2)) - 1 if ref else row + 1), -1
            continue
        if ref:
            cell = _CELL_REF.fullmatch(ref.group(2))
            if not cell:
                raise BadReference(ref.group(2))
            r, col = int(cell.group(2)) - 1, col_index(cell.group(1))
        else:
            r, col = row, col + 1
        if far(r, col) and not attrs.endswith(b"/"):
            end = _xlsx_cell_end(data, m.end() - 1, prefix + b"c")
            if end:
                out.append((r, col, m.start(), end))
    return out


def _xlsx_cell_end(data: bytes, pos: int, qname: bytes) -> int | None:
    """End of the cell element whose start tag ends at the first ``>`` from ``pos``; None when
    the cell is empty (``<c …/>`` or ``<c …></c>``), which calamine does not place."""
    gt = data.find(b">", pos)
    if gt < 0 or data[gt - 1:gt] == b"/":
        return None
    close = b"</" + qname + b">"
    end = data.find(close, gt)
    if end < 0:
        return len(data)
    if end == gt + 1:
        return None
    return end + len(close)


def _restore_error_cells(parts: dict[str, bytes], grids: dict[str, list[list]]) -> None:
    """Put error values (#REF!, #N/A…) back: calamine reads them as empty cells."""
    for sheet, data in parts.items():
        grid = grids.get(sheet)
        if grid is None:
            continue
        for m in _ERROR_CELL.finditer(data):
            r, c = int(m.group(2)) - 1, col_index(m.group(1))
            if far(r, c):
                continue
            while len(grid) <= r:
                grid.append([])
            row = grid[r]
            while len(row) <= c:
                row.append("")
            row[c] = m.group(3).decode()


_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*?t="e"[^>]*>(?:<f[^<]*(?:</f>)?)?<v>([^<]*)</v>')


