"""The registry: the list of agencies expected to report (CSV or a spreadsheet).

File format (INTERFACES.md, "Registry"): ``.csv`` / ``.txt`` in UTF-8 (with or without BOM),
UTF-16 as Excel's "Unicode Text" export, or Windows-1258 as Excel saves CSV on a Vietnamese
Windows, separated by commas, semicolons or tabs; or a workbook (``.xlsx``, ``.xlsm``, ``.xls``,
``.ods``, read through the file boundary), its first non-empty sheet. The header row (within the
first ten rows; any case, with or without diacritics, ``_`` or spaces) names the columns:

- ``ten`` (name, required), ``ma`` (code), ``cap`` (level: so/huyen/xa or the Vietnamese label);
- optional ``ten_cu``: former names, separated by ``;`` (an agency merged or renamed keeps
  being found under its old names); ``ngay_sap_xep``: date of the merger or renaming
  (dd/mm/yyyy, ISO or an Excel date); ``nguoi_lien_he``, ``dien_thoai``, ``email``: the contact.

API, for the consolidation, the cycle and the documents:

- ``load_registry(path) -> list[Agency]`` in file order; raises ``RegistryError`` with a
  Vietnamese reason naming the file (and the row) for every fault: encodings, a field longer than
  ``MAX_FIELD`` characters, NUL bytes, a bad level or date, no header, no rows, OS errors.
- ``Agency``: ``name``, ``code``, ``level``, ``row``, ``former_names`` (tuple of str),
  ``reorganized_on`` (``datetime.date`` or None), ``contact`` (``Contact(name, phone, email)``, or
  None when the file gives none), ``names`` (current name first, then former names).
- ``RegistryIndex(agencies)``: ``match(name, code=None, level=None) -> index | None`` finds an
  agency by the one identity rule (``cchc_xl.read.identity``): its code, else its current name, else a
  former name, else (a name typed without diacritics) the one agency it folds to;
  ``find(...) -> Agency | None``; ``match_how(...) -> (index, "code" | "name" | "former_name" |
  "folded" | "folded_former") | None`` says which matched; ``resolve(...) -> identity.Match`` also
  names the candidates when a name fits several agencies (then it matches none).

Two rows are never merged: rows with equal codes, or equal names (``identity.name_key``: tone marks
kept) without two different codes, make ``load_registry`` refuse the file naming both rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from cchc_xl import spec
from cchc_xl.files.fileio import os_reason
from cchc_xl.normalize import clean_text, fold, parse_date
from cchc_xl.numtext import format_number
from cchc_xl.read import spelling
from cchc_xl.read.identity import AgencyIndex, conflicts, name_key, refusal_message

MAX_FIELD = 100_000  # characters in one CSV field; a registry cell is a name, a date or a phone number


class RegistryError(Exception):
    """The registry cannot be used (Vietnamese message naming the file)."""


@dataclass(frozen=True)
class Contact:
    name: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Agency:
    name: str
    code: str | None = None
    level: str | None = None
    row: int | None = None  # row in the registry file (1-based, header = 1)
    former_names: tuple[str, ...] = ()
    reorganized_on: dt.date | None = None
    contact: Contact | None = field(default=None, compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.former_names)


_HEADERS = {
    "name": {"ten", "ten co quan", "ten co quan, don vi", "ten don vi", "co quan", "don vi", "name", "agency"},
    "code": {"ma", "ma co quan", "ky hieu", "ma, ky hieu", "code"},
    "level": {"cap", "cap hanh chinh", "level"},
    "former": {"ten cu", "ten truoc day", "ten cu (neu co)", "cac ten cu", "former names"},
    "reorganized": {"ngay sap xep", "ngay sap nhap", "ngay hop nhat", "ngay doi ten", "ngay sap xep lai"},
    "contact_name": {"nguoi lien he", "can bo dau moi", "dau moi", "lien he", "contact"},
    "phone": {"dien thoai", "so dien thoai", "sdt", "dt", "phone"},
    "email": {"email", "e-mail", "e mail", "thu dien tu", "hop thu"},
}

def split_names(value) -> tuple[str, ...]:
    """"Sở Kế hoạch và Đầu tư; Sở KH&ĐT" → both names: the former names (``ten_cu``) of an agency,
    separated by ";" or by line breaks (Alt+Enter in a spreadsheet cell)."""
    text = "" if value is None else str(value)
    return tuple(n for n in (clean_text(x) for x in re.split(r"[;\r\n]", text)) if n)


def _level(value, path: str, row: int) -> str | None:
    """A level as the registry's ``cap`` column writes it: a spelling the workbooks accept
    (``read.spelling``), else a word of the unit's name ("Sở", "UBND huyện", "Phường")."""
    f = fold(value)
    if not f:
        return None
    key = spelling.match(clean_text(value), spec.levels())
    if key:
        return key
    words = {"so": "so", "ban": "so", "nganh": "so", "tinh": "so", "huyen": "huyen", "quan": "huyen",
             "thi xa": "huyen", "thanh pho": "huyen", "xa": "xa", "phuong": "xa", "thi tran": "xa"}
    for w, key in words.items():
        if f == w or f.startswith(w + " ") or f.endswith(" " + w):
            return key
    raise RegistryError(f"{Path(path).name}: dòng {row} ghi cấp “{clean_text(value)}” không hợp lệ "
                        "(dùng so, huyen hoặc xa)")


def _decode(raw: bytes, name: str) -> str:
    """The text of a CSV file as Excel and other programs save it."""
    import codecs

    if raw.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)  # Excel's "Unicode Text"
    elif len(raw) >= 4 and raw[1:2] == b"\0" and raw[3:4] == b"\0":
        encodings = ("utf-16-le",)  # UTF-16 without its byte-order mark
    elif len(raw) >= 4 and raw[0:1] == b"\0" and raw[2:3] == b"\0":
        encodings = ("utf-16-be",)
    else:
        encodings = ("utf-8", "cp1258")
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise RegistryError(f"{name}: không đọc được bảng mã của tệp (hỏng giữa chừng?); hãy lưu lại dạng "
                        "CSV UTF-8 hoặc .xlsx")


def _rows_from_csv(path: Path) -> list[list]:
    text = _decode(path.read_bytes(), path.name)
    if "\0" in text:
        raise RegistryError(f"{path.name}: tệp chứa ký tự NUL, không phải danh sách CSV (tệp nhị phân đổi đuôi?)")
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delim = max(counts, key=lambda d: (counts[d], d == ","))
    reader = csv.reader(io.StringIO(text), delimiter=delim, strict=True)
    rows: list[list] = []
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(MAX_FIELD)
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        too_long = "field larger" in str(exc)
        why = (f"có một ô dài quá {format_number(MAX_FIELD)} ký tự" if too_long
               else "sai cấu trúc CSV (dấu ngoặc kép không đóng?)")
        raise RegistryError(f"{path.name}: dòng {reader.line_num} {why}; hãy kiểm tra lại tệp") from None
    finally:
        csv.field_size_limit(limit)
    return rows


def _rows_from_sheet(path: Path) -> list[list]:
    from cchc_xl.read.agency import UnreadableError
    from cchc_xl.files.boundary import load_grids

    try:
        grids, _ = load_grids(path)
    except UnreadableError as exc:
        raise RegistryError(f"{path.name}: {exc.reason}") from None
    for grid in grids.values():
        if any(any(v not in ("", None) for v in row) for row in grid):
            return grid
    return []


def _header_key(cell) -> str:
    return re.sub(r"\s+", " ", fold(cell).replace("_", " ")).strip()


def load_registry(path: str | os.PathLike) -> list[Agency]:
    """The registry's agencies in file order (raises RegistryError with a Vietnamese reason)."""
    path = Path(path)
    try:
        if not path.is_file():
            raise RegistryError(f"{path}: không tìm thấy danh sách cơ quan")
        if path.suffix.lower() in (".csv", ".txt", ".tsv"):
            rows = _rows_from_csv(path)
        else:
            rows = _rows_from_sheet(path)
    except OSError as exc:
        raise RegistryError(f"{path.name}: không đọc được tệp ({os_reason(exc)})") from None
    header_at, cols = None, {}
    for i, row in enumerate(rows[:10]):
        found = {}
        for j, cell in enumerate(row):
            f = _header_key(cell)
            for key, names in _HEADERS.items():
                if f in names and key not in found:
                    found[key] = j
        if "name" in found:
            header_at, cols = i, found
            break
    if header_at is None:
        raise RegistryError(f"{path.name}: không thấy dòng tiêu đề có cột “ten” (tên cơ quan); "
                            "cần các cột ten, ma, cap")
    out: list[Agency] = []
    for i, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        def get(key):
            j = cols.get(key)
            return row[j] if j is not None and j < len(row) else None

        name = clean_text(get("name"))
        if not name:
            continue
        key = name_key(name)
        former = tuple(n for n in split_names(get("former")) if name_key(n) != key)
        contact = Contact(_text(get("contact_name")), _phone(get("phone")), _text(get("email")))
        out.append(Agency(name=name, code=clean_text(get("code")), level=_level(get("level"), str(path), i), row=i,
                          former_names=former, reorganized_on=_date(get("reorganized"), path, i),
                          contact=contact if any((contact.name, contact.phone, contact.email)) else None))
    if not out:
        raise RegistryError(f"{path.name}: danh sách cơ quan không có dòng nào")
    clashes = conflicts(out)
    if clashes:
        raise RegistryError(refusal_message(path.name, out, clashes))
    return out


def _text(value) -> str | None:
    return clean_text(value)


def _phone(value) -> str | None:
    """A phone number as text (a spreadsheet may hold it as a number: 912345678.0 → "912345678")."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(value)


def _date(value, path: Path, row: int) -> dt.date | None:
    if clean_text(value) is None:
        return None
    d = parse_date(value)
    if d is None:
        raise RegistryError(f"{path.name}: dòng {row} ghi ngày sắp xếp “{clean_text(value)[:40]}” không hợp lệ "
                            "(ghi dạng ngày/tháng/năm, ví dụ 01/07/2025)")
    return d


class RegistryIndex(AgencyIndex):
    """Finds the registry agency of a report by the one identity rule (``identity.AgencyIndex``)."""

    def match_how(self, name, code=None, level=None) -> tuple[int, str] | None:
        """The registry row of an agency and what matched (see ``identity.Match.how``)."""
        found = self.resolve(name, code, level)
        return (found.index, found.how) if found else None

    def find(self, name, code=None, level=None) -> Agency | None:
        i = self.match(name, code, level)
        return None if i is None else self.agencies[i]


def contact_text(agency) -> str | None:
    """"Nguyễn Văn A, 0239 3855 123, a@hatinh.gov.vn" from the registry's contact columns (person,
    phone, email), or None when the registry gives none."""
    c = getattr(agency, "contact", None)
    parts = [getattr(c, k, None) for k in ("name", "phone", "email")] if c is not None else []
    parts = [str(p).strip() for p in parts if p and str(p).strip()]
    return ", ".join(parts) or None
