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

import functools
import io
import os
import re
import stat
import struct
import zipfile
from pathlib import Path

from cchc_xl.normalize import fold
from cchc_xl.numtext import format_number

DAMAGED_PART = ("một phần bên trong tệp nén bị hỏng (kích thước khai báo hoặc mã kiểm tra không khớp với dữ liệu); "
                "hãy mở bằng Excel, lưu lại rồi gửi lại")
MAX_UNCOMPRESSED = 300 * 1024 * 1024
SUPPORTED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
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


def a1(r: int, c: int) -> str:
    return f"{col_letter(c)}{r + 1}"


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
            trimmed = _ods_bound(path, grids.outside)
        elif kind == "ole":
            trimmed = _xls_check(path)
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
                trimmed = _xlsb_bound(path, names, grids.outside)
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


def _far(r: int, c: int) -> bool:
    return r >= MAX_ROWS or c >= MAX_COLS


def _col_index(letters: bytes) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ch - 64
    return col - 1


def _note_outside(outside: dict, sheet: str, hits: list[tuple[int, int]]) -> None:
    if hits:
        r, c = min(hits)
        outside[sheet] = (a1(r, c), len(hits))


def _rebuilt_zip(path: Path, replaced: dict[str, bytes]) -> bytes:
    """The same package with some parts replaced (stored, not compressed: it is read at once)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = replaced.get(info.filename)
            dst.writestr(info.filename, data if data is not None else src.read(info.filename))
    return buf.getvalue()


def _cut(data: bytes, spans: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each ``(start, end, replacement)`` span replaced (spans in document order)."""
    out, pos = [], 0
    for start, end, repl in spans:
        out.append(data[pos:start])
        out.append(repl)
        pos = end
    out.append(data[pos:])
    return b"".join(out)


# .xlsx / .xlsm: sheets are XML parts; a cell's position is its ``r`` attribute.
_SHEET_REL = re.compile(rb'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"')
_REL = re.compile(rb'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"|<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')
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


class _BadReference(Exception):
    """A cell or row reference calamine would misplace (``$A$1``, ``A``, ``1e9`` …)."""


def _workbook_rels(zf: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id → package part, from the workbook's relationships ``part`` (KeyError when absent)."""
    rels = {}
    for m in _REL.finditer(zf.read(part)):
        rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        target = target.decode().lstrip("/")
        rels[rid.decode()] = target if target.startswith("xl/") else "xl/" + target
    return rels


def _xlsx_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → sheet name, as far as the workbook says (parts it does not name are absent)."""
    import html

    try:
        rels = _workbook_rels(zf, "xl/_rels/workbook.xml.rels")
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
            except _BadReference as exc:
                ref = exc.args[0].decode("utf-8", "replace")[:40]
                raise UnreadableError("unreadable", f"trang “{sheet or part}” có một ô ghi địa chỉ không hợp lệ "
                                                    f"(“{ref}”), tệp bị hỏng hoặc do chương trình lạ tạo ra; "
                                                    "hãy mở bằng Excel, lưu lại rồi gửi lại") from None
            if spans:
                _note_outside(outside, sheet or part, [(r, c) for r, c, _, _ in spans])
                data = _cut(data, [(s, e, b"") for _, _, s, e in spans])
                replaced[part] = data
            if sheet is not None and b't="e"' in data:
                errors[sheet] = data
    return (_rebuilt_zip(path, replaced) if replaced else None), errors


def _xlsx_far_cells(data: bytes) -> list[tuple[int, int, int, int]]:
    """``(row, col, start, end)`` of every cell holding something beyond the area, in document order."""
    out = []
    plain = [_PLAIN_REF.match(data, m.start()) for m in _UNSURE_CELL.finditer(data)]
    if all(plain) and not _PREFIXED_CELL.search(data):
        for m in plain:
            r, c = int(m.group(2)) - 1, _col_index(m.group(1))
            if _far(r, c):
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
                raise _BadReference(ref.group(2))
            row, col = (int(ref.group(2)) - 1 if ref else row + 1), -1
            continue
        if ref:
            cell = _CELL_REF.fullmatch(ref.group(2))
            if not cell:
                raise _BadReference(ref.group(2))
            r, col = int(cell.group(2)) - 1, _col_index(cell.group(1))
        else:
            r, col = row, col + 1
        if _far(r, col) and not attrs.endswith(b"/"):
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
            r, c = int(m.group(2)) - 1, _col_index(m.group(1))
            if _far(r, c):
                continue
            while len(grid) <= r:
                grid.append([])
            row = grid[r]
            while len(row) <= c:
                row.append("")
            row[c] = m.group(3).decode()


_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*?t="e"[^>]*>(?:<f[^<]*(?:</f>)?)?<v>([^<]*)</v>')

# .ods: one content.xml; repeated rows and cells (``number-*-repeated``) are expanded by calamine.
_ODS_TAG = re.compile(rb'<(/?)table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*)>')
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="([0-9]+)"')
_ODS_COLS = re.compile(rb'table:number-columns-repeated="([0-9]+)"')


def _ods_bound(path: Path, outside: dict) -> bytes | None:
    """The package with every value beyond the area replaced by empty cells (None when none is)."""
    import html

    with zipfile.ZipFile(path) as zf:
        try:
            data = zf.read("content.xml")
        except KeyError:
            return None
    spans, hits = [], {}
    sheet, row, rrep, col = None, 0, 1, 0
    for m in _ODS_TAG.finditer(data):
        closing, name, attrs = m.group(1), m.group(2), m.group(3)
        selfclosing = attrs.endswith(b"/")
        if name == b"table":
            if not closing:
                n = _ODS_NAME.search(attrs)
                sheet, row = (html.unescape(n.group(1).decode("utf-8", "replace")) if n else "?"), 0
            continue
        if name == b"table-row":
            if not closing:
                n = _ODS_ROWS.search(attrs)
                rrep, col = (int(n.group(1)) if n else 1), 0
            if closing or selfclosing:
                row += rrep
            continue
        if closing:
            continue
        n = _ODS_COLS.search(attrs)
        crep = int(n.group(1)) if n else 1
        if _far(row + rrep - 1, col + crep - 1):
            end = None if selfclosing else data.find(b"</table:" + name + b">", m.end())
            valued = b"office:value-type" in attrs or (end is not None and end > m.end())
            if valued:
                end = m.end() if end is None else (len(data) if end < 0 else end + len(name) + 9)
                spans.append((m.start(), end, b'<table:table-cell table:number-columns-repeated="%d"/>' % crep))
                # the first cell of the repetition that lies outside the area
                r = row if row >= MAX_ROWS or col + crep - 1 >= MAX_COLS else MAX_ROWS
                c = col if col >= MAX_COLS or r >= MAX_ROWS else MAX_COLS
                hits.setdefault(sheet, []).append((r, c))
        col += crep
    if not spans:
        return None
    for sheet, cells in hits.items():
        _note_outside(outside, sheet, cells)
    return _rebuilt_zip(path, {"content.xml": _cut(data, spans)})


# .xlsb: sheets are binary parts, a sequence of records (type and size as 7-bit varints); a row
# header (type 0) gives the row, each cell record starts with its column. The dimension record
# does not make calamine allocate (it is capped); only cell records are placed.
_XLSB_CELLS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 62}
_XLSB_NOT_SHEETS = ("xl/workbook.bin", "xl/styles.bin", "xl/sharedStrings.bin")


def _xlsb_varint(data: bytes, pos: int, most: int) -> tuple[int, int]:
    value = shift = 0
    for i in range(most):
        if pos >= len(data):
            raise _BadReference(b"")
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
    return value, pos


def _xlsb_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → sheet name (BrtBundleSh records of workbook.bin, through its relationships)."""
    try:
        rels = _workbook_rels(zf, "xl/_rels/workbook.bin.rels")
        data, pos, out = zf.read("xl/workbook.bin"), 0, {}
        while pos < len(data):
            rtype, pos = _xlsb_varint(data, pos, 2)
            size, pos = _xlsb_varint(data, pos, 4)
            body, pos = data[pos:pos + size], pos + size
            if rtype == 156 and len(body) >= 12:  # BrtBundleSh: state, tab id, relationship id, name
                n = struct.unpack_from("<I", body, 8)[0]
                rid = body[12:12 + 2 * n].decode("utf-16-le")
                at = 12 + 2 * n
                n = struct.unpack_from("<I", body, at)[0]
                name = body[at + 4:at + 4 + 2 * n].decode("utf-16-le")
                if rid in rels:
                    out[rels[rid]] = name
        return out
    except (KeyError, UnicodeDecodeError, struct.error, _BadReference):
        return {}


def _xlsb_bound(path: Path, names: list[str], outside: dict) -> bytes | None:
    """The package without the cell records beyond the area (None when there are none)."""
    replaced = {}
    with zipfile.ZipFile(path) as zf:
        by_part = _xlsb_sheet_parts(zf)
        wanted = set(names)
        parts = [p for p in zf.namelist() if p.startswith("xl/") and p.endswith(".bin") and p not in _XLSB_NOT_SHEETS
                 and (p not in by_part or by_part[p] in wanted)]
        for part in parts:
            data = zf.read(part)
            spans, hits, pos, row = [], [], 0, 0
            try:
                while pos < len(data):
                    start = pos
                    rtype, pos = _xlsb_varint(data, pos, 2)
                    size, pos = _xlsb_varint(data, pos, 4)
                    body = pos
                    pos += size
                    if rtype == 0 and size >= 4:
                        row = struct.unpack_from("<I", data, body)[0]
                    elif rtype in _XLSB_CELLS and size >= 4:
                        col = struct.unpack_from("<I", data, body)[0]
                        if _far(row, col):
                            spans.append((start, min(pos, len(data)), b""))
                            hits.append((row, col))
            except (_BadReference, struct.error):
                pass  # a record cut short: calamine refuses the part itself
            if spans:
                _note_outside(outside, by_part.get(part, part), hits)
                replaced[part] = _cut(data, spans)
    return _rebuilt_zip(path, replaced) if replaced else None


# .xls (BIFF8/BIFF5): cell records carry row and column; such a file cannot be trimmed, so a
# value beyond the area refuses it (an .xls sheet has at most 65,536 × 256 cells).
_BIFF_CELLS = {0x0006, 0x0406, 0x00FD, 0x0203, 0x027E, 0x0205, 0x0204, 0x00D6, 0x00BD}


def _xls_check(path: Path) -> None:
    import olefile

    with olefile.OleFileIO(str(path)) as ole:
        stream = "Workbook" if ole.exists("Workbook") else "Book"
        data = ole.openstream(stream).read()
    sheets, pos, n = {}, 0, len(data)
    current, biff8 = None, True
    while pos + 4 <= n:
        rtype, size = struct.unpack_from("<HH", data, pos)
        body = pos + 4
        if rtype == 0x0085 and size >= 8:  # BOUNDSHEET: offset of the sheet's BOF, then its name
            offset, cch = struct.unpack_from("<I", data, body)[0], data[body + 6]
            if biff8:
                raw = data[body + 8: body + size]
                wide = data[body + 7] & 1
                name = raw[: cch * 2].decode("utf-16-le", "replace") if wide else raw[:cch].decode("latin-1")
            else:
                name = data[body + 7: body + 7 + cch].decode("cp1252", "replace")
            sheets[offset] = name
        elif rtype == 0x0809 and size >= 2:  # BOF: the globals, then each sheet's substream
            if pos == 0:
                biff8 = struct.unpack_from("<H", data, body)[0] >= 0x0600
            current = sheets.get(pos, current)
        elif rtype in _BIFF_CELLS and size >= 4:
            r, c = struct.unpack_from("<HH", data, body)
            if rtype == 0x00BD and size >= 6:  # MULRK: last column at the end
                c = struct.unpack_from("<H", data, body + size - 2)[0]
            if _far(r, c):
                raise UnreadableError(
                    "unreadable",
                    f"{f'trang “{current}”' if current else 'một trang'} có nội dung ở ô {a1(r, c)}, "
                    "ngoài vùng đọc của biểu mẫu "
                    f"({format_number(MAX_ROWS)} dòng, {MAX_COLS} cột đầu: A đến {col_letter(MAX_COLS - 1)}); "
                    "hãy xóa nội dung đó, hoặc lưu lại thành .xlsx, rồi gửi lại")
        pos = body + size
    return None

