"""Make many copies of one .xlsx fast: replace a few cells in the worksheet XML inside the zip
(every other member copied as is), and read cell values back from a worksheet's XML. For tests
that need hundreds of slightly different workbooks, where an openpyxl load + save per copy costs
seconds."""

from __future__ import annotations

import posixpath
import re
import zipfile
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_COORD = re.compile(r"([A-Z]+)(\d+)")


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → the zip member holding its XML."""
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for s in ET.fromstring(z.read("xl/workbook.xml")).iter(f"{MAIN}sheet"):
        t = target[s.get(f"{REL}id")]
        out[s.get("name")] = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))
    return out


def _cell_xml(coord: str, value, style: str | None) -> str:
    s = f' s="{style}"' if style is not None else ""
    if value is None:
        return f'<c r="{coord}"{s}/>'
    if isinstance(value, str):
        return f'<c r="{coord}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"cannot write {value!r} into {coord}")
    return f'<c r="{coord}"{s} t="n"><v>{value!r}</v></c>'


def _set_cell(xml: str, coord: str, value) -> str:
    m = re.search(rf'<c r="{coord}"(?:\s[^>]*?)?(?:/>|>.*?</c>)', xml, re.S)
    if m:
        style = re.search(r'\ss="(\d+)"', m.group(0)[: m.group(0).index(">") + 1])
        return xml[: m.start()] + _cell_xml(coord, value, style and style.group(1)) + xml[m.end():]
    col, row = _COORD.fullmatch(coord).groups()
    new = _cell_xml(coord, value, None)
    rm = re.search(rf'<row r="{row}"(?:\s[^>]*?)?(/>|>.*?</row>)', xml, re.S)
    if rm:  # the row exists: insert the cell left to right
        if rm.group(1) == "/>":
            return xml[: rm.end() - 2] + ">" + new + "</row>" + xml[rm.end():]
        for cm in re.finditer(r'<c r="([A-Z]+)\d+"', rm.group(0)):
            if col_index(cm.group(1)) > col_index(col):
                at = rm.start() + cm.start()
                return xml[:at] + new + xml[at:]
        at = rm.end() - len("</row>")
        return xml[:at] + new + xml[at:]
    new_row = f'<row r="{row}">{new}</row>'
    if "<sheetData/>" in xml:
        return xml.replace("<sheetData/>", f"<sheetData>{new_row}</sheetData>", 1)
    for rm in re.finditer(r'<row r="(\d+)"', xml):
        if int(rm.group(1)) > int(row):
            return xml[: rm.start()] + new_row + xml[rm.start():]
    at = xml.index("</sheetData>")
    return xml[:at] + new_row + xml[at:]


def patched_copy(src, dst, changes: dict[str, dict[str, object]]) -> None:
    """Copy ``src`` to ``dst`` with cells replaced: {sheet title: {"D42": value}}; a value is a
    str (written as text), an int/float, or None (emptied; the cell keeps its style)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        parts = sheet_parts(zin)
        by_part = {parts[title]: cells for title, cells in changes.items() if cells}
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in by_part:
                xml = data.decode("utf-8")
                for coord, value in by_part[info.filename].items():
                    xml = _set_cell(xml, coord, value)
                data = xml.encode("utf-8")
            zout.writestr(info.filename, data)


def shared_strings(z: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in z.namelist():
        return []
    return ["".join(t.text or "" for t in si.iter(f"{MAIN}t"))
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(f"{MAIN}si")]


def cell_values(z: zipfile.ZipFile, part: str, strings: list[str], min_col: int = 1):
    """(column letters, row, value) of every cell with a value at or right of ``min_col``;
    numbers come back as float, text as str."""
    for c in ET.fromstring(z.read(part)).iter(f"{MAIN}c"):
        letters, row = _COORD.fullmatch(c.get("r")).groups()
        if col_index(letters) < min_col:
            continue
        t, v = c.get("t", "n"), c.find(f"{MAIN}v")
        if t == "inlineStr":
            value = "".join(x.text or "" for x in c.iter(f"{MAIN}t"))
        elif v is None or v.text is None:
            continue
        elif t == "s":
            value = strings[int(v.text)]
        elif t in ("str", "e"):
            value = v.text
        elif t == "b":
            value = v.text == "1"
        else:
            value = float(v.text)
        yield letters, int(row), value


def padded_copy(src, dst, sheet: str, cells: int, first_col: str = "E", last_col: str = "BL") -> int:
    """Copy ``src`` to ``dst`` with about ``cells`` numbers added below the last row of ``sheet``
    in columns ``first_col``…``last_col`` (all inside the reader's area, so no bound of the reader
    refuses them): the crafted workbook of a "slow to check" upload. Returns the cells added."""
    lo, hi = col_index(first_col), col_index(last_col)
    letters = []
    for i in range(lo, hi + 1):
        s, n = "", i
        while n:
            n, rem = divmod(n - 1, 26)
            s = chr(65 + rem) + s
        letters.append(s)
    per_row = len(letters)
    rows = max(1, cells // per_row)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zout:
        part = sheet_parts(zin)[sheet]
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                xml = data.decode("utf-8")
                last = max(int(r) for r in re.findall(r'<row r="(\d+)"', xml))
                body = "".join(
                    f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{(r * 7919 + j * 104729) % 99991}</v></c>'
                                               for j, c in enumerate(letters)) + "</row>"
                    for r in range(last + 1, last + 1 + rows))
                xml = xml.replace("</sheetData>", body + "</sheetData>", 1)
                xml = re.sub(r'<dimension ref="[^"]*"/>', "", xml, count=1)
                data = xml.encode("utf-8")
            zout.writestr(info.filename, data)
    return rows * per_row
