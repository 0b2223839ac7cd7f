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
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from . import SCHEMA_VERSION, spec
from .issues import Issue, make
from .normalize import (clean_text, fold, is_error_value, legacy_encoding, match_enum, parse_code, parse_date,
                        parse_number)

# Pure functions called for nearly every cell; the same codes and labels recur in every workbook,
# so a consolidation of many files gains from remembering them (typed: 1, 1.0 and True differ).
fold = functools.lru_cache(maxsize=16384, typed=True)(fold)
parse_code = functools.lru_cache(maxsize=16384, typed=True)(parse_code)

MAX_UNCOMPRESSED = 300 * 1024 * 1024
SUPPORTED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}


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

def _sniff(path: Path) -> None:
    """Refuse what is clearly not a workbook before handing it to a parser."""
    try:
        size = path.stat().st_size
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
        return
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                total = sum(i.file_size for i in zf.infolist())
        except zipfile.BadZipFile:
            raise UnreadableError("unreadable", "tệp bị hỏng hoặc không trọn vẹn (tải về chưa xong?)") from None
        if "word/document.xml" in names:
            raise UnreadableError("unreadable", "đây là tệp Word (.docx), không phải bảng tính Excel")
        if "ppt/presentation.xml" in names:
            raise UnreadableError("unreadable", "đây là tệp PowerPoint, không phải bảng tính Excel")
        if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names and "content.xml" not in names:
            raise UnreadableError("unreadable", "tệp nén này không phải bảng tính Excel")
        if total > MAX_UNCOMPRESSED:
            raise UnreadableError("unreadable", "tệp giải nén quá lớn (nghi là tệp độc hại)")
        with zipfile.ZipFile(path) as zf:  # one opening for every part (perf: consolidation of many files)
            for name in names:
                if name.endswith(".xml") and "<!ENTITY" in _peek(zf, name):
                    raise UnreadableError("unreadable", "tệp chứa khai báo XML không an toàn (ENTITY)")
        return
    raise UnreadableError("unreadable", "không phải tệp bảng tính (.xlsx, .xlsm, .xls, .ods)")


def _peek(zf: zipfile.ZipFile, name: str) -> str:
    with zf.open(name) as fh:
        return fh.read(4096).decode("utf-8", "replace")


def load_grids(path: str | os.PathLike, only: set[str] | None = None) -> tuple[dict[str, list[list]], dict[str, str]]:
    """Every sheet's values (or the ``only`` ones) and each sheet's visibility."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    _sniff(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
        visibility = {m.name: str(m.visible).rsplit(".", 1)[-1].lower() for m in wb.sheets_metadata}
        grids = {}
        for name in wb.sheet_names:
            if only is not None and name not in only:
                continue
            grids[name] = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            _restore_error_cells(path, grids)
    except UnreadableError:
        raise
    except Exception as exc:  # calamine raises several error types; all mean the same to a user
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            raise UnreadableError("unreadable", "tệp được đặt mật khẩu; hãy gỡ mật khẩu rồi gửi lại") from None
        raise UnreadableError("unreadable", "tệp bị hỏng hoặc không phải bảng tính hợp lệ") from None
    return grids, visibility


_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*?t="e"[^>]*>(?:<f[^<]*(?:</f>)?)?<v>([^<]*)</v>')
_SHEET_REL = re.compile(rb'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"')
_REL = re.compile(rb'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"|<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')


def _restore_error_cells(path: Path, grids: dict[str, list[list]]) -> None:
    """Put error values (#REF!, #N/A…) back: calamine reads them as empty cells."""
    import html

    with zipfile.ZipFile(path) as zf:
        sheet_parts = [n for n in zf.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        hits = {}
        for name in sheet_parts:
            data = zf.read(name)
            if b't="e"' in data:
                hits[name] = data
        if not hits:
            return
        rels = {}
        for m in _REL.finditer(zf.read("xl/_rels/workbook.xml.rels")):
            rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            target = target.decode().lstrip("/")
            rels[rid.decode()] = target if target.startswith("xl/") else "xl/" + target
        by_part = {}
        for m in _SHEET_REL.finditer(zf.read("xl/workbook.xml")):
            by_part[rels.get(m.group(2).decode())] = html.unescape(m.group(1).decode("utf-8"))
    for part, data in hits.items():
        grid = grids.get(by_part.get(part))
        if grid is None:
            continue
        for m in _ERROR_CELL.finditer(data):
            col = 0
            for ch in m.group(1).decode():
                col = col * 26 + ord(ch) - 64
            r, c = int(m.group(2)) - 1, col - 1
            while len(grid) <= r:
                grid.append([])
            row = grid[r]
            while len(row) <= c:
                row.append("")
            row[c] = m.group(3).decode()


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
        g = self.grids.get(title)
        if g is None:
            # tolerate a sheet name typed with another Unicode form or case
            for name, grid in self.grids.items():
                if fold(name) == fold(title):
                    return name, grid
            raise UnreadableError("wrong_template", f"thiếu trang “{title}” (trang bị xóa hoặc đổi tên)")
        return title, g

    @staticmethod
    def at(grid, r, c):
        if r < len(grid) and c < len(grid[r]):
            v = grid[r][c]
            return None if v == "" else v
        return None

    def note(self, issue_code, sheet, r, c, field_key=None, /, **kw):
        self.issues.append(make(issue_code, sheet=sheet, cell=a1(r, c), field=field_key, **kw))

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
            if n.ambiguous:
                from .normalize import format_number

                raw = clean_text(v)
                dec, thou = parse_number(raw, "decimal").value, parse_number(raw, "thousands").value
                self.note("ambiguous_number", sheet, r, c, key, value=raw, as_decimal=format_number(dec),
                          as_thousands=format_number(thou), chosen=format_number(n.value),
                          suggest=format_number(n.value))
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
                value = match_enum(raw, items) or raw
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
        for r in range(ah + 1, dh):
            code = parse_code(self.at(grid, r, 1))
            score_raw = self.at(grid, r, 4)
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
        for r in range(hr + 1, len(grid)):
            code = parse_code(self.at(grid, r, 0))
            if not code:
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
            for ch in row["choices"]:
                if fold(ch["label"]) == fold(text):
                    return ch["value"]
            n = parse_number(text)
            if n.ok and isinstance(n.value, int) and n.value in values:
                return n.value
            m = re.match(r"^\s*(\d+)\s*[-–:=.]", text)
            if m and int(m.group(1)) in values:
                return int(m.group(1))
            return text
        value = self.text(grid, sheet, r, c, key, multiline=True)
        if row.get("group") or row.get("unknown"):
            n = parse_number(self.at(grid, r, c))
            if n.ok and n.value is not None and not isinstance(self.at(grid, r, c), str):
                return n.value
        return value


_STATUS_KEYS: dict[str | None, str | None] = {}


def _status_key(raw: str | None) -> str | None:
    """``match_enum`` on the statuses, remembered: a status column repeats a few labels (perf)."""
    if raw not in _STATUS_KEYS:
        if len(_STATUS_KEYS) > 4096:
            _STATUS_KEYS.clear()
        _STATUS_KEYS[raw] = match_enum(raw, spec.statuses(), allow_prefix=True)
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
    return ReadResult(doc, rd.cells, rd.issues, meta, cat)


def read_file(path: str | os.PathLike) -> ReadResult:
    grids, _ = load_grids(path)
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
