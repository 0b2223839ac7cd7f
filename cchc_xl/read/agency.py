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
from dataclasses import dataclass, field
from pathlib import Path

from cchc_xl import spec
from cchc_xl.files.area import MAX_COLS, MAX_ROWS, UnreadableError, a1, col_letter
from cchc_xl.files.boundary import load_grids
from cchc_xl.normalize import clean_text, fold, legacy_encoding, parse_code, parse_date, parse_number
from cchc_xl.numtext import format_number
from cchc_xl.read import grid as gridkit
from cchc_xl.read import spelling
from cchc_xl.spec import SCHEMA_VERSION, checks
from cchc_xl.spec.issues import Issue, make

# Pure functions called for nearly every cell; the same codes and labels recur in every workbook,
# so a consolidation of many files gains from remembering them (typed: 1, 1.0 and True differ).
fold = functools.lru_cache(maxsize=16384, typed=True)(fold)
parse_code = functools.lru_cache(maxsize=16384, typed=True)(parse_code)


def _unambiguous(x: float) -> str:
    """A number written so that nobody can misread it: a whole number without any separator
    ("1216"), a fraction with the decimal comma ("1,216")."""
    if float(x).is_integer():
        return str(int(x))
    return format_number(x)


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


def _sub_key(key: str, last, part: str) -> str:
    """``path_key(parts + [part])`` for a string ``part``, from ``key = path_key(parts)`` and
    ``last = parts[-1]`` (perf: the keys of every field of a row share their row's key)."""
    if last in ("indicators", "propaganda"):
        return f"{key}[{part}]"
    return f"{key}.{part}" if key else part


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


_AGENCY_REFUSALS = {
    "missing": "không phải biểu mẫu báo cáo CCHC của cchc-xl (thiếu trang nhận diện); hãy dùng biểu mẫu do "
               "Sở Nội vụ phát hành",
    "template_id": "không phải biểu mẫu báo cáo CCHC của cơ quan (mã biểu mẫu khác)",
    "broken": "trang nhận diện của biểu mẫu bị hỏng",
    "newer": "biểu mẫu phiên bản {version} mới hơn công cụ (hỗ trợ đến {supported}); hãy cập nhật cchc-xl",
    "level": "trang nhận diện của biểu mẫu ghi cấp không hợp lệ",
}


def _meta(grids: dict[str, list[list]]) -> dict:
    def refuse(reason, **values):
        return UnreadableError("wrong_template", _AGENCY_REFUSALS[reason].format(**values))

    meta = gridkit.read_meta(grids, spec.sheets(), refuse, levels=spec.level_keys())
    try:
        meta["criteria_year"] = int(float(meta.get("criteria_year")))
    except (TypeError, ValueError, OverflowError):
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
        name = gridkit.sheet_named(self.grids, title)  # also a name typed with another Unicode form or case
        if name is None:
            raise UnreadableError("wrong_template", f"thiếu trang “{title}” (trang bị xóa hoặc đổi tên)")
        g = self.grids[name]
        merged = getattr(self.grids, "merged", {}).get(name)
        if merged and key in _TABLE_SHEETS:
            fill_merged(g, merged)
        return name, g

    @staticmethod
    def at(grid, r, c):
        return gridkit.cell(grid, r, c)

    def note(self, issue_code, sheet, r, c, field_key=None, /, **kw):
        self.issues.append(make(issue_code, sheet=sheet, cell=a1(r, c), field=field_key, **kw))

    def missing_code(self, sheet, r, code_col, code_title, value_col, value_title, raw):
        """A row holds data but no code: nothing could say what the data is for."""
        self.note("missing_code", sheet, r, code_col, None, code_title=code_title,
                  value_title=_lower_first(value_title), value=_shown(raw), cell_of_value=a1(r, value_col))

    def value(self, grid, sheet, r, c, key):
        """The cell's value, its place recorded for the field; None when the cell is empty or holds
        an Excel error value (reported here, once for every kind of field)."""
        self.cells[key] = (sheet, a1(r, c))
        return gridkit.read_cell(grid, r, c, lambda err: self.note("excel_error", sheet, r, c, key, value=err))

    def text(self, grid, sheet, r, c, key, multiline=False):
        v = self.value(grid, sheet, r, c, key)
        if v is None:
            return None
        if isinstance(v, (dt.date, dt.datetime)):
            return spec.date_text(v)
        if isinstance(v, bool):
            return "Có" if v else "Không"
        s = clean_text(v, multiline=multiline)
        enc = legacy_encoding(s)
        if enc:
            self.note("legacy_encoding", sheet, r, c, key, value=s[:40], encoding=enc)
        return s

    def number(self, grid, sheet, r, c, key, prefer="decimal"):
        v = self.value(grid, sheet, r, c, key)
        if v is None:
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

    def find_header(self, g, titles: list[str], start: int = 0) -> int | None:
        return gridkit.header_row(g, titles, start)

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
            if checks.is_numeric(fld["type"]):
                value = self.number(grid, sheet, r, 1, key, prefer=_reading(fld["type"]))
            elif checks.has(fld["type"], "date"):
                raw = self.at(grid, r, 1)
                self.cells[key] = (sheet, a1(r, 1))
                d = parse_date(raw)
                value = d.isoformat() if d else (clean_text(raw) if raw is not None else None)
            elif checks.has(fld["type"], "allowed"):
                raw = self.text(grid, sheet, r, 1, key)
                items = {"levels": spec.levels(), "period_kinds": spec.period_kinds()}[fld["enum"]]
                value = spelling.match(raw, items) or raw
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
            bkey = path_key(["areas", i])
            item = {
                "code": code,
                "name": self.text(grid, sheet, r, 2, _sub_key(bkey, i, "name")),
                "max_score": self.number(grid, sheet, r, 3, _sub_key(bkey, i, "max_score")),
                "score": self.number(grid, sheet, r, 4, _sub_key(bkey, i, "score")),
            }
            self.cells[_sub_key(bkey, i, "code")] = (sheet, a1(r, 1))
            self.cells[bkey] = (sheet, a1(r, 4))
            areas.append(item)
        doc["areas"] = areas
        deds = []
        for r in range(dh + 1, len(grid)):
            if all(v == "" or v is None for v in grid[r][1:6]):  # empty row: at() is None in columns 1-5
                continue
            i = len(deds)
            bkey = path_key(["deductions", i])
            raw_code = self.at(grid, r, 1)
            code = parse_code(raw_code)
            self.cells[_sub_key(bkey, i, "code")] = (sheet, a1(r, 1))
            self.cells[bkey] = (sheet, a1(r, 1))
            deds.append({
                "code": code,
                "name": self.text(grid, sheet, r, 2, _sub_key(bkey, i, "name")),
                "max_score": self.number(grid, sheet, r, 3, _sub_key(bkey, i, "max_score")),
                "score": self.number(grid, sheet, r, 4, _sub_key(bkey, i, "score")),
                "reason": self.text(grid, sheet, r, 5, _sub_key(bkey, i, "reason"), multiline=True),
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
            if all(v == "" or v is None for v in grid[r][1:len(cols)]):  # empty row: at() is None in them all
                continue
            i = len(items)
            bkey = path_key(["remediation", i])
            item = {}
            for c in cols:
                key = c["key"]
                if key == "stt":
                    continue
                col = idx[key]
                pk = _sub_key(bkey, i, key)
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
                        item[key] = f"{raw.day}/{raw.month}/{raw.year}"  # as a deadline is typed
                    else:
                        item[key] = self.text(grid, sheet, r, col, pk)
                else:
                    item[key] = self.text(grid, sheet, r, col, pk, multiline=c.get("type") == "longtext")
            self.cells[bkey] = (sheet, a1(r, idx["issue"]))
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
            bkey = path_key([which, code])
            vkey, nkey = _sub_key(bkey, code, "value"), _sub_key(bkey, code, "note")
            self.cells[bkey] = (sheet, a1(r, 3))
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
        if checks.is_numeric(kind):
            value = self.number(grid, sheet, r, c, key, prefer=_reading(kind))
            if checks.unit(kind) == "%" and isinstance(value, (int, float)):
                pct_sign = isinstance(raw, str) and raw.strip().endswith("%")
                if not pct_sign and isinstance(raw, float) and 0 < raw <= 1 and not float(raw).is_integer():
                    value = round(raw * 100, 6)
                    value = int(value) if float(value).is_integer() else value
                    self.note("percent_fraction", sheet, r, c, key, value=raw, parsed=value)
            return value
        if checks.has(kind, "allowed"):
            text = self.text(grid, sheet, r, c, key)
            if text is None:
                return None
            values = {ch["value"] for ch in row["choices"]}
            chosen = spelling.match(text, row["choices"])
            if chosen is not None:
                return chosen
            n = parse_number(text) if checks.coded(kind) else None
            if n and n.ok and isinstance(n.value, int) and n.value in values:
                return n.value
            return text
        value = self.text(grid, sheet, r, c, key, multiline=True)
        if row.get("group") or row.get("unknown"):
            n = parse_number(self.at(grid, r, c))
            if n.ok and n.value is not None and not isinstance(self.at(grid, r, c), str):
                return n.value
        return value


def _reading(field_type: str) -> str:
    """How a number typed as text is read: a whole type (a count, a year) reads "1.216" as 1216,
    as the workbook's ``_so`` sheet does; any other as 1,216."""
    return "thousands" if checks.bounds(field_type).whole else "decimal"


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
        _STATUS_KEYS[raw] = spelling.match(raw, spec.statuses())
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


def read_file(path: str | os.PathLike, max_cells: int | None = None) -> ReadResult:
    """The canonical report of a workbook file; ``max_cells`` (the server's cell budget): refuse,
    before and after reading, a workbook holding more cells (``budget``)."""
    from cchc_xl.files import budget

    budget.check_file(path, max_cells)
    grids, _ = load_grids(path, only=_read_sheets())
    budget.check(budget.count_grids(grids) if max_cells else None, max_cells)
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
