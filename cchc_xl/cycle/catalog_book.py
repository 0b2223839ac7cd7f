"""The criteria set (Bộ tiêu chí) as a workbook the Home Affairs department fills itself.

Each province issues its criteria set by decision every few years, as a Word or Excel table.
``write_catalog_workbook`` writes the sets of one level (all years, or the one serving
``year``) as a workbook in the agency workbook's style: one sheet of sets (year, title,
decision, scope, appraised total, survey points) and one table of areas and criteria (year,
code, name, maximum, "may not apply"), with dropdowns, bounds, hints and a live "Kiểm tra"
column. ``import_catalog_workbook`` reads a filled one back into a catalog folder
(``<level>/criteria-<year>.json``) for ``--catalog``, and refuses it, cell by cell, when a code
is malformed or given twice, a criterion's parent is missing, sub-criteria's maxima exceed their
parent's, or the areas do not add up to the announced appraised total. The survey component
(điểm điều tra xã hội học) is a figure of the set, kept apart from the appraised areas.

Layout, texts and issue wording: ``schemas/catalog_book.json``.
"""

from __future__ import annotations

import json
import os
import re
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from cchc_xl import spec
from cchc_xl.normalize import clean_text, fold, is_error_value, parse_code, parse_number
from cchc_xl.read.agency import UnreadableError, a1, load_grids, meta_version
from cchc_xl.sheets.measure import fit_row
from cchc_xl.sheets.xlsx import save_atomic
from cchc_xl.spec import __version__
from cchc_xl.spec.issues import Issue, make, render
from cchc_xl.workbook.guide_sheet import write_guide
from cchc_xl.workbook.kit import input_hint, set_text, write_header, write_title
from cchc_xl.workbook.style import (
    BORDER,
    GROUP_FILL,
    LOCKED_FILL,
    RED_FILL,
    RED_FONT,
    UNLOCKED,
    WRAP_TOP,
    font,
    print_setup,
    protect,
)

CODE = re.compile(r"^[0-9]+[a-z]?(\.[0-9]+[a-z]?)*$")
AREA_MARK = "Lĩnh vực"  # what the "Thuộc" column shows for an area (no parent)


class CatalogBookError(Exception):
    """The catalog workbook cannot be used (Vietnamese message; ``issues`` point at cells)."""

    def __init__(self, message: str, issues: list[Issue] | None = None):
        super().__init__(message)
        self.message = message
        self.issues = list(issues or [])


def decl() -> dict:
    return spec.load("catalog_book")


def _cfg(key: str) -> dict:
    return decl()["sheets"][key]


def _scope_label(key: str | None) -> str:
    return next(s["label"] for s in decl()["scopes"] if s["key"] == (key or "full"))


def parent_code(code: str) -> str | None:
    """``"7a.3.2.3"`` → ``"7a.3.2"``; an area has none."""
    return code.rsplit(".", 1)[0] if "." in code else None


# ---- writing -------------------------------------------------------------------------------

def _sets_of(level: str, year: int | None) -> list[dict]:
    if year is not None:
        return [spec.catalog(level, year).criteria]
    years = spec.criteria_years(level)
    if not years:
        raise spec.SpecError(f"Không có bộ tiêu chí nào cho cấp {level}")
    return [spec.catalog(level, y).criteria for y in years]


def _style_input_row(ws, r: int, cols: list[dict]) -> None:
    for c, col in enumerate(cols, start=1):
        cell = ws.cell(row=r, column=c)
        cell.border = BORDER
        cell.font = font(11)
        cell.alignment = WRAP_TOP
        if col.get("type") == "formula":
            cell.fill = LOCKED_FILL
        else:
            cell.protection = UNLOCKED
        if col["type"] == "score":
            cell.number_format = "0.###"
        elif col["type"] == "code":
            cell.number_format = "@"  # "1.10" must not become the number 1.1
        elif col["type"] == "year":
            cell.number_format = "0"


def _dv(ws, dv: DataValidation, rng: str, col: dict, error: str, style: str = "stop") -> None:
    dv.errorTitle, dv.error, dv.showErrorMessage, dv.errorStyle = "Giá trị không hợp lệ", error, True, style
    input_hint(dv, col["title"], col.get("hint"))
    dv.add(rng)
    ws.add_data_validation(dv)


def _input_validations(ws, cols: list[dict], first: int, last: int) -> None:
    for i, col in enumerate(cols, start=1):
        L = get_column_letter(i)
        rng = f"{L}{first}:{L}{last}"
        t = col["type"]
        if t == "year":
            _dv(ws, DataValidation(type="whole", operator="between", formula1="2000", formula2="2100", allow_blank=True),
                rng, col, "Nhập năm có 4 chữ số, từ 2000 đến 2100.")
        elif t == "score":
            _dv(ws, DataValidation(type="decimal", operator="between", formula1="0", formula2="1000", allow_blank=True),
                rng, col, "Điểm phải là số không âm (số thập phân dùng dấu phẩy).")
        elif t == "scope":
            _dv(ws, DataValidation(type="list", formula1="ds_pham_vi", allow_blank=True), rng, col,
                "Hãy chọn trong danh sách: " + "; ".join(s["label"] for s in decl()["scopes"]) + ".")
        elif t == "yes":
            _dv(ws, DataValidation(type="list", formula1="ds_co", allow_blank=True), rng, col,
                f"Chọn “{decl()['yes']}” hoặc để trống.")
        elif t == "code":
            _dv(ws, DataValidation(type="textLength", operator="between", formula1="1", formula2="20", allow_blank=True),
                rng, col, "Mã dài tối đa 20 ký tự, ví dụ 1.1 hoặc 7a.3.2.3.")
        elif t == "text":
            _dv(ws, DataValidation(type="textLength", operator="lessThanOrEqual", formula1="2000", allow_blank=True),
                rng, col, "Nội dung dài tối đa 2.000 ký tự.")


def _letters(cols: list[dict]) -> dict[str, str]:
    return {c["key"]: get_column_letter(i) for i, c in enumerate(cols, start=1)}


def _open_sheet(wb: Workbook, key: str, level_label: str, header_height: float):
    """A declared sheet with its title, subtitle and header row; returns what its writer needs."""
    cfg = _cfg(key)
    ws = wb.create_sheet(cfg["title"])
    cols = cfg["columns"]
    write_title(ws, cfg["heading"].format(level=level_label.upper()), cfg["subtitle"], len(cols))
    hr = cfg["header_row"]
    write_header(ws, hr, cols)
    ws.row_dimensions[hr].height = header_height
    return cfg, ws, cols, _letters(cols), hr


def _criteria_sheet(wb: Workbook, level_label: str, sets: list[dict], sets_ref: dict[str, str]) -> dict[str, str]:
    cfg, ws, cols, L, hr = _open_sheet(wb, "criteria", level_label, 32)
    ncol = len(cols)
    checks = decl()["checks"]
    rows = []
    for s in sets:
        items = [(a, True) for a in s["areas"]] + [(c, False) for c in s["criteria"]]
        items.sort(key=lambda x: spec.code_sort_key(x[0]["code"]))
        rows.extend((s["year"], item, is_area) for item, is_area in items)
    first = hr + 1
    last = hr + max(cfg["open_rows"], len(rows) + 200)
    title = quote_sheetname(ws.title)
    ref = {k: f"{title}!${L[k]}${first}:${L[k]}${last}" for k in ("year", "code", "max_score", "parent", "check")}
    y, c, n, m, p = (L[k] for k in ("year", "code", "name", "max_score", "parent"))
    partial = next(s["label"] for s in decl()["scopes"] if s["key"] == "partial")
    _style_input_row(ws, first, cols)
    base = [copy(ws.cell(row=first, column=col)._style) for col in range(1, ncol + 1)]
    for r in range(first, last + 1):
        for col in range(1, ncol + 1):
            ws.cell(row=r, column=col)._style = copy(base[col - 1])
        code = f"${c}{r}"
        last_dot = f"FIND(\"@\",SUBSTITUTE({code},\".\",\"@\",LEN({code})-LEN(SUBSTITUTE({code},\".\",\"\"))))"
        ws[f"{p}{r}"] = (f"=IF({code}=\"\",\"\",IF(ISERROR(FIND(\".\",{code})),\"{AREA_MARK}\","
                         f"LEFT({code},{last_dot}-1)))")
        scope = f"IFERROR(VLOOKUP(${y}{r},{sets_ref['table']},{sets_ref['scope_index']},FALSE),\"\")"
        needed = f"IF({scope}=\"{partial}\",LEFT({code},FIND(\".\",{code})-1),${p}{r})"
        ws[f"{L['check']}{r}"] = (
            f"=IF(COUNTA(${y}{r}:${L['may_not_apply']}{r})=0,\"\","
            f"IF(OR(${y}{r}=\"\",{code}=\"\",${n}{r}=\"\"),\"{checks['required']}\","
            f"IF(COUNTIF({sets_ref['years']},${y}{r})=0,\"{checks['year_unknown']}\","
            f"IF(COUNTIFS({ref['year']},${y}{r},{ref['code']},{code})>1,\"{checks['duplicate']}\","
            f"IF(IF(${p}{r}=\"{AREA_MARK}\",FALSE,COUNTIFS({ref['year']},${y}{r},{ref['code']},{needed})=0),"
            f"\"{checks['parent_missing']}\","
            f"IF(AND(ISNUMBER(${m}{r}),SUMIFS({ref['max_score']},{ref['year']},${y}{r},{ref['parent']},{code})"
            f">${m}{r}+0.000001),\"{checks['children_exceed']}\",\"\"))))))")
        k = r - first
        if k < len(rows):
            year, item, is_area = rows[k]
            ws[f"{y}{r}"] = year
            set_text(ws[f"{c}{r}"], item["code"])
            set_text(ws[f"{n}{r}"], item.get("name"))
            ws[f"{m}{r}"] = item.get("max_score")
            if item.get("may_not_apply"):
                ws[f"{L['may_not_apply']}{r}"] = decl()["yes"]
            if is_area:
                for col in range(1, ncol + 1):
                    cell = ws.cell(row=r, column=col)
                    cell.font = font(11, bold=True)
                    if cols[col - 1].get("type") != "formula":
                        cell.fill = GROUP_FILL
            fit_row(ws, r, 11, max_col=ncol)
    rng_inputs = f"{y}{first}:{L['may_not_apply']}{last}"
    ws.conditional_formatting.add(rng_inputs, FormulaRule(formula=[f"${L['check']}{first}<>\"\""], fill=RED_FILL))
    ws.conditional_formatting.add(f"{L['check']}{first}:{L['check']}{last}",
                                  FormulaRule(formula=[f"${L['check']}{first}<>\"\""], fill=RED_FILL, font=RED_FONT))
    _input_validations(ws, cols, first, last)
    ws.freeze_panes = f"C{first}"
    ws.auto_filter.ref = f"A{hr}:{get_column_letter(ncol)}{last}"
    print_setup(ws, f"{hr}:{hr}", get_column_letter(ncol))
    ws.print_area = f"A1:{get_column_letter(ncol)}{first + max(len(rows), 1) - 1}"
    protect(ws, allow_rows=True)
    return ref


def _sets_sheet(wb: Workbook, level_label: str, sets: list[dict]) -> tuple:
    """The sets sheet; returns it with a function that writes its checks once the criteria ranges exist."""
    cfg, ws, cols, L, hr = _open_sheet(wb, "sets", level_label, 48)
    ncol = len(cols)
    first, last = hr + 1, hr + cfg["open_rows"]
    for r in range(first, last + 1):
        _style_input_row(ws, r, cols)
        e, f = L["max_total"], L["survey_max_score"]
        ws[f"{L['index_total']}{r}"] = f"=IF(AND(${e}{r}=\"\",${f}{r}=\"\"),\"\",N(${e}{r})+N(${f}{r}))"
        ws[f"{L['index_total']}{r}"].number_format = "0.###"
        k = r - first
        if k < len(sets):
            s = sets[k]
            ws[f"{L['year']}{r}"] = s["year"]
            set_text(ws[f"{L['title']}{r}"], s.get("title"))
            set_text(ws[f"{L['document']}{r}"], s.get("document"))
            ws[f"{L['scope']}{r}"] = _scope_label(s.get("scope"))
            ws[f"{L['max_total']}{r}"] = s.get("max_total")
            ws[f"{L['survey_max_score']}{r}"] = s.get("survey_max_score")
            set_text(ws[f"{L['remark']}{r}"], s.get("remark"))
            fit_row(ws, r, 11, max_col=ncol)
    title = quote_sheetname(ws.title)
    scope_index = list(L).index("scope") + 1
    refs = {"years": f"{title}!${L['year']}${first}:${L['year']}${last}",
            "table": f"{title}!${L['year']}${first}:${L['scope']}${last}", "scope_index": scope_index}

    def add_checks(crit: dict[str, str]) -> None:
        checks = decl()["checks"]
        for r in range(first, last + 1):
            y, e = f"${L['year']}{r}", f"${L['max_total']}{r}"
            areas = f"SUMIFS({crit['max_score']},{crit['year']},{y},{crit['parent']},\"{AREA_MARK}\")"
            bad_rows = f"SUMPRODUCT(({crit['year']}={y})*(LEN({crit['check']})>0))"
            ws[f"{L['check']}{r}"] = (
                f"=IF(COUNTA({y}:${L['survey_max_score']}{r},${L['remark']}{r})=0,\"\","
                f"IF(OR({y}=\"\",${L['title']}{r}=\"\",${L['scope']}{r}=\"\"),\"{checks['required']}\","
                f"IF(COUNTIF({refs['years']},{y})>1,\"{checks['duplicate_year']}\","
                f"IF(AND(ISNUMBER({e}),ABS({areas}-{e})>0.000001),\"{checks['total_mismatch']} (\"&{areas}&\")\","
                f"IF({bad_rows}>0,\"Còn \"&{bad_rows}&\" dòng lỗi ở trang {_cfg('criteria')['title']}\",\"\")))))")
        ck = L["check"]
        ws.conditional_formatting.add(f"{ck}{first}:{ck}{last}",
                                      FormulaRule(formula=[f"${ck}{first}<>\"\""], fill=RED_FILL, font=RED_FONT))

    _input_validations(ws, cols, first, last)
    ws.freeze_panes = f"B{first}"
    print_setup(ws, f"{hr}:{hr}", get_column_letter(ncol))
    ws.print_area = f"A1:{get_column_letter(ncol)}{first + max(len(sets), 1) - 1}"
    protect(ws, allow_rows=True)
    return refs, add_checks


def _lists_and_meta(wb: Workbook, level: str) -> None:
    d = decl()
    ws = wb.create_sheet(d["lists_sheet"])
    ws.sheet_state = "hidden"
    for i, s in enumerate(d["scopes"], start=1):
        ws.cell(row=i, column=1, value=s["label"])
    ws.cell(row=1, column=2, value=d["yes"])
    t = quote_sheetname(ws.title)
    wb.defined_names["ds_pham_vi"] = DefinedName("ds_pham_vi", attr_text=f"{t}!$A$1:$A${len(d['scopes'])}")
    wb.defined_names["ds_co"] = DefinedName("ds_co", attr_text=f"{t}!$B$1:$B$1")
    ws.protection.sheet = True
    meta = wb.create_sheet(d["meta_sheet"])
    meta.sheet_state = "veryHidden"
    for i, (k, v) in enumerate([("template_id", d["template_id"]), ("template_version", d["template_version"]),
                                ("level", level), ("generator", f"cchc-xl {__version__}"),
                                ("note", "Trang ẩn dùng để nhận diện sổ Bộ tiêu chí cchc-xl. Không sửa, không xóa.")],
                               start=1):
        meta.cell(row=i, column=1, value=k)
        meta.cell(row=i, column=2, value=v)
    meta.protection.sheet = True


def build_catalog_workbook(level: str = "so", year: int | None = None, file_hint: str = "BO_TIEU_CHI.xlsx") -> Workbook:
    """The criteria sets of ``level`` (every year, or the set serving ``year``) as a workbook."""
    if level not in {lv["key"] for lv in spec.levels()}:
        raise spec.SpecError(f"Cấp '{level}' không có trong danh sách cấp (so, huyen, xa)")
    sets = _sets_of(level, year)
    label = spec.label_of("levels", level) or level
    d = decl()
    wb = Workbook()
    guide = wb.active
    guide.title = _cfg("guide")["title"]
    names = {"sets": _cfg("sets")["title"], "criteria": _cfg("criteria")["title"]}
    write_guide(guide, [line.format(level=label.upper(), version=__version__, file=file_hint, **names)
                        for line in d["guide"]])
    sets_ref, add_checks = _sets_sheet(wb, label, sets)
    crit_ref = _criteria_sheet(wb, label, sets, sets_ref)
    add_checks(crit_ref)
    _lists_and_meta(wb, level)
    wb.active = 0
    wb.calculation.fullCalcOnLoad = True
    wb.properties.creator = f"cchc-xl {__version__}"
    wb.properties.title = f"{d['title']} — {label}"
    return wb


def write_catalog_workbook(out, level: str = "so", year: int | None = None) -> Path:
    """``cchc-xl catalog -o BO_TIEU_CHI.xlsx [--level] [--year]``."""
    return save_atomic(build_catalog_workbook(level, year, Path(out).name), out)


# ---- reading -------------------------------------------------------------------------------

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


def _value(grid, r: int, c: int):
    if r < len(grid) and c < len(grid[r]):
        v = grid[r][c]
        return None if v == "" else v
    return None


class _Table:
    """One declared table of a sheet: header found by its titles, cells read with issues."""

    def __init__(self, grids, key: str, path: Path, issues: list[Issue]):
        self.cfg = _cfg(key)
        title = self.cfg["title"]
        self.sheet = next((n for n in grids if fold(n) == fold(title)), None)
        if self.sheet is None:
            raise CatalogBookError(f"{path.name}: thiếu trang “{title}” (trang bị xóa hoặc đổi tên)")
        self.grid = grids[self.sheet]
        self.issues = issues
        inputs = [c for c in self.cfg["columns"] if c["type"] != "formula"]
        want = {fold(c["title"]): c["key"] for c in inputs}
        for r in range(min(len(self.grid), 40)):
            found = {}
            for ci, v in enumerate(self.grid[r]):
                k = want.get(fold(v)) if isinstance(v, str) else None
                if k and k not in found:
                    found[k] = ci
            if len(found) == len(want):
                self.header, self.col = r, found
                break
        else:
            raise CatalogBookError(f"{path.name}: trang “{self.sheet}” không còn đúng tiêu đề bảng")
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
        v = _value(self.grid, r, self.col[key])
        if v is not None and is_error_value(v):
            self.add("excel_error", r, key, value=str(v).strip())
            return None
        return v

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
        if whole and not 2000 <= n.value <= 2100:
            self.add("out_of_range", r, key, variant="outside", field_title=self.titles[key], value=str(n.value),
                     low="2000", high="2100")
            return None
        if n.value < 0:
            self.add("out_of_range", r, key, field_title=self.titles[key], value=n.value, bound="không được âm")
            return None
        return int(n.value) if whole else n.value


def _meta_of(grids, path: Path) -> dict:
    d = decl()
    meta = {}
    for row in grids.get(d["meta_sheet"]) or []:
        if len(row) >= 2 and row[0] not in ("", None):
            meta[str(row[0]).strip()] = row[1]
    if meta.get("template_id") != d["template_id"]:
        raise CatalogBookError(f"{path.name}: không phải sổ Bộ tiêu chí của cchc-xl (tạo sổ bằng lệnh: "
                               "cchc-xl catalog -o BO_TIEU_CHI.xlsx --level CẤP)")
    version = meta_version(meta.get("template_version"))
    if version is None:
        raise CatalogBookError(f"{path.name}: trang nhận diện của sổ Bộ tiêu chí bị hỏng")
    if version > d["template_version"]:
        raise CatalogBookError(f"{path.name}: sổ Bộ tiêu chí phiên bản {version} mới hơn công cụ; hãy cập nhật cchc-xl")
    if meta.get("level") not in {lv["key"] for lv in spec.levels()}:
        raise CatalogBookError(f"{path.name}: trang nhận diện của sổ Bộ tiêu chí không ghi cấp hợp lệ")
    return meta


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
    try:
        grids, _ = load_grids(path)
    except UnreadableError as exc:
        raise CatalogBookError(f"{path.name}: {exc.reason}") from None
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
        raise CatalogBookError(f"{path.name}: trang “{_cfg('sets')['title']}” chưa có bộ tiêu chí nào")
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
