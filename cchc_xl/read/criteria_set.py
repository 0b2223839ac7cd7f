"""Reading a filled criteria-set workbook (sổ Bộ tiêu chí) back into criteria catalogs.

``read_catalog_workbook`` reads the sets sheet (year, title, decision, scope, appraised total,
survey points) and the table of areas and criteria, and reports, cell by cell, a malformed or
repeated code, a criterion whose parent is missing, sub-criteria whose maxima exceed their
parent's, or areas that do not add up to the announced appraised total.
``import_catalog_workbook`` writes a faultless one into a catalog folder
(``<level>/criteria-<year>.json``) for ``--catalog``. The workbook is written by
``cycle.catalog_book``; layout, texts and issue wording: ``schemas/catalog_book.json``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from cchc_xl import spec
from cchc_xl.normalize import clean_text, fold, parse_code, parse_number
from cchc_xl.read import grid as gridkit
from cchc_xl.files.area import a1
from cchc_xl.spec.issues import Issue, make, render

CODE = re.compile(r"^[0-9]+[a-z]?(\.[0-9]+[a-z]?)*$")


class CatalogBookError(gridkit.BookError):
    """The catalog workbook cannot be used (Vietnamese message; ``issues`` point at cells)."""


def decl() -> dict:
    return spec.load("catalog_book")


def sheet_cfg(key: str) -> dict:
    """The declaration of one sheet of the criteria-set workbook."""
    return decl()["sheets"][key]


def parent_code(code: str) -> str | None:
    """``"7a.3.2.3"`` → ``"7a.3.2"``; an area has none."""
    return code.rsplit(".", 1)[0] if "." in code else None


@dataclass
class CatalogBook:
    level: str
    sets: list[dict]  # criteria catalogs, ready to be written as criteria-<year>.json
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]


def _issue(kind: str, sheet: str, cell: str | None, fld: str | None = None, **values) -> Issue:
    own = decl()["issues"]
    if kind in own:  # a year shows as 2025, not 2.025 (issues.render)
        return render(own[kind], kind, sheet=sheet, cell=cell, field=fld, **values)
    return make(kind, sheet=sheet, cell=cell, field=fld, **values)


_value = gridkit.cell


class _Table:
    """One declared table of a sheet: header found by its titles, cells read with issues."""

    def __init__(self, grids, key: str, path: Path, issues: list[Issue]):
        self.cfg = sheet_cfg(key)
        title = self.cfg["title"]
        self.sheet = gridkit.sheet_named(grids, title)
        if self.sheet is None:
            raise CatalogBookError(f"{path.name}: thiếu trang “{title}” (trang bị xóa hoặc đổi tên)")
        self.grid = grids[self.sheet]
        self.issues = issues
        inputs = [c for c in self.cfg["columns"] if c["type"] != "formula"]
        found = gridkit.header_columns(self.grid, inputs)
        if found is None:
            raise CatalogBookError(f"{path.name}: trang “{self.sheet}” không còn đúng tiêu đề bảng")
        self.header, self.col = found
        self.titles = {c["key"]: c["title"] for c in self.cfg["columns"]}
        self.inputs = [c["key"] for c in inputs]

    def rows(self):
        for r in range(self.header + 1, len(self.grid)):
            if any(_value(self.grid, r, self.col[k]) is not None for k in self.inputs):
                yield r

    def cell(self, r: int, key: str) -> str:
        return a1(r, self.col[key])

    def add(self, kind: str, r: int, key: str, **values) -> None:
        self.issues.append(_issue(kind, self.sheet, self.cell(r, key), key, **values))

    def raw(self, r: int, key: str):
        return gridkit.read_cell(self.grid, r, self.col[key], lambda err: self.add("excel_error", r, key, value=err))

    def text(self, r: int, key: str, required: bool = False):
        v = self.raw(r, key)
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        t = clean_text(v, multiline=True) if v is not None else None
        if t is None and required:
            self.add("required", r, key, field_title=self.titles[key])
        return t

    def number(self, r: int, key: str, whole: bool = False, required: bool = False):
        v = self.raw(r, key)
        if v is None:
            if required:
                self.add("required", r, key, field_title=self.titles[key])
            return None
        n = parse_number(v, prefer="thousands" if whole else "decimal")
        if not n.ok or n.value is None or (whole and not float(n.value).is_integer()):
            self.add("invalid_type", r, key, field_title=self.titles[key], value=clean_text(v) or v,
                     expected="năm có 4 chữ số" if whole else "một số không âm (ví dụ 1,5)")
            return None
        low, high = spec.year_range()
        if whole and not low <= n.value <= high:
            self.add("out_of_range", r, key, variant="outside", field_title=self.titles[key], value=str(n.value),
                     low=str(low), high=str(high))
            return None
        if n.value < 0:
            self.add("out_of_range", r, key, field_title=self.titles[key], value=n.value, bound="không được âm")
            return None
        return int(n.value) if whole else n.value


def _meta_of(grids, path: Path) -> dict:
    def refuse(reason, version=None, **_):
        why = {"broken": "trang nhận diện của sổ Bộ tiêu chí bị hỏng",
               "newer": f"sổ Bộ tiêu chí phiên bản {version} mới hơn công cụ; hãy cập nhật cchc-xl",
               "level": "trang nhận diện của sổ Bộ tiêu chí không ghi cấp hợp lệ"}.get(
            reason, "không phải sổ Bộ tiêu chí của cchc-xl (tạo sổ bằng lệnh: cchc-xl catalog -o BO_TIEU_CHI.xlsx "
                    "--level CẤP)")
        return CatalogBookError(f"{path.name}: {why}")

    return gridkit.read_meta(grids, decl(), refuse, levels=spec.level_keys())


def _read_sets(t: _Table) -> dict[int, dict]:
    scopes = {fold(s["label"]): s["key"] for s in decl()["scopes"]} | {s["key"]: s["key"] for s in decl()["scopes"]}
    out: dict[int, dict] = {}
    cells: dict[int, str] = {}
    for r in t.rows():
        year = t.number(r, "year", whole=True, required=True)
        title = t.text(r, "title", required=True)
        raw_scope = t.text(r, "scope")
        scope = scopes.get(fold(raw_scope)) if raw_scope else "full"
        if scope is None:
            t.add("invalid_value", r, "scope", field_title=t.titles["scope"], value=raw_scope,
                  allowed="; ".join(s["label"] for s in decl()["scopes"]))
        s = {"year": year, "title": title, "document": t.text(r, "document"), "scope": scope or "full",
             "max_total": t.number(r, "max_total"), "survey_max_score": t.number(r, "survey_max_score"),
             "remark": t.text(r, "remark"), "_row": r}
        if year is None:
            continue
        if year in out:
            t.add("catalog_duplicate_year", r, "year", year=year, other_cell=cells[year])
            continue
        out[year] = s
        cells[year] = t.cell(r, "year")
    return out


def _check_set(year: int, s: dict, items: list[dict], t: _Table, sets_t: _Table) -> None:
    """Parents present, children's maxima within their parent's, areas adding up to the announced total."""
    by_code = {it["code"]: it for it in items}
    children: dict[str, list[dict]] = {}
    for it in items:
        parent = parent_code(it["code"])
        if parent is None:
            continue
        need = it["code"].split(".", 1)[0] if s["scope"] == "partial" else parent
        if need not in by_code:
            t.add("catalog_parent_missing", it["_row"], "code", code=it["code"], year=year, parent=need)
        children.setdefault(parent, []).append(it)
    for code, kids in children.items():
        node = by_code.get(code)
        if node is None or node["max_score"] is None:
            continue
        total = sum(k["max_score"] or 0 for k in kids)
        if total > node["max_score"] + 1e-9:
            t.add("catalog_children_exceed", node["_row"], "max_score", code=code, year=year,
                  children=", ".join(k["code"] for k in kids), total=round(total, 6), max_score=node["max_score"])
    areas = [it for it in items if parent_code(it["code"]) is None]
    if not areas:
        sets_t.add("catalog_empty_set", s["_row"], "year", year=year, criteria=t.sheet)
    elif s["max_total"] is not None and all(a["max_score"] is not None for a in areas):
        total = round(sum(a["max_score"] for a in areas), 6)
        if abs(total - s["max_total"]) > 1e-6:
            sets_t.add("catalog_total_mismatch", s["_row"], "max_total", year=year, total=total,
                       announced=s["max_total"])


def read_catalog_workbook(path: str | os.PathLike) -> CatalogBook:
    """The filled catalog workbook, checked: every problem is an issue with its sheet and cell."""
    path = Path(path)
    grids = gridkit.load_book(path, CatalogBookError)
    level = _meta_of(grids, path)["level"]
    issues: list[Issue] = []
    sets_t = _Table(grids, "sets", path, issues)
    crit_t = _Table(grids, "criteria", path, issues)
    sets = _read_sets(sets_t)
    yes = fold(decl()["yes"])
    per_year: dict[int, list[dict]] = {}
    seen: dict[tuple[int, str], str] = {}
    for r in crit_t.rows():
        year = crit_t.number(r, "year", whole=True, required=True)
        raw_code = crit_t.raw(r, "code")
        code = parse_code(raw_code) if raw_code is not None else None
        name = crit_t.text(r, "name", required=True)
        mx = crit_t.number(r, "max_score")
        flag = crit_t.text(r, "may_not_apply")
        if flag is not None and fold(flag) not in (yes, "x", "co", "1"):
            if fold(flag) not in ("khong", "0"):
                crit_t.add("invalid_value", r, "may_not_apply", field_title=crit_t.titles["may_not_apply"],
                           value=flag, allowed=f"{decl()['yes']} hoặc để trống")
            flag = None
        if code is None:
            if raw_code is None:
                crit_t.add("required", r, "code", field_title=crit_t.titles["code"])
            continue
        if not CODE.match(code):
            crit_t.add("catalog_bad_code", r, "code", value=clean_text(raw_code))
            continue
        if year is None:
            continue
        if year not in sets:
            crit_t.add("catalog_year_unknown", r, "year", year=year, sets=sets_t.sheet)
            continue
        if (year, code) in seen:
            crit_t.add("catalog_duplicate_code", r, "code", code=code, year=year, other_cell=seen[(year, code)])
            continue
        seen[(year, code)] = crit_t.cell(r, "code")
        if name is None:
            continue
        per_year.setdefault(year, []).append({"code": code, "name": name, "max_score": mx,
                                              "may_not_apply": flag is not None, "_row": r})
    for year, s in sets.items():
        _check_set(year, s, per_year.get(year, []), crit_t, sets_t)
    out = []
    for year, s in sorted(sets.items()):
        items = sorted(per_year.get(year, []), key=lambda it: spec.code_sort_key(it["code"]))
        doc = {"kind": "criteria", "level": level, "year": year, "title": s["title"]}
        for key in ("document", "max_total", "survey_max_score", "remark"):
            if s[key] is not None:
                doc[key] = s[key]
        if s["scope"] == "partial":
            doc["scope"] = "partial"
        doc["source"] = f"Sổ Bộ tiêu chí {path.name}"

        def entry(it):
            e = {"code": it["code"], "name": it["name"], "max_score": it["max_score"]}
            if it["may_not_apply"]:
                e["may_not_apply"] = True
            return e

        doc["areas"] = [entry(it) for it in items if parent_code(it["code"]) is None]
        doc["criteria"] = [entry(it) for it in items if parent_code(it["code"]) is not None]
        out.append(doc)
    return CatalogBook(level, out, issues)


def import_catalog_workbook(path: str | os.PathLike, out_dir: str | os.PathLike) -> list[Path]:
    """``cchc-xl catalog BO_TIEU_CHI.xlsx -o DIR``: write ``DIR/<level>/criteria-<year>.json`` per set.

    Nothing is written while the workbook has errors (``CatalogBookError`` with the issues).
    Each file is written whole (temporary file, then renamed) and checked like any catalog.
    """
    from cchc_xl.files.fileio import os_reason, write_text_atomic

    path = Path(path)
    book = read_catalog_workbook(path)
    if book.errors:
        raise CatalogBookError(f"{path.name}: sổ Bộ tiêu chí còn {len(book.errors)} lỗi, chưa ghi danh mục nào. "
                               "Hãy sửa các ô sau rồi chạy lại:", book.errors)
    if not book.sets:
        raise CatalogBookError(f"{path.name}: trang “{sheet_cfg('sets')['title']}” chưa có bộ tiêu chí nào")
    folder = Path(out_dir) / book.level
    texts = []
    for doc in book.sets:
        target = folder / f"criteria-{doc['year']}.json"
        spec.check_catalog(doc, target, book.level, "criteria")
        texts.append((target, json.dumps(doc, ensure_ascii=False, indent=2) + "\n"))
    written = []
    try:
        for target, text in texts:
            written.append(write_text_atomic(target, text))
    except OSError as exc:
        raise CatalogBookError(f"{folder}: không ghi được danh mục ({os_reason(exc)})") from None
    spec.catalog.cache_clear()
    return written
