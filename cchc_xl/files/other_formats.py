"""The readable area kept in the formats other than .xlsx: repeated rows and cells of an .ods,
binary records of an .xlsb, BIFF records of an .xls (``cchc_xl.files.boundary`` runs them before
the reading library allocates anything)."""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path

from cchc_xl.files.area import (
    MAX_COLS,
    MAX_ROWS,
    BadReference,
    UnreadableError,
    a1,
    col_letter,
    cut,
    far,
    note_outside,
    rebuilt_zip,
    workbook_rels,
)
from cchc_xl.numtext import format_number

# .ods: one content.xml; repeated rows and cells (``number-*-repeated``) are expanded by calamine.
_ODS_TAG = re.compile(rb'<(/?)table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*)>')


_ODS_NAME = re.compile(rb'table:name="([^"]*)"')


_ODS_ROWS = re.compile(rb'table:number-rows-repeated="([0-9]+)"')


_ODS_COLS = re.compile(rb'table:number-columns-repeated="([0-9]+)"')


def ods_bound(path: Path, outside: dict) -> bytes | None:
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
        if far(row + rrep - 1, col + crep - 1):
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
        note_outside(outside, sheet, cells)
    return rebuilt_zip(path, {"content.xml": cut(data, spans)})


# .xlsb: sheets are binary parts, a sequence of records (type and size as 7-bit varints); a row
# header (type 0) gives the row, each cell record starts with its column. The dimension record
# does not make calamine allocate (it is capped); only cell records are placed.
_XLSB_CELLS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 62}


_XLSB_NOT_SHEETS = ("xl/workbook.bin", "xl/styles.bin", "xl/sharedStrings.bin")


def _xlsb_varint(data: bytes, pos: int, most: int) -> tuple[int, int]:
    value = shift = 0
    for i in range(most):
        if pos >= len(data):
            raise BadReference(b"")
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
        rels = workbook_rels(zf, "xl/_rels/workbook.bin.rels")
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
    except (KeyError, UnicodeDecodeError, struct.error, BadReference):
        return {}


def xlsb_bound(path: Path, names: list[str], outside: dict) -> bytes | None:
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
                        if far(row, col):
                            spans.append((start, min(pos, len(data)), b""))
                            hits.append((row, col))
            except (BadReference, struct.error):
                pass  # a record cut short: calamine refuses the part itself
            if spans:
                note_outside(outside, by_part.get(part, part), hits)
                replaced[part] = cut(data, spans)
    return rebuilt_zip(path, replaced) if replaced else None


# .xls (BIFF8/BIFF5): cell records carry row and column; such a file cannot be trimmed, so a
# value beyond the area refuses it (an .xls sheet has at most 65,536 × 256 cells).
_BIFF_CELLS = {0x0006, 0x0406, 0x00FD, 0x0203, 0x027E, 0x0205, 0x0204, 0x00D6, 0x00BD}


def xls_check(path: Path) -> None:
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
            if far(r, c):
                raise UnreadableError(
                    "unreadable",
                    f"{f'trang “{current}”' if current else 'một trang'} có nội dung ở ô {a1(r, c)}, "
                    "ngoài vùng đọc của biểu mẫu "
                    f"({format_number(MAX_ROWS)} dòng, {MAX_COLS} cột đầu: A đến {col_letter(MAX_COLS - 1)}); "
                    "hãy xóa nội dung đó, hoặc lưu lại thành .xlsx, rồi gửi lại")
        pos = body + size
    return None
