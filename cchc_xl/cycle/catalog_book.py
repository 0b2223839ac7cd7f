"""The criteria set (Bộ tiêu chí) as a workbook the Home Affairs department fills itself.

Each province issues its criteria set by decision every few years, as a Word or Excel table.
``write_catalog_workbook`` writes the sets of one level (all years, or the one serving
``year``) as a workbook in the agency workbook's style: one sheet of sets (year, title,
decision, scope, appraised total, survey points) and one table of areas and criteria (year,
code, name, maximum, "may not apply"), with dropdowns, bounds, hints and a live "Kiểm tra"
column. A filled one is read back into a catalog folder by ``read.criteria_set``. The survey
component (điểm điều tra xã hội học) is a figure of the set, kept apart from the appraised areas.

Layout, texts and issue wording: ``schemas/catalog_book.json``.
"""

from __future__ import annotations

from copy import copy
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from cchc_xl import spec
from cchc_xl.read.criteria_set import decl, sheet_cfg
from cchc_xl.sheets.measure import fit_row
from cchc_xl.sheets.xlsx import save_atomic
from cchc_xl.spec import __version__
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

AREA_MARK = "Lĩnh vực"  # what the "Thuộc" column shows for an area (no parent)


def _scope_label(key: str | None) -> str:
    return next(s["label"] for s in decl()["scopes"] if s["key"] == (key or "full"))


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
            low, high = spec.year_range()
            _dv(ws, DataValidation(type="whole", operator="between", formula1=str(low), formula2=str(high),
                                   allow_blank=True), rng, col, spec.year_range_message())
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
    cfg = sheet_cfg(key)
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
                f"IF({bad_rows}>0,\"Còn \"&{bad_rows}&\" dòng lỗi ở trang {sheet_cfg('criteria')['title']}\",\"\")))))")
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
    if level not in spec.level_keys():
        raise spec.SpecError(f"Cấp '{level}' không có trong danh sách cấp ({', '.join(spec.level_keys())})")
    sets = _sets_of(level, year)
    label = spec.label_of("levels", level) or level
    d = decl()
    wb = Workbook()
    guide = wb.active
    guide.title = sheet_cfg("guide")["title"]
    names = {"sets": sheet_cfg("sets")["title"], "criteria": sheet_cfg("criteria")["title"]}
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
