"""Reading a filled appraisal workbook (sổ thẩm định): the appraisal year, the registry of agencies,
the area totals and deductions of every agency, and the criteria that do not apply to one
(sheet "Không áp dụng"), checked against the criteria set of each agency's level and year.

Every problem is an issue at its sheet and cell; a workbook that cannot be read at all (not an
appraisal workbook, a sheet or table header missing) raises ``DistributeError``. The workbook is
written by ``cycle.appraisal``; layout and texts are declared in ``schemas/appraisal.json``.

Criteria that do not apply: only codes the criteria set marks ``may_not_apply`` are accepted, and
the agency's maximum then leaves them out (``spec.Catalog.applicable_max``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from cchc_xl import spec
from cchc_xl.normalize import clean_text, fold, is_error_value, parse_code, parse_number
from cchc_xl.numtext import format_number
from cchc_xl.read import grid as gridkit
from cchc_xl.read import spelling
from cchc_xl.files.area import a1
from cchc_xl.read.identity import AgencyIndex, candidates_text, conflicts, name_key
from cchc_xl.read.registry import split_names
from cchc_xl.spec.issues import Issue, make, render


class DistributeError(gridkit.BookError):
    """The appraisal workbook cannot be distributed (Vietnamese message; ``issues`` point at cells)."""


def decl() -> dict:
    """The appraisal workbook's declaration (``schemas/appraisal.json``)."""
    return spec.load("appraisal")


def sheet_cfg(key: str) -> dict:
    """The declaration of one sheet of the appraisal workbook."""
    return decl()["sheets"][key]


def level_label(level: str) -> str:
    return spec.label_of("levels", level) or level


@dataclass
class Agency:
    name: str
    code: str | None
    level: str
    sheet: str
    cell: str
    former_names: tuple[str, ...] = ()


@dataclass
class ScoreRow:
    """One row of the area or deduction table, with the cells it came from."""

    agency: str
    code: str
    max_score: float | None
    score: float
    reason: str | None
    sheet: str
    row: int  # 1-based
    cells: dict[str, str]


@dataclass
class Appraisal:
    year: int | None
    agencies: list[Agency]
    areas: list[ScoreRow]
    deductions: list[ScoreRow]
    catalogs: dict[tuple[str, int | None], spec.Catalog]
    issues: list[Issue]
    exemptions: list[dict] = field(default_factory=list)  # rows of the sheet "Không áp dụng"

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]


def _issue(issue_code: str, /, sheet=None, cell=None, field=None, severity=None, **values) -> Issue:
    """An issue declared in appraisal.json, or else in issues.json (``values`` may include ``code``)."""
    own = decl().get("issues", {})
    if issue_code in own:
        return render(own[issue_code], issue_code, sheet=sheet, cell=cell, field=field, severity=severity, **values)
    return make(issue_code, sheet=sheet, cell=cell, field=field, severity=severity, **values)


def _grid_sheet(grids: dict, title: str, path: Path) -> tuple[str, list[list]]:
    name = gridkit.sheet_named(grids, title)
    if name is None:
        raise DistributeError(f"{path.name}: thiếu trang “{title}” (trang bị xóa hoặc đổi tên)")
    return name, grids[name]


_cell = gridkit.cell


def _header_columns(g, columns: list[dict], sheet: str, path: Path) -> tuple[int, dict[str, int]]:
    """The header row and the column of every declared title (an ``optional`` column may be absent:
    workbooks written before it existed)."""
    found = gridkit.header_columns(g, columns, needed={c["key"] for c in columns if not c.get("optional")})
    if found is None:
        raise DistributeError(f"{path.name}: trang “{sheet}” không còn đúng tiêu đề bảng của sổ thẩm định")
    return found


_NOT_AN_APPRAISAL = ("không phải sổ thẩm định của cchc-xl (thiếu trang nhận diện hoặc mã biểu mẫu khác); tạo sổ "
                     "bằng lệnh: cchc-xl template --appraisal -o TỆP")


def _check_meta(grids: dict, path: Path) -> dict:
    def refuse(reason, found=None, version=None, supported=None):
        if reason == "template_id" and found == spec.sheets()["template_id"]:
            why = ("đây là biểu mẫu báo cáo của một cơ quan, không phải sổ thẩm định (tạo sổ thẩm định bằng lệnh: "
                   "cchc-xl template --appraisal -o TỆP)")
        elif reason == "broken":
            why = "trang nhận diện của sổ thẩm định bị hỏng"
        elif reason == "newer":
            why = f"sổ thẩm định phiên bản {version} mới hơn công cụ (hỗ trợ đến {supported}); hãy cập nhật cchc-xl"
        else:
            why = _NOT_AN_APPRAISAL
        return DistributeError(f"{path.name}: {why}")

    return gridkit.read_meta(grids, decl(), refuse)


class _AppraisalReader:
    def __init__(self, grids: dict, path: Path):
        self.grids, self.path = grids, path
        self.issues: list[Issue] = []

    def add(self, code, sheet, r, c, field=None, **kw):
        self.issues.append(_issue(code, sheet=sheet, cell=a1(r, c), field=field, **kw))

    def _value(self, grid, sheet, r, c, key):
        """The cell's value, or None when it is empty or holds an Excel error (reported here)."""
        return gridkit.read_cell(grid, r, c, lambda err: self.add("excel_error", sheet, r, c, key, value=err))

    def text(self, grid, sheet, r, c, key, multiline=False):
        v = self._value(grid, sheet, r, c, key)
        if v is None:
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return clean_text(v, multiline=multiline)

    def number(self, grid, sheet, r, c, key, title):
        v = self._value(grid, sheet, r, c, key)
        if v is None:
            return None
        n = parse_number(v, prefer="decimal")
        if not n.ok or n.value is None:
            self.add("invalid_type", sheet, r, c, key, field_title=title, value=clean_text(v) or v,
                     expected="một số (ví dụ 1,5)")
            return None
        return n.value

    def year(self) -> int | None:
        cfg = sheet_cfg("info")
        sheet, grid = _grid_sheet(self.grids, cfg["title"], self.path)
        fld = next(f for f in cfg["fields"] if f["key"] == "appraisal_year")
        for r, row in enumerate(grid):
            if row and isinstance(row[0], str) and fold(row[0].replace("(*)", "")) == fold(fld["title"]):
                raw = _cell(grid, r, 1)
                if raw is None:
                    self.add("required", sheet, r, 1, "appraisal_year", field_title=fld["title"])
                    return None
                n = parse_number(raw, prefer="thousands")
                if not n.ok or not isinstance(n.value, int):
                    self.add("invalid_type", sheet, r, 1, "appraisal_year", field_title=fld["title"],
                             value=clean_text(raw), expected="năm có 4 chữ số")
                    return None
                low, high = spec.year_range()
                if not low <= n.value <= high:
                    self.add("out_of_range", sheet, r, 1, "appraisal_year", variant="outside", field_title="Năm thẩm định",
                             value=str(n.value), low=str(low), high=str(high))
                    return None
                return n.value
        raise DistributeError(f"{self.path.name}: trang “{sheet}” thiếu dòng “{fld['title']}”")

    def registry(self) -> list[Agency]:
        cfg = sheet_cfg("registry")
        sheet, grid = _grid_sheet(self.grids, cfg["title"], self.path)
        hr, col = _header_columns(grid, cfg["columns"], sheet, self.path)
        titles = {c["key"]: c["title"] for c in cfg["columns"]}
        agencies: list[Agency] = []
        for r in range(hr + 1, len(grid)):
            name = self.text(grid, sheet, r, col["name"], "name")
            code = self.text(grid, sheet, r, col["code"], "code")
            raw_level = self.text(grid, sheet, r, col["level"], "level")
            if name is None and code is None and raw_level is None:
                continue
            if name is None:
                self.add("required", sheet, r, col["name"], "name", field_title=titles["name"])
                continue
            level = spelling.match(raw_level, spec.levels()) if raw_level else None
            if raw_level is None:
                self.add("required", sheet, r, col["level"], "level", field_title=f"{titles['level']} của {name}")
            elif level is None:
                self.add("invalid_value", sheet, r, col["level"], "level", field_title=titles["level"],
                         value=raw_level, allowed="; ".join(lv["label"] for lv in spec.levels()))
            # identity rule 4: never merged; score rows name their agency only, so one name is one agency
            clash = conflicts([*agencies, {"name": name, "code": code}], names_alone=True)
            if clash:
                other = agencies[clash[0].first]
                if clash[0].basis == "code":
                    self.add("duplicate_agency", sheet, r, col["code"], "code", variant="code", value=name,
                             agency_code=code, other_cell=other.cell)
                else:
                    self.add("duplicate_agency", sheet, r, col["name"], "name", value=name, other_cell=other.cell)
                continue
            former = (self.text(grid, sheet, r, col["former_names"], "former_names", multiline=True)  # a line per name
                      if "former_names" in col else None)
            ag = Agency(name, code, level or "", sheet, a1(r, col["name"]), split_names(former))
            agencies.append(ag)
        if not agencies and not self.issues:
            self.add("required", sheet, hr + 1, col["name"], "name",
                     field_title=f"cơ quan nào ở trang “{sheet}” (cần ít nhất một cơ quan)")
        return agencies

    def scores(self, which: str) -> list[ScoreRow]:
        cfg = sheet_cfg(which)
        sheet, grid = _grid_sheet(self.grids, cfg["title"], self.path)
        hr, col = _header_columns(grid, cfg["columns"], sheet, self.path)
        titles = {c["key"]: c["title"] for c in cfg["columns"]}
        inputs = [c["key"] for c in cfg["columns"] if c.get("type") != "formula"]
        out: list[ScoreRow] = []
        for r in range(hr + 1, len(grid)):
            if all(_cell(grid, r, col[k]) is None for k in inputs):
                continue
            agency = self.text(grid, sheet, r, col["agency"], "agency")
            raw_code = _cell(grid, r, col["code"])
            code = parse_code(raw_code) if raw_code is not None and not is_error_value(raw_code) else None
            mx = self.number(grid, sheet, r, col["max_score"], "max_score", titles["max_score"])
            score_missing = _cell(grid, r, col["score"]) is None
            score = self.number(grid, sheet, r, col["score"], "score", titles["score"])
            reason = self.text(grid, sheet, r, col["reason"], "reason", multiline=True) if "reason" in col else None
            ok = True
            if agency is None:
                self.add("required", sheet, r, col["agency"], "agency", field_title=titles["agency"])
                ok = False
            if code is None:
                self.add("required", sheet, r, col["code"], "code", field_title=titles["code"])
                ok = False
            if score_missing:
                label = titles["score"] + (f" của {'lĩnh vực' if which == 'areas' else 'tiêu chí'} {code}" if code else "")
                self.add("required", sheet, r, col["score"], "score", field_title=label)
            if score is None:
                ok = False
            for key, value in (("max_score", mx), ("score", score)):
                if value is not None and value < 0:
                    self.add("out_of_range", sheet, r, col[key], key, field_title=titles[key], value=value,
                             bound="không được âm")
                    ok = False
            if ok:
                cells = {k: a1(r, c) for k, c in col.items()}
                out.append(ScoreRow(agency, code, mx, score, reason, sheet, r + 1, cells))
        return out


def read_exemptions(rd: _AppraisalReader, grids: dict) -> list[dict]:
    """The sheet's rows (``agency``, ``code``, ``note``, ``cells``); none when an older workbook lacks it."""
    cfg = sheet_cfg("exemptions")
    sheet = gridkit.sheet_named(grids, cfg["title"])
    if sheet is None:
        return []
    grid = grids[sheet]
    hr, col = _header_columns(grid, cfg["columns"], sheet, rd.path)
    titles = {c["key"]: c["title"] for c in cfg["columns"]}
    out = []
    for r in range(hr + 1, len(grid)):
        if all(_cell(grid, r, col[k]) is None for k in ("agency", "code", "note")):
            continue
        agency = rd.text(grid, sheet, r, col["agency"], "agency")
        raw = _cell(grid, r, col["code"])
        code = parse_code(raw) if raw is not None else None
        if agency is None:
            rd.add("required", sheet, r, col["agency"], "agency", field_title=titles["agency"])
        if code is None:
            rd.add("required", sheet, r, col["code"], "code", field_title=titles["code"])
        if agency is None or code is None:
            continue
        out.append({"agency": agency, "code": code, "note": rd.text(grid, sheet, r, col["note"], "note"),
                    "sheet": sheet, "cells": {k: a1(r, c) for k, c in col.items()}})
    return out


def check_exemptions(ap: Appraisal, by_key: dict[str, Agency], catalog_of) -> None:
    """Known agency and code, allowed to be exempt, given once, and not scored at the same time."""
    seen: dict[tuple[str, str], str] = {}
    scored = {(name_key(r.agency), r.code): r.cells["score"] for r in [*ap.areas, *ap.deductions]}
    for row in ap.exemptions:
        ag = by_key.get(name_key(row["agency"]))
        where = dict(sheet=row["sheet"], cell=row["cells"]["code"], field="code")
        if ag is None:
            ap.issues.append(_issue("unknown_agency", row["sheet"], row["cells"]["agency"], "agency",
                                    value=row["agency"], registry=sheet_cfg("registry")["title"]))
            continue
        row["agency"] = ag.name
        if not ag.level or ap.year is None:
            continue
        cat = catalog_of(ag.level)
        item = cat.areas_by_code.get(row["code"]) or cat.criteria_by_code.get(row["code"])
        if item is None:
            ap.issues.append(_issue("unknown_code", **where, severity="error", variant="of_agency", what="Mã",
                                    code=row["code"], level=level_label(ag.level), criteria_year=cat.criteria_year,
                                    agency=ag.name))
            continue
        if not item.get("may_not_apply"):
            ap.issues.append(_issue("not_applicable_not_allowed", **where, code=row["code"],
                                    level=level_label(ag.level), year=str(cat.criteria_year), agency=ag.name))
            continue
        key = (name_key(ag.name), row["code"])
        if key in seen:
            ap.issues.append(_issue("duplicate_exemption", **where, code=row["code"], agency=ag.name,
                                    other_cell=seen[key]))
            continue
        seen[key] = row["cells"]["code"]
        hits = [c for (a, c2), c in scored.items() if a == key[0] and (c2 == row["code"] or
                                                                      c2.startswith(row["code"] + "."))]
        if hits:
            ap.issues.append(_issue("exempt_but_scored", **where, code=row["code"], agency=ag.name, other_cell=hits[0]))


def _check(ap: Appraisal, path: Path) -> None:
    """The domain checks: known agency, code of the agency's level and year, score ≤ maximum, no duplicates."""
    by_key = {name_key(a.name): a for a in ap.agencies}
    index = AgencyIndex(ap.agencies)

    def agency_of(name: str, sheet: str, cell: str) -> Agency | None:
        """The registry agency a row names (identity rule); an ambiguous name is an error at its cell."""
        found = index.resolve(name)
        if found.ambiguous:
            ap.issues.append(_issue("ambiguous_agency", sheet, cell, "agency", variant="cell", name=name,
                                    count=len(found.candidates), registry=sheet_cfg("registry")["title"],
                                    candidates=candidates_text(ap.agencies, found)))
            return None
        if found.index is None:
            ap.issues.append(_issue("unknown_agency", sheet, cell, "agency", value=name,
                                    registry=sheet_cfg("registry")["title"]))
            return None
        return ap.agencies[found.index]

    kept = []
    for row in ap.exemptions:
        ag = agency_of(row["agency"], row["sheet"], row["cells"]["agency"])
        if ag is not None:
            row["agency"] = ag.name
            kept.append(row)
    ap.exemptions = kept

    def catalog_of(level: str) -> spec.Catalog:
        cat = ap.catalogs.get((level, ap.year))
        if cat is None:
            try:
                cat = spec.catalog(level, ap.year)
            except spec.SpecError as exc:
                raise DistributeError(f"{path.name}: {exc}") from None
            ap.catalogs[(level, ap.year)] = cat
        return cat

    cfg = {w: {c["key"]: c["title"] for c in sheet_cfg(w)["columns"]} for w in ("areas", "deductions")}
    exempt = exempt_codes(ap)
    for which, rows in (("areas", ap.areas), ("deductions", ap.deductions)):
        seen: dict[tuple[str, str], ScoreRow] = {}
        what = "lĩnh vực" if which == "areas" else "tiêu chí"
        for row in rows:
            ag = agency_of(row.agency, row.sheet, row.cells["agency"])
            if ag is None:
                continue
            row.agency = ag.name
            if not ag.level or ap.year is None:
                continue  # the registry row or the year already carries the error
            cat = catalog_of(ag.level)
            table = cat.areas_by_code if which == "areas" else cat.criteria_by_code
            label = level_label(ag.level)
            if row.code not in table:
                if which == "deductions" and row.code in cat.areas_by_code:
                    words = dict(variant="area_as_criterion", areas_sheet=sheet_cfg("areas")["title"])
                elif which == "areas" and row.code in cat.criteria_by_code:
                    words = dict(variant="criterion_as_area", deductions_sheet=sheet_cfg("deductions")["title"])
                else:
                    words = dict(variant="of_agency", what=f"Mã {what}", level=label,
                                 criteria_year=cat.criteria_year, agency=ag.name)
                ap.issues.append(_issue("unknown_code", row.sheet, row.cells["code"], "code", severity="error",
                                        code=row.code, **words))
                continue
            key = (name_key(ag.name), row.code)
            if key in seen:
                other = seen[key].cells["code"]
                if which == "areas":
                    ap.issues.append(_issue("duplicate_area", row.sheet, row.cells["code"], "code", code=row.code,
                                            agency=ag.name, other_cell=other))
                else:
                    ap.issues.append(_issue("duplicate_deduction", row.sheet, row.cells["code"], "code",
                                            code=f"{row.code} của {ag.name}", other_cell=other))
                continue
            seen[key] = row
            cat_max = table[row.code].get("max_score")
            if which == "areas" and cat_max is not None:  # less the criteria that do not apply
                cat_max = cat.applicable_max(row.code, exempt.get(key[0], ()))
            # the criteria set bounds the score (a maximum typed otherwise reaches the agency's
            # workbook, whose check points it out)
            limit = cat_max if cat_max is not None else row.max_score
            if limit is None:
                ap.issues.append(_issue("required", row.sheet, row.cells["max_score"], "max_score",
                                        field_title=f"{cfg[which]['max_score']} của {what} {row.code} "
                                                    f"(Bộ tiêu chí chưa có điểm tối đa)"))
            elif row.score > limit + 1e-9:
                ap.issues.append(_issue("out_of_range", row.sheet, row.cells["score"], "score",
                                        field_title=cfg[which]["score"], value=row.score,
                                        bound=f"lớn hơn điểm tối đa {format_number(limit)} của {what} {row.code} "
                                              f"({ag.name})"))
    check_exemptions(ap, by_key, catalog_of)


def exempt_codes(ap: Appraisal) -> dict[str, set[str]]:
    """Agency name key → the codes that do not apply to it (rows of the sheet "Không áp dụng")."""
    out: dict[str, set[str]] = {}
    for row in ap.exemptions:
        out.setdefault(name_key(row["agency"]), set()).add(row["code"])
    return out


def read_appraisal(path: str | os.PathLike) -> Appraisal:
    """The filled appraisal workbook, checked: every problem is an issue with its sheet and cell."""
    path = Path(path)
    grids = gridkit.load_book(path, DistributeError)
    _check_meta(grids, path)
    rd = _AppraisalReader(grids, path)
    year = rd.year()
    agencies = rd.registry()
    areas = rd.scores("areas")
    deductions = rd.scores("deductions")
    exempt = read_exemptions(rd, grids)
    ap = Appraisal(year, agencies, areas, deductions, {}, rd.issues, exempt)
    _check(ap, path)
    return ap
