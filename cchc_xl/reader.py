"""Sheet grids → canonical report + a map from every value back to its cell.

The reader works on plain grids (``grid[r][c]`` is the value of row r+1, column c+1), so the
same code reads a file on disk (python-calamine, fast) and a live workbook behind a button
(xlwings). It copes with what real workbooks hold: numbers typed as text, decomposed Unicode,
stray spaces, blank rows in the middle, rows added below, error values, legacy 8-bit fonts.
Values it cannot understand are kept as written, so the validator can point at them and
nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re
import stat
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from . import SCHEMA_VERSION, spec
from .checks import choices
from .issues import Issue, make
from .normalize import (clean_text, fold, format_number, is_error_value, legacy_encoding, parse_code,
                        parse_date, parse_number)

# Pure functions called for nearly every cell; the same codes and labels recur in every workbook,
# so a consolidation of many files gains from remembering them (typed: 1, 1.0 and True differ).
fold = functools.lru_cache(maxsize=16384, typed=True)(fold)
parse_code = functools.lru_cache(maxsize=16384, typed=True)(parse_code)

MAX_UNCOMPRESSED = 300 * 1024 * 1024
SUPPORTED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
# The readable area of a sheet. The declared sheets hold a few hundred rows and at most ten
# columns (schemas/sheets.json); the appraisal workbook a few thousand rows. A value beyond this
# area is not read (it is reported): calamine allocates the whole rectangle up to the farthest
# value, so one cell at XFD1048576 would ask for 512 GiB.
MAX_ROWS = 20000
MAX_COLS = 64  # A … BL



def _unambiguous(x: float) -> str:
    """A number written so that nobody can misread it: a whole number without any separator
    ("1216"), a fraction with the decimal comma ("1,216")."""
    if float(x).is_integer():
        return str(int(x))
    return format_number(x)

class UnreadableError(Exception):
    """The file cannot be used at all; ``code`` is ``unreadable`` or ``wrong_template``."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


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


def path_key(parts) -> str:
    """``["deductions", 2, "score"]`` → ``deductions[2].score``; codes in brackets."""
    out = ""
    prev = None
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif prev in ("indicators", "propaganda"):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
        prev = p
    return out


# ---- opening files -------------------------------------------------------------------------

def _sniff(path: Path) -> str:
    """Refuse what is clearly not a workbook before handing it to a parser; says what it is:
    ``ole`` (.xls), ``xlsx`` (.xlsx/.xlsm), ``xlsb`` or ``ods``."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise UnreadableError("unreadable", "không tìm thấy tệp") from None
    except PermissionError:
        raise UnreadableError("unreadable", "không có quyền đọc tệp") from None
    except OSError:
        raise UnreadableError("unreadable", "không truy cập được tệp") from None
    if stat.S_ISDIR(st.st_mode):
        raise UnreadableError("unreadable", "đây là một thư mục, không phải tệp")
    if not stat.S_ISREG(st.st_mode):  # a named pipe or a device would block or never end
        raise UnreadableError("unreadable", "đây không phải tệp thông thường (đường ống, thiết bị…), "
                                            "không phải bảng tính")
    try:
        size = st.st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise UnreadableError("unreadable", "không tìm thấy tệp") from None
    except IsADirectoryError:
        raise UnreadableError("unreadable", "đây là một thư mục, không phải tệp") from None
    except PermissionError:
        raise UnreadableError("unreadable", "không có quyền đọc tệp") from None
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

        try:
            with zipfile.ZipFile(path) as zf:  # one opening for every check (perf: consolidation of many files)
                names = set(zf.namelist())
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
        except (zipfile.BadZipFile, zlib.error, EOFError):
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
    """Every sheet's values (or the ``only`` ones, names compared folded) and each sheet's visibility.

    Values beyond ``MAX_ROWS`` × ``MAX_COLS`` are never handed to calamine: an .xlsx/.xlsm or
    .ods is read from a copy without them (listed in ``Grids.outside``); an .xls holding such a
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
        wb = CalamineWorkbook.from_filelike(io.BytesIO(trimmed)) if trimmed else CalamineWorkbook.from_path(str(path))
        names = [n for n in wb.sheet_names if wanted is None or fold(n) in wanted]
        if kind == "xlsx":  # an .xlsx sheet is read when asked for: check only those to be read
            trimmed, errors = _xlsx_bound(path, names, grids.outside)
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
    except UnreadableError:
        raise
    except Exception as exc:  # calamine raises several error types; all mean the same to a user
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            raise UnreadableError("unreadable", "tệp được đặt mật khẩu; hãy gỡ mật khẩu rồi gửi lại") from None
        raise UnreadableError("unreadable", "tệp bị hỏng hoặc không phải bảng tính hợp lệ") from None
    return grids, visibility


def _far(r: int, c: int) -> bool:
    return r >= MAX_ROWS or c >= MAX_COLS


def _col_index(letters: bytes) -> int:
    col = 0
    for ch in letters:
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
# Every writer met (Excel, LibreOffice, openpyxl, EPPlus, POI, SheetJS) writes ``<c r="A1" …``:
# then only cells whose reference has 2+ letters or 5+ digits can lie outside the area, and one
# search finds those and any other cell tag (no ``r``, another attribute first, ``r='…'``), which,
# like a namespace prefix (``<x:c``), sends the part through the slower scan that follows
# positions as calamine does.
_CELL_CHECK = re.compile(rb'<c(?:(?! r=")[\s/>]| r="(?:[A-Z]{2,3}[0-9]|[A-Z][0-9]{5}))')
_PREFIXED_CELL = re.compile(rb':c[\s/>]')
_WIDE_OR_LOW_CELL = re.compile(rb'<c r="(?:([A-Z]{2,3})([0-9]+)|([A-Z])([0-9]{5,}))"')
_ANY_TAG = re.compile(rb'<((?:[A-Za-z_][\w.\-]*:)?)(row|c)(?=[\s/>])([^>]*)>')
_R_ATTR = re.compile(rb'(?:^|\s)r\s*=\s*["\']([A-Z]*)([0-9]+)["\']')


def _xlsx_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → sheet name, as far as the workbook says (parts it does not name are absent)."""
    import html

    try:
        rels = {}
        for m in _REL.finditer(zf.read("xl/_rels/workbook.xml.rels")):
            rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            target = target.decode().lstrip("/")
            rels[rid.decode()] = target if target.startswith("xl/") else "xl/" + target
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
            spans = _xlsx_far_cells(data)
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
    candidates = _CELL_CHECK.findall(data)
    if all(c.startswith(b'<c r="') for c in candidates) and not _PREFIXED_CELL.search(data):
        for m in (_WIDE_OR_LOW_CELL.finditer(data) if candidates else ()):
            letters, digits = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            r, c = int(digits) - 1, _col_index(letters)
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
            row, col = (int(ref.group(2)) - 1 if ref else row + 1), -1
            continue
        r, col = (int(ref.group(2)) - 1, _col_index(ref.group(1))) if ref and ref.group(1) else (row, col + 1)
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


# ---- reading -------------------------------------------------------------------------------

@dataclass
class ReadResult:
    report: dict
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    catalog: spec.Catalog | None = None

    def cell_of(self, key: str) -> tuple[str | None, str | None]:
        return self.cells.get(key, (None, None))


def _meta(grids: dict[str, list[list]]) -> dict:
    cfg = spec.sheets()
    grid = grids.get(cfg["meta_sheet"])
    if grid is None:
        raise UnreadableError("wrong_template",
                              "không phải biểu mẫu báo cáo CCHC của cchc-xl (thiếu trang nhận diện); "
                              "hãy dùng biểu mẫu do Sở Nội vụ phát hành")
    meta = {}
    for row in grid:
        if len(row) >= 2 and row[0] not in ("", None):
            meta[str(row[0]).strip()] = row[1]
    if meta.get("template_id") != cfg["template_id"]:
        raise UnreadableError("wrong_template", "không phải biểu mẫu báo cáo CCHC của cơ quan (mã biểu mẫu khác)")
    try:
        version = int(float(meta.get("template_version")))
    except (TypeError, ValueError):
        raise UnreadableError("wrong_template", "trang nhận diện của biểu mẫu bị hỏng") from None
    if version > cfg["template_version"]:
        raise UnreadableError("wrong_template",
                              f"biểu mẫu phiên bản {version} mới hơn công cụ (hỗ trợ đến {cfg['template_version']}); "
                              "hãy cập nhật cchc-xl")
    meta["template_version"] = version
    if meta.get("level") not in {lv["key"] for lv in spec.levels()}:
        raise UnreadableError("wrong_template", "trang nhận diện của biểu mẫu ghi cấp không hợp lệ")
    try:
        meta["criteria_year"] = int(float(meta.get("criteria_year")))
    except (TypeError, ValueError):
        meta["criteria_year"] = None
    return meta


_TABLE_SHEETS = ("scores", "remediation", "indicators", "propaganda")


def fill_merged(grid: list[list], ranges) -> None:
    """Give the cells a vertical merge covers the value of its top cell, in the top cell's column,
    on rows that hold something else (two rows sharing one text: each row reads the text it
    shows). A merge reaching into otherwise empty rows (one tall cell) adds no row; the other
    columns of a wide merge stay empty. ``ranges``: ``((r0, c0), (r1, c1))``, 0-based, inclusive."""
    for (r0, c0), (r1, _c1) in ranges:
        if r1 <= r0 or r0 >= len(grid) or c0 >= len(grid[r0]):
            continue
        value = grid[r0][c0]
        if value in ("", None):
            continue
        for r in range(r0 + 1, min(r1, len(grid) - 1) + 1):
            row = grid[r]
            if c0 < len(row) and row[c0] not in ("", None):
                continue
            if not any(v not in ("", None) for i, v in enumerate(row) if i >= 1 and i != c0):
                continue
            while len(row) <= c0:
                row.append("")
            row[c0] = value


class _Reader:
    def __init__(self, grids, filename: str):
        self.grids = grids
        self.filename = filename
        self.cells: dict[str, tuple[str, str]] = {}
        self.issues: list[Issue] = []
        self.sheets = spec.sheets()["sheets"]

    # helpers
    def grid(self, key: str) -> tuple[str, list[list]]:
        title = self.sheets[key]["title"]
        name, g = title, self.grids.get(title)
        if g is None:
            # tolerate a sheet name typed with another Unicode form or case
            for name, grid in self.grids.items():
                if fold(name) == fold(title):
                    g = grid
                    break
            else:
                raise UnreadableError("wrong_template", f"thiếu trang “{title}” (trang bị xóa hoặc đổi tên)")
        merged = getattr(self.grids, "merged", {}).get(name)
        if merged and key in _TABLE_SHEETS:
            fill_merged(g, merged)
        return name, g

    @staticmethod
    def at(grid, r, c):
        if r < len(grid) and c < len(grid[r]):
            v = grid[r][c]
            return None if v == "" else v
        return None

    def note(self, issue_code, sheet, r, c, field_key=None, /, **kw):
        self.issues.append(make(issue_code, sheet=sheet, cell=a1(r, c), field=field_key, **kw))

    def missing_code(self, sheet, r, code_col, code_title, value_col, value_title, raw):
        """A row holds data but no code: nothing could say what the data is for."""
        self.note("missing_code", sheet, r, code_col, None, code_title=code_title,
                  value_title=_lower_first(value_title), value=_shown(raw), cell_of_value=a1(r, value_col))

    def text(self, grid, sheet, r, c, key, multiline=False):
        v = self.at(grid, r, c)
        self.cells[key] = (sheet, a1(r, c))
        if v is None:
            return None
        if is_error_value(v):
            self.note("excel_error", sheet, r, c, key, value=str(v).strip())
            return None
        if isinstance(v, (dt.date, dt.datetime)):
            return v.strftime("%d/%m/%Y")
        if isinstance(v, bool):
            return "Có" if v else "Không"
        s = clean_text(v, multiline=multiline)
        enc = legacy_encoding(s)
        if enc:
            self.note("legacy_encoding", sheet, r, c, key, value=s[:40], encoding=enc)
        return s

    def number(self, grid, sheet, r, c, key, prefer="decimal"):
        v = self.at(grid, r, c)
        self.cells[key] = (sheet, a1(r, c))
        if v is None:
            return None
        if is_error_value(v):
            self.note("excel_error", sheet, r, c, key, value=str(v).strip())
            return None
        n = parse_number(v, prefer=prefer)
        if not n.ok:
            return clean_text(v)
        if isinstance(v, str):
            raw = clean_text(v)
            if n.ambiguous:
                dec, thou = parse_number(raw, "decimal").value, parse_number(raw, "thousands").value
                self.note("ambiguous_number", sheet, r, c, key, value=raw, as_decimal=format_number(dec),
                          as_thousands=format_number(thou), chosen=format_number(n.value),
                          suggest=_unambiguous(n.value))
            elif n.value is not None:
                # the workbook's own check (ISNUMBER) marks this cell red: say why, and what was read
                self.note("number_as_text", sheet, r, c, key, value=raw, parsed=n.value)
        return n.value

    def find_header(self, grid, titles: list[str], start: int = 0) -> int | None:
        want = [fold(t) for t in titles[:3]]
        for r in range(start, min(len(grid), start + 400)):
            row = grid[r]
            got = [fold(row[c]) if c < len(row) else "" for c in range(len(want))]
            if got == want:
                return r
        return None

    # sheets
    def info(self, doc: dict, meta: dict):
        cfg = self.sheets["info"]
        sheet, grid = self.grid("info")
        labels = {}
        for r, row in enumerate(grid):
            if row and row[0] not in ("", None):
                labels.setdefault(fold(str(row[0]).replace("(*)", "")), r)
        for fld in cfg["fields"]:
            key = fld["key"]
            r = labels.get(fold(fld["title"]))
            if r is None and fld.get("optional"):
                continue  # a line added later: workbooks made before it are still read
            if r is None:
                raise UnreadableError("wrong_template", f"trang “{sheet}” thiếu dòng “{fld['title']}”")
            if fld["type"] == "integer":
                value = self.number(grid, sheet, r, 1, key, prefer="thousands")
            elif fld["type"] == "date":
                raw = self.at(grid, r, 1)
                self.cells[key] = (sheet, a1(r, 1))
                d = parse_date(raw)
                value = d.isoformat() if d else (clean_text(raw) if raw is not None else None)
            elif fld["type"] == "enum":
                raw = self.text(grid, sheet, r, 1, key)
                items = {"levels": spec.levels(), "period_kinds": spec.period_kinds()}[fld["enum"]]
                value = choices.match(raw, items) or raw
            elif fld["type"] == "codes":  # "3; 5.2" → ["3", "5.2"]
                text = self.text(grid, sheet, r, 1, key)
                value = [c for c in (parse_code(x) for x in re.split(r"[;,\n]", text or "")) if c] or None
            else:
                value = self.text(grid, sheet, r, 1, key)
            _set_path(doc, key, value)
        level = doc["agency"].get("level")
        if level and level != meta["level"]:
            s, c = self.cells["agency.level"]
            self.issues.append(make("level_mismatch", sheet=s, cell=c, field="agency.level", value=level,
                                    template_level=spec.label_of("levels", meta["level"])))

    def scores(self, doc: dict):
        cfg = self.sheets["scores"]
        sheet, grid = self.grid("scores")
        ah = self.find_header(grid, [c["title"] for c in cfg["area_columns"]])
        dh = self.find_header(grid, [c["title"] for c in cfg["deduction_columns"]], (ah or 0) + 1)
        if ah is None or dh is None:
            raise UnreadableError("wrong_template", f"trang “{sheet}” không còn đúng tiêu đề bảng của biểu mẫu")
        areas = []
        acols = cfg["area_columns"]
        for r in range(ah + 1, dh):
            code = parse_code(self.at(grid, r, 1))
            score_raw = self.at(grid, r, 4)
            if code:  # where an area's score belongs, given or not (checks.presence)
                self.cells[f"area_rows.{code}"] = (sheet, a1(r, 4))
            if not code and clean_text(score_raw) is not None:
                self.missing_code(sheet, r, 1, acols[1]["title"], 4, acols[4]["title"], score_raw)
            if not code or score_raw is None:
                continue
            i = len(areas)
            base = ["areas", i]
            item = {
                "code": code,
                "name": self.text(grid, sheet, r, 2, path_key(base + ["name"])),
                "max_score": self.number(grid, sheet, r, 3, path_key(base + ["max_score"])),
                "score": self.number(grid, sheet, r, 4, path_key(base + ["score"])),
            }
            self.cells[path_key(base + ["code"])] = (sheet, a1(r, 1))
            self.cells[path_key(base)] = (sheet, a1(r, 4))
            areas.append(item)
        doc["areas"] = areas
        deds = []
        for r in range(dh + 1, len(grid)):
            if all(self.at(grid, r, c) is None for c in range(1, 6)):
                continue
            i = len(deds)
            base = ["deductions", i]
            raw_code = self.at(grid, r, 1)
            code = parse_code(raw_code)
            self.cells[path_key(base + ["code"])] = (sheet, a1(r, 1))
            self.cells[path_key(base)] = (sheet, a1(r, 1))
            deds.append({
                "code": code,
                "name": self.text(grid, sheet, r, 2, path_key(base + ["name"])),
                "max_score": self.number(grid, sheet, r, 3, path_key(base + ["max_score"])),
                "score": self.number(grid, sheet, r, 4, path_key(base + ["score"])),
                "reason": self.text(grid, sheet, r, 5, path_key(base + ["reason"]), multiline=True),
            })
        doc["deductions"] = deds

    def remediation(self, doc: dict):
        cfg = self.sheets["remediation"]
        sheet, grid = self.grid("remediation")
        cols = cfg["columns"]
        hr = self.find_header(grid, [c["title"] for c in cols])
        if hr is None:
            raise UnreadableError("wrong_template", f"trang “{sheet}” không còn đúng tiêu đề bảng của biểu mẫu")
        idx = {c["key"]: i for i, c in enumerate(cols)}
        items = []
        for r in range(hr + 1, len(grid)):
            if all(self.at(grid, r, c) is None for c in range(1, len(cols))):
                continue
            i = len(items)
            base = ["remediation", i]
            item = {}
            for c in cols:
                key = c["key"]
                col = idx[key]
                pk = path_key(base + [key])
                if key == "stt":
                    continue
                if key == "code":
                    raw = self.at(grid, r, col)
                    self.cells[pk] = (sheet, a1(r, col))
                    item[key] = parse_code(raw)
                elif key == "status":
                    raw = self.text(grid, sheet, r, col, pk)
                    item[key] = _status_key(raw) or raw
                elif key == "carried_from":
                    raw = self.text(grid, sheet, r, col, pk)
                    item[key] = (parse_period_ref(raw) or raw) if raw else None
                elif key == "deadline":
                    raw = self.at(grid, r, col)
                    if isinstance(raw, (dt.date, dt.datetime)):
                        self.cells[pk] = (sheet, a1(r, col))
                        item[key] = raw.strftime("%d/%m/%Y").lstrip("0").replace("/0", "/")
                    else:
                        item[key] = self.text(grid, sheet, r, col, pk)
                else:
                    item[key] = self.text(grid, sheet, r, col, pk, multiline=c.get("type") == "longtext")
            self.cells[path_key(base)] = (sheet, a1(r, idx["issue"]))
            items.append(item)
        doc["remediation"] = items

    def values(self, doc: dict, which: str, rows_by_code: dict):
        cfg = self.sheets[which]
        sheet, grid = self.grid(which)
        hr = self.find_header(grid, [c["title"] for c in cfg["columns"]])
        if hr is None:
            raise UnreadableError("wrong_template", f"trang “{sheet}” không còn đúng tiêu đề bảng của biểu mẫu")
        out = {}
        first_row: dict[str, int] = {}  # code → the row whose data is used
        cols = cfg["columns"]
        for r in range(hr + 1, len(grid)):
            code = parse_code(self.at(grid, r, 0))
            if not code or code in first_row:
                filled = [c for c in (3, 4) if clean_text(self.at(grid, r, c)) is not None]
            if not code:
                if filled:  # the value would vanish: it belongs to no indicator
                    c = filled[0]
                    self.missing_code(sheet, r, 0, cols[0]["title"], c, cols[c]["title"], self.at(grid, r, c))
                continue
            if code in first_row:
                if filled:  # a second row for the same code: its data must not replace the first's
                    c = filled[0]
                    self.issues.append(make(
                        "duplicate_code", sheet=sheet, cell=a1(r, 0), field=path_key([which, code]), code=code,
                        other_cell=a1(first_row[code], 0), value_title=_lower_first(cols[c]["title"]),
                        value=_shown(self.at(grid, r, c)), cell_of_value=a1(r, c)))
                continue
            row = rows_by_code.get(code, {"kind": "text", "unknown": True})
            base = [which, code]
            vkey, nkey = path_key(base + ["value"]), path_key(base + ["note"])
            self.cells[path_key(base)] = (sheet, a1(r, 3))
            note = self.text(grid, sheet, r, 4, nkey, multiline=True)
            value = self.indicator_value(grid, sheet, r, 3, vkey, row)
            if value is None and note is None:
                continue
            if row.get("group") and value is not None:
                self.note("value_on_group_row", sheet, r, 3, vkey, code=code, value=value)
            out[code] = {"value": value, "note": note}
            first_row[code] = r
        doc[which] = out

    def indicator_value(self, grid, sheet, r, c, key, row):
        kind = row.get("kind")
        raw = self.at(grid, r, c)
        if kind in ("count", "number", "percent"):
            value = self.number(grid, sheet, r, c, key, prefer="thousands" if kind == "count" else "decimal")
            if kind == "percent" and isinstance(value, (int, float)):
                pct_sign = isinstance(raw, str) and raw.strip().endswith("%")
                if not pct_sign and isinstance(raw, float) and 0 < raw <= 1 and not float(raw).is_integer():
                    value = round(raw * 100, 6)
                    value = int(value) if float(value).is_integer() else value
                    self.note("percent_fraction", sheet, r, c, key, value=raw, parsed=value)
            return value
        if kind == "choice":
            text = self.text(grid, sheet, r, c, key)
            if text is None:
                return None
            values = {ch["value"] for ch in row["choices"]}
            chosen = choices.match(text, row["choices"])
            if chosen is not None:
                return chosen
            n = parse_number(text)
            if n.ok and isinstance(n.value, int) and n.value in values:
                return n.value
            return text
        value = self.text(grid, sheet, r, c, key, multiline=True)
        if row.get("group") or row.get("unknown"):
            n = parse_number(self.at(grid, r, c))
            if n.ok and n.value is not None and not isinstance(self.at(grid, r, c), str):
                return n.value
        return value


def _shown(raw):
    """A cell's value inside a message: numbers as numbers (Vietnamese format), long texts cut."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return raw
    s = clean_text(raw) or ""
    return s if len(s) <= 60 else s[:59] + "…"


def _lower_first(title: str) -> str:
    """"Số liệu" → "số liệu" (a column title inside a sentence); "TT" stays."""
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


_STATUS_KEYS: dict[str | None, str | None] = {}


def _status_key(raw: str | None) -> str | None:
    """The status a text spells (checks.choices: the same spellings the workbook accepts),
    remembered: a status column repeats a few labels (perf)."""
    if raw not in _STATUS_KEYS:
        if len(_STATUS_KEYS) > 4096:
            _STATUS_KEYS.clear()
        _STATUS_KEYS[raw] = choices.match(raw, spec.statuses())
    return _STATUS_KEYS[raw]


def parse_period_ref(text) -> dict | None:
    """"6 tháng đầu năm 2024" → {"year": 2024, "kind": "6_thang"} (the words of enums.json)."""
    f = fold(text)
    for item in spec.period_kinds():
        pattern = re.escape(fold(item["words"])).replace(re.escape("{year}"), r"(\d{4})")
        m = re.fullmatch(pattern, f)
        if m:
            return {"year": int(m.group(1)), "kind": item["key"]}
    return None


def _set_path(doc: dict, key: str, value):
    parts = key.split(".")
    cur = doc
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
    cur[parts[-1]] = value


def read_grids(grids: dict[str, list[list]], filename: str = "") -> ReadResult:
    """The canonical report held by a workbook's grids (raises UnreadableError if not ours)."""
    meta = _meta(grids)
    rd = _Reader(grids, filename)
    doc: dict = {"schema_version": SCHEMA_VERSION}
    rd.info(doc, meta)
    cat_year = doc.get("appraisal_year") if isinstance(doc.get("appraisal_year"), int) else meta["criteria_year"]
    cat = spec.catalog(meta["level"], cat_year)
    rd.scores(doc)
    rd.remediation(doc)
    rd.values(doc, "indicators", cat.indicator_by_code)
    rd.values(doc, "propaganda", cat.propaganda_by_code)
    doc = canonical(doc)
    for sheet, (cell, n) in getattr(grids, "outside", {}).items():
        rd.issues.append(make("outside_area", sheet=sheet, cell=cell, first=cell,
                              more=f" và {format_number(n - 1)} ô khác" if n > 1 else "",
                              max_rows=format_number(MAX_ROWS), last_col=col_letter(MAX_COLS - 1)))
    return ReadResult(doc, rd.cells, rd.issues, meta, cat)


def _read_sheets() -> set[str]:
    """The sheets ``read_grids`` uses (the guide, status, criteria and list sheets are not read)."""
    cfg = spec.sheets()
    return {cfg["meta_sheet"]} | {cfg["sheets"][k]["title"] for k in ("info",) + _TABLE_SHEETS}


def read_file(path: str | os.PathLike) -> ReadResult:
    grids, _ = load_grids(path, only=_read_sheets())
    return read_grids(grids, Path(path).name)


_REMEDIATION_KEYS = ("code", "issue", "solution", "deadline", "status", "progress", "note")


def canonical(doc: dict) -> dict:
    """The fixed shape and key order of a report, with every optional field present."""
    agency = doc.get("agency") or {}
    out = {
        "schema_version": doc.get("schema_version", SCHEMA_VERSION),
        "agency": {"name": agency.get("name"), "code": agency.get("code"), "level": agency.get("level")},
        "period": {"year": (doc.get("period") or {}).get("year"), "kind": (doc.get("period") or {}).get("kind")},
        "appraisal_year": doc.get("appraisal_year"),
        "report": {"number": (doc.get("report") or {}).get("number"), "date": (doc.get("report") or {}).get("date")},
    }
    if doc.get("not_applicable"):  # present only when some criteria do not apply to the agency
        out["not_applicable"] = list(doc["not_applicable"])
    prep = doc.get("preparer") or {}
    if any(prep.get(k) for k in ("name", "phone", "email")):
        out["preparer"] = {k: prep.get(k) for k in ("name", "phone", "email")}
    out["areas"] = [{k: a.get(k) for k in ("code", "name", "max_score", "score")} for a in doc.get("areas") or []]
    out["deductions"] = [{k: d.get(k) for k in ("code", "name", "max_score", "score", "reason")}
                         for d in doc.get("deductions") or []]
    rem = []
    for it in doc.get("remediation") or []:
        item = {k: it.get(k) for k in _REMEDIATION_KEYS}
        for optional in ("due_date", "carried_from"):  # present only when known
            if it.get(optional):
                item[optional] = it[optional]
        rem.append(item)
    out["remediation"] = rem
    for which in ("indicators", "propaganda"):
        out[which] = {code: {"value": v.get("value"), "note": v.get("note")} for code, v in (doc.get(which) or {}).items()}
    return out
