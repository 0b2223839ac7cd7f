"""The registry: the list of agencies expected to report (CSV or a spreadsheet).

Columns (first row, any case, with or without diacritics): ``ten`` (name), ``ma`` (code),
``cap`` (level: so/huyen/xa or the Vietnamese label). CSV may be UTF-8 (with or without BOM)
or Windows-1258 as Excel saves it, separated by commas or semicolons. Agencies are matched to
reports by name or code, insensitive to case, spacing, diacritics and Unicode form.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from . import spec
from .normalize import clean_text, fold
from .model import os_reason


class RegistryError(Exception):
    """The registry cannot be used (Vietnamese message naming the file)."""


@dataclass(frozen=True)
class Agency:
    name: str
    code: str | None = None
    level: str | None = None
    row: int | None = None  # row in the registry file (1-based, header = 1)


_HEADERS = {
    "name": {"ten", "ten co quan", "ten co quan, don vi", "ten don vi", "co quan", "don vi", "name", "agency"},
    "code": {"ma", "ma co quan", "ky hieu", "ma, ky hieu", "code"},
    "level": {"cap", "cap hanh chinh", "level"},
}
_UBND = re.compile(r"\buy ban nhan dan\b")


def name_key(name) -> str:
    """Comparison key of an agency name: folded, "Ủy ban nhân dân" read as "UBND", no punctuation."""
    f = fold(name)
    f = _UBND.sub("ubnd", f)
    f = re.sub(r"[^\w ]+", " ", f)
    return re.sub(r"\s+", " ", f).strip()


def code_key(code) -> str:
    return re.sub(r"[^\w]+", "", fold(code))


def _level(value, path: str, row: int) -> str | None:
    f = fold(value)
    if not f:
        return None
    for lv in spec.levels():
        if f in (fold(lv["key"]), fold(lv["label"])):
            return lv["key"]
    words = {"so": "so", "ban": "so", "nganh": "so", "tinh": "so", "huyen": "huyen", "quan": "huyen",
             "thi xa": "huyen", "thanh pho": "huyen", "xa": "xa", "phuong": "xa", "thi tran": "xa"}
    for w, key in words.items():
        if f == w or f.startswith(w + " ") or f.endswith(" " + w):
            return key
    raise RegistryError(f"{Path(path).name}: dòng {row} ghi cấp “{clean_text(value)}” không hợp lệ "
                        "(dùng so, huyen hoặc xa)")


def _rows_from_csv(path: Path) -> list[list]:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "cp1258"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1258 decodes almost anything
        raise RegistryError(f"{path.name}: không đọc được bảng mã của tệp CSV (hãy lưu dạng CSV UTF-8)")
    first = text.split("\n", 1)[0]
    delim = ";" if first.count(";") > first.count(",") else ("\t" if first.count("\t") > first.count(",") else ",")
    return [row for row in csv.reader(io.StringIO(text), delimiter=delim)]


def _rows_from_sheet(path: Path) -> list[list]:
    from .reader import UnreadableError, load_grids

    try:
        grids, _ = load_grids(path)
    except UnreadableError as exc:
        raise RegistryError(f"{path.name}: {exc.reason}") from None
    for grid in grids.values():
        if any(any(v not in ("", None) for v in row) for row in grid):
            return grid
    return []


def load_registry(path: str | os.PathLike) -> list[Agency]:
    """The registry's agencies in file order (raises RegistryError with a Vietnamese reason)."""
    path = Path(path)
    if not path.is_file():
        raise RegistryError(f"{path}: không tìm thấy danh sách cơ quan")
    try:
        if path.suffix.lower() in (".csv", ".txt"):
            rows = _rows_from_csv(path)
        else:
            rows = _rows_from_sheet(path)
    except OSError as exc:
        raise RegistryError(f"{path.name}: không đọc được tệp ({os_reason(exc)})") from None
    header_at, cols = None, {}
    for i, row in enumerate(rows[:10]):
        found = {}
        for j, cell in enumerate(row):
            f = fold(cell)
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
    seen: set[str] = set()
    for i, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        def get(key):
            j = cols.get(key)
            return row[j] if j is not None and j < len(row) else None

        name = clean_text(get("name"))
        if not name:
            continue
        key = name_key(name)
        if key in seen:
            continue
        seen.add(key)
        code = clean_text(get("code"))
        out.append(Agency(name=name, code=code, level=_level(get("level"), str(path), i), row=i))
    if not out:
        raise RegistryError(f"{path.name}: danh sách cơ quan không có dòng nào")
    return out


def former_names(path: str | os.PathLike) -> dict[str, tuple[str, ...]]:
    """Agency name → its former names (column ``ten_cu``, names separated by ``;``), for matching
    earlier years' reports after mergers and renamings. Empty when the registry has no such column."""
    path = Path(path)
    rows = _rows_from_csv(path) if path.suffix.lower() in (".csv", ".txt") else _rows_from_sheet(path)
    for i, row in enumerate(rows[:10]):
        heads = [fold(c) for c in row]
        names = [j for j, h in enumerate(heads) if h in _HEADERS["name"]]
        olds = [j for j, h in enumerate(heads) if h in {"ten cu", "ten_cu", "ten truoc", "former names"}]
        if names and olds:
            out = {}
            for r in rows[i + 1:]:
                name = clean_text(r[names[0]]) if names[0] < len(r) else None
                text = clean_text(r[olds[0]]) if olds[0] < len(r) else None
                if name and text:
                    out[name] = tuple(n for n in (clean_text(x) for x in text.split(";")) if n)
            return out
    return {}


class RegistryIndex:
    """Finds the registry agency of a report by name first, then by code."""

    def __init__(self, agencies: list[Agency]):
        self.agencies = agencies
        self.by_name = {name_key(a.name): i for i, a in enumerate(agencies)}
        codes: dict[str, list[int]] = {}
        for i, a in enumerate(agencies):
            if a.code:
                codes.setdefault(code_key(a.code), []).append(i)
        self.by_code = {k: v[0] for k, v in codes.items() if len(v) == 1}

    def match(self, name, code=None, level=None) -> int | None:
        """The registry row of an agency: same name, else same code (and not another level)."""
        if name:
            i = self.by_name.get(name_key(name))
            if i is not None:
                return i
        if code:
            i = self.by_code.get(code_key(code))
            if i is not None and (not level or not self.agencies[i].level or self.agencies[i].level == level):
                return i
        return None
