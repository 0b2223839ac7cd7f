"""The appraisal workbook (sổ thẩm định) and its distribution into pre-filled agency workbooks.

After the yearly appraisal the Home Affairs department knows every agency's area totals and
deducted criteria. It types them once, for all agencies, into the appraisal workbook; then
``distribute`` checks that workbook (read by ``read.appraisal``) and writes one agency workbook
per agency, already holding the agency's information, scores and one remediation row per
deduction, so that the agency only writes what it did about each shortcoming.

Layout and texts are declared in ``schemas/appraisal.json``. The workbook offers the same native
help as the agency workbook: dropdowns (agencies from the registry sheet; criterion codes of the
agency's own level, through a dependent list keyed on the level the row's agency has), bounds
(score from 0 to the maximum), input hints, red conditional formatting, protection with input
cells unlocked, and A4 landscape printing.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from cchc_xl import spec
from cchc_xl.cycle.exemptions import exemption_sheet
from cchc_xl.read.appraisal import decl, level_label, sheet_cfg
from cchc_xl.read.identity import name_key
from cchc_xl.sheets.measure import fit_row, row_height, text_lines
from cchc_xl.sheets.xlsx import save_atomic
from cchc_xl.spec import SCHEMA_VERSION, __version__
from cchc_xl.workbook.criteria_sheet import write_catalog_rows
from cchc_xl.workbook.guide_sheet import write_guide
from cchc_xl.workbook.kit import input_hint, set_text, style_field_row, write_header, write_title
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

AREA, CRITERION = "lv", "tc"  # kinds of catalog rows in the dropdown keys


# ---- building the workbook -----------------------------------------------------------------

def _criteria_sets(year: int | None) -> dict[str, spec.Catalog]:
    """The criteria set of every level for the appraisal year (levels without one are left out)."""
    sets = {}
    for lv in spec.levels():
        try:
            sets[lv["key"]] = spec.catalog(lv["key"], year)
        except spec.SpecError:
            if not spec.criteria_years(lv["key"]):
                continue
            raise
    if not sets:
        raise spec.SpecError("Không có bộ tiêu chí nào để lập sổ thẩm định")
    return sets


@dataclass
class _Names:
    """Defined names and ranges the formulas of the data sheets use."""

    registry_first: int = 0
    registry_last: int = 0
    refs: dict[str, str] = field(default_factory=dict)


def _define(wb: Workbook, name: str, ref: str, names: _Names) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=ref)
    names.refs[name] = ref


def _lists_sheet(wb: Workbook, sets: dict[str, spec.Catalog], names: _Names) -> None:
    """Hidden dropdown sources: level labels, and the codes of each level in contiguous blocks.

    Column C holds a group key ("<level label>|lv" for areas, "…|tc" for criteria) and column D
    the code, so that a dependent dropdown is an OFFSET over the block of the row's level.
    Column E holds the lookup key "<level label>|<kind>|<code>", F the name, G the maximum.
    """
    ws = wb.create_sheet(decl()["lists_sheet"])
    ws.sheet_state = "hidden"
    title = quote_sheetname(ws.title)
    labels = [lv["label"] for lv in spec.levels()]
    ws.cell(row=1, column=1, value="ds_cap")
    for i, label in enumerate(labels, start=2):
        ws.cell(row=i, column=1, value=label)
    _define(wb, "ds_cap", f"{title}!$A$2:$A${len(labels) + 1}", names)
    for col, head in enumerate(("nhom", "ma", "khoa", "ten", "diem_toi_da", "khong_ap_dung"), start=3):
        ws.cell(row=1, column=col, value=head)
    r = 2
    for level, cat in sets.items():
        label = level_label(level)
        for kind, items in ((AREA, cat.criteria["areas"]), (CRITERION, cat.criteria["criteria"])):
            for item in sorted(items, key=lambda x: spec.code_sort_key(x["code"])):
                set_text(ws.cell(row=r, column=3), f"{label}|{kind}")
                set_text(ws.cell(row=r, column=4), item["code"])
                set_text(ws.cell(row=r, column=5), f"{label}|{kind}|{item['code']}")
                set_text(ws.cell(row=r, column=6), item.get("name"))
                ws.cell(row=r, column=7, value=item.get("max_score"))
                ws.cell(row=r, column=8, value=1 if item.get("may_not_apply") else 0)
                r += 1
    last = max(r - 1, 2)
    _define(wb, "tc_nhom", f"{title}!$C$2:$C${last}", names)
    _define(wb, "tc_khoa", f"{title}!$E$2:$E${last}", names)
    _define(wb, "tc_ten", f"{title}!$F$2:$F${last}", names)
    _define(wb, "tc_diem", f"{title}!$G$2:$G${last}", names)
    _define(wb, "tc_khong_ap_dung", f"{title}!$H$2:$H${last}", names)
    names.refs["tc_ma_dau"] = f"{title}!$D$2"
    ws.protection.sheet = True


def _guide_sheet(wb: Workbook, sets: dict[str, spec.Catalog]) -> None:
    d = decl()
    ws = wb.active
    ws.title = d["sheets"]["guide"]["title"]
    sets_text = "; ".join(f"{level_label(lv)}: năm {cat.criteria_year}" for lv, cat in sets.items())
    values = {key: d["sheets"][key]["title"] for key in ("info", "registry", "areas", "deductions", "exemptions",
                                                         "criteria")}
    write_guide(ws, [line.format(criteria_sets=sets_text, version=__version__, **values) for line in d["guide"]])


def _info_sheet(wb: Workbook, year: int | None) -> None:
    cfg = sheet_cfg("info")
    ws = wb.create_sheet(cfg["title"])
    write_title(ws, cfg["heading"], "Ô nền vàng là thông tin bắt buộc.", 3)
    hr = cfg["header_row"]
    write_header(ws, hr, cfg["columns"])
    for i, fld in enumerate(cfg["fields"]):
        r = hr + 1 + i
        ws.cell(row=r, column=1, value=fld["title"] + (" (*)" if fld.get("required") else ""))
        ws.cell(row=r, column=3, value=fld.get("hint"))
        vcell = ws.cell(row=r, column=2)
        if fld["key"] == "appraisal_year":
            vcell.value = year
        style_field_row(ws, r, fld.get("required"))
        ref = f"$B${r}"
        if fld["type"] == "integer":
            low, high = spec.year_range()  # the one year field: the range of sheets.json
            dv = DataValidation(type="whole", operator="between", formula1=str(low), formula2=str(high),
                                allow_blank=True)
            dv.error = spec.year_range_message()
            cond = (f"OR({ref}=\"\",NOT(ISNUMBER({ref})),{ref}<{low},{ref}>{high})" if fld.get("required")
                    else f"AND({ref}<>\"\",OR(NOT(ISNUMBER({ref})),{ref}<{low},{ref}>{high}))")
            ws.conditional_formatting.add(f"B{r}", FormulaRule(formula=[cond], fill=RED_FILL, font=RED_FONT))
        else:
            dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="500", allow_blank=True)
            dv.error = "Nội dung quá dài (tối đa 500 ký tự)."
        dv.errorTitle = "Giá trị không hợp lệ"
        dv.showErrorMessage = True
        input_hint(dv, fld["title"], fld.get("hint"))
        dv.add(f"B{r}")
        ws.add_data_validation(dv)
        fit_row(ws, r, size=12, min_lines=2)
    ws.freeze_panes = f"A{hr + 1}"
    print_setup(ws, f"{hr}:{hr}", "C")
    protect(ws)


def _style_row(ws, r: int, columns: list[dict], formula_keys: set[str], like: int | None = None) -> None:
    """Borders, font, protection of one table row; ``like``: copy the styles of that row (fast)."""
    if like is not None and like != r:
        for col in range(1, len(columns) + 1):
            ws.cell(row=r, column=col)._style = copy(ws.cell(row=like, column=col)._style)
        return
    for col, c in enumerate(columns, start=1):
        cell = ws.cell(row=r, column=col)
        cell.border = BORDER
        cell.font = font(11)
        cell.alignment = WRAP_TOP
        if c["key"] in formula_keys:
            cell.fill = LOCKED_FILL
        else:
            cell.protection = UNLOCKED
        if c.get("type") == "score":
            cell.number_format = "0.###"
        elif c["key"] == "code":
            cell.number_format = "@"  # "1.10" must not become the number 1.1


def open_table(wb: Workbook, cfg: dict):
    """A declared table sheet with its title and header: the sheet, columns, column letters by key,
    header row and the first and last open rows."""
    ws = wb.create_sheet(cfg["title"])
    cols = cfg["columns"]
    write_title(ws, cfg["heading"], cfg.get("subtitle"), len(cols))
    hr = cfg["header_row"]
    write_header(ws, hr, cols)
    letters = {c["key"]: get_column_letter(i) for i, c in enumerate(cols, start=1)}
    return ws, cols, letters, hr, hr + 1, hr + cfg["open_rows"]


def _registry_sheet(wb: Workbook, agencies: list[dict] | None, names: _Names) -> None:
    cfg = sheet_cfg("registry")
    ws, cols, letters, hr, first, last = open_table(wb, cfg)
    ncol = len(cols)
    names.registry_first, names.registry_last = first, last
    rows = agencies or []
    b, c_, d = letters["name"], letters["code"], letters["level"]
    for r in range(first, last + 1):
        _style_row(ws, r, cols, {"stt"}, like=first)
        ws.cell(row=r, column=1, value=f"=IF(COUNTA(${b}{r}:${d}{r})=0,\"\",ROW()-{first - 1})")
        k = r - first
        if k < len(rows):
            ag = rows[k]
            set_text(ws[f"{b}{r}"], ag.get("name"))
            set_text(ws[f"{c_}{r}"], ag.get("code"))
            level = ag.get("level")
            set_text(ws[f"{d}{r}"], level_label(level) if level in spec.level_keys() else level)
            set_text(ws[f"{letters['former_names']}{r}"], "; ".join(ag.get("former_names") or ()) or None)
            fit_row(ws, r, 11, max_col=ncol)
    title = quote_sheetname(ws.title)
    _define(wb, "ds_co_quan", f"{title}!${b}${first}:${b}${last}", names)
    _define(wb, "bang_co_quan", f"{title}!${b}${first}:${d}${last}", names)
    rng = lambda key: f"{letters[key]}{first}:{letters[key]}{last}"  # noqa: E731
    name_cond = (f"OR(AND(${b}{first}=\"\",COUNTA(${c_}{first}:${d}{first})>0),"
                 f"AND(${b}{first}<>\"\",COUNTIF(${b}${first}:${b}${last},${b}{first})>1))")
    level_cond = (f"OR(AND(${d}{first}=\"\",${b}{first}<>\"\"),"
                  f"AND(${d}{first}<>\"\",COUNTIF(ds_cap,${d}{first})=0))")
    ws.conditional_formatting.add(rng("name"), FormulaRule(formula=[name_cond], fill=RED_FILL, font=RED_FONT))
    ws.conditional_formatting.add(rng("level"), FormulaRule(formula=[level_cond], fill=RED_FILL, font=RED_FONT))
    col = {c["key"]: c for c in cols}
    dv = DataValidation(type="textLength", operator="between", formula1="1", formula2="200", allow_blank=True)
    dv.errorTitle, dv.error, dv.showErrorMessage = "Tên không hợp lệ", "Tên cơ quan dài tối đa 200 ký tự.", True
    input_hint(dv, col["name"]["title"], col["name"].get("hint"))
    dv.add(rng("name"))
    ws.add_data_validation(dv)
    dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="30", allow_blank=True)
    dv.errorTitle, dv.error, dv.showErrorMessage = "Mã không hợp lệ", "Mã, ký hiệu dài tối đa 30 ký tự.", True
    input_hint(dv, col["code"]["title"], col["code"].get("hint"))
    dv.add(rng("code"))
    ws.add_data_validation(dv)
    dv = DataValidation(type="list", formula1="ds_cap", allow_blank=True)
    dv.errorTitle, dv.error, dv.showErrorMessage = "Giá trị không có trong danh sách", \
        "Hãy chọn cấp trong danh sách.", True
    input_hint(dv, col["level"]["title"], col["level"].get("hint"))
    dv.add(rng("level"))
    ws.add_data_validation(dv)
    ws.freeze_panes = f"A{first}"
    ws.auto_filter.ref = f"A{hr}:{get_column_letter(ncol)}{last}"
    print_setup(ws, f"{hr}:{hr}", get_column_letter(ncol))
    ws.print_area = f"A1:{get_column_letter(ncol)}{first + max(len(rows), 1) - 1}"
    protect(ws, allow_rows=True)


def _score_sheet(wb: Workbook, which: str, rows: list[dict] | None, names: _Names,
                 shown=lambda row: ("", "")) -> None:
    """``areas`` or ``deductions``: one table for all agencies, with live checks per row.

    ``shown(row)`` gives what the level and name formulas of a pre-filled row will display, so
    that its height fits the looked-up name too.
    """
    cfg = sheet_cfg(which)
    ws, cols, L, hr, first, last = open_table(wb, cfg)
    keys = [c["key"] for c in cols]
    ncol = len(cols)
    kind = AREA if which == "areas" else CRITERION
    formula_keys = {c["key"] for c in cols if c.get("type") == "formula"}
    inputs = [L[k] for k in keys if k not in formula_keys]
    rows = rows or []
    f = first

    def others(r: int, but: str) -> str:
        cells = ",".join(f"${x}{r}" for x in inputs if x != but)
        return f"COUNTA({cells})>0"

    key_expr = f"${L['level']}{f}&\"|{kind}|\"&${L['code']}{f}"
    lookup_max = f"INDEX(tc_diem,MATCH({key_expr},tc_khoa,0))"
    catalog_max = f"IFERROR(IF(ISNUMBER({lookup_max}),{lookup_max},1E+99),1E+99)"
    mx = f"IF(ISNUMBER(${L['max_score']}{f}),${L['max_score']}{f},{catalog_max})"
    for r in range(first, last + 1):
        _style_row(ws, r, cols, formula_keys, like=first)
        counted = ",".join(f"${x}{r}" for x in inputs)
        ws[f"{L['stt']}{r}"] = f"=IF(COUNTA({counted})=0,\"\",ROW()-{first - 1})"
        ws[f"{L['level']}{r}"] = f"=IF(${L['agency']}{r}=\"\",\"\",IFERROR(VLOOKUP(${L['agency']}{r},bang_co_quan,3,FALSE)&\"\",\"\"))"
        ws[f"{L['name']}{r}"] = (f"=IF(OR(${L['level']}{r}=\"\",${L['code']}{r}=\"\"),\"\","
                                 f"IFERROR(INDEX(tc_ten,MATCH(${L['level']}{r}&\"|{kind}|\"&${L['code']}{r},"
                                 f"tc_khoa,0))&\"\",\"\"))")
        k = r - first
        if k < len(rows):
            for key in keys:
                if key not in formula_keys and key != "stt":
                    set_text(ws[f"{L[key]}{r}"], rows[k].get(key))
            formulas = {key: ws[f"{L[key]}{r}"].value for key in ("level", "name")}
            ws[f"{L['level']}{r}"], ws[f"{L['name']}{r}"] = shown(rows[k])
            fit_row(ws, r, 11, max_col=ncol)
            for key, formula in formulas.items():
                ws[f"{L[key]}{r}"] = formula
    # live checks: one rule per column, relative to the first row
    n_rows = f"${L['agency']}${first}:${L['agency']}${last}"
    c_rows = f"${L['code']}${first}:${L['code']}${last}"
    ag, code, mxc, sc = L["agency"], L["code"], L["max_score"], L["score"]
    conds = {
        "agency": f"OR(AND(${ag}{f}=\"\",{others(f, ag)}),AND(${ag}{f}<>\"\",COUNTIF(ds_co_quan,${ag}{f})=0))",
        "code": (f"OR(AND(${code}{f}=\"\",{others(f, code)}),"
                 f"AND(${code}{f}<>\"\",${L['level']}{f}<>\"\",COUNTIF(tc_khoa,{key_expr})=0),"
                 f"AND(${code}{f}<>\"\",${ag}{f}<>\"\",COUNTIFS({n_rows},${ag}{f},{c_rows},${code}{f})>1))"),
        "max_score": (f"OR(AND(${mxc}{f}<>\"\",OR(NOT(ISNUMBER(${mxc}{f})),${mxc}{f}<0)),"
                      f"AND(${mxc}{f}=\"\",${code}{f}<>\"\",${L['level']}{f}<>\"\","
                      f"IFERROR(NOT(ISNUMBER({lookup_max})),FALSE)))"),
        "score": (f"OR(AND(${sc}{f}=\"\",{others(f, sc)}),"
                  f"AND(${sc}{f}<>\"\",OR(NOT(ISNUMBER(${sc}{f})),${sc}{f}<0,${sc}{f}>{mx})))"),
    }
    for key, cond in conds.items():
        ws.conditional_formatting.add(f"{L[key]}{first}:{L[key]}{last}",
                                      FormulaRule(formula=[cond], fill=RED_FILL, font=RED_FONT))
    col = {c["key"]: c for c in cols}

    def add_dv(dv: DataValidation, key: str, title: str, error: str, style: str = "stop"):
        dv.errorTitle, dv.error, dv.showErrorMessage, dv.errorStyle = title, error, True, style
        input_hint(dv, col[key]["title"], col[key].get("hint"))
        dv.add(f"{L[key]}{first}:{L[key]}{last}")
        ws.add_data_validation(dv)

    add_dv(DataValidation(type="list", formula1="ds_co_quan", allow_blank=True), "agency",
           "Cơ quan không có trong danh sách", "Hãy chọn cơ quan trong danh sách (trang Cơ quan).")
    group = f"${L['level']}{f}&\"|{kind}\""
    dependent = f"OFFSET({names.refs['tc_ma_dau']},MATCH({group},tc_nhom,0)-1,0,COUNTIF(tc_nhom,{group}),1)"
    what = "lĩnh vực" if kind == AREA else "tiêu chí"
    add_dv(DataValidation(type="list", formula1=dependent, allow_blank=True), "code",
           "Mã không có trong danh sách",
           f"Mã {what} này không có trong Bộ tiêu chí của cấp cơ quan. Hãy chọn cơ quan trước rồi chọn mã trong danh sách.",
           style="warning")
    add_dv(DataValidation(type="decimal", operator="between", formula1="0", formula2="1000", allow_blank=True),
           "max_score", "Điểm không hợp lệ", "Điểm tối đa phải là số không âm.")
    dv_max = f"IF(ISNUMBER(${mxc}{f}),${mxc}{f},IFERROR(IF(ISNUMBER({lookup_max}),{lookup_max},1000),1000))"
    add_dv(DataValidation(type="decimal", operator="between", formula1="0", formula2=dv_max, allow_blank=True),
           "score", "Điểm không hợp lệ", f"Điểm đạt phải là số từ 0 đến điểm tối đa của {what}.")
    if "reason" in L:
        add_dv(DataValidation(type="textLength", operator="lessThanOrEqual", formula1="32000", allow_blank=True),
               "reason", "Nội dung quá dài", "Lý do dài tối đa 32.000 ký tự.")
    ws.freeze_panes = f"C{first}"
    ws.auto_filter.ref = f"A{hr}:{get_column_letter(ncol)}{last}"
    print_setup(ws, f"{hr}:{hr}", get_column_letter(ncol))
    ws.print_area = f"A1:{get_column_letter(ncol)}{first + max(len(rows), 1) - 1}"
    protect(ws, allow_rows=True)


def _criteria_sheet(wb: Workbook, sets: dict[str, spec.Catalog]) -> None:
    cfg = sheet_cfg("criteria")
    ws = wb.create_sheet(cfg["title"])
    cols = cfg["columns"]
    write_title(ws, cfg["heading"], "Tra cứu: mã, tên và điểm tối đa của từng lĩnh vực, tiêu chí theo cấp. Trang chỉ đọc.",
           len(cols))
    hr = cfg["header_row"]
    write_header(ws, hr, cols)
    r = hr + 1
    for level, cat in sets.items():
        head = ws.cell(row=r, column=1, value=f"{level_label(level).upper()} — {cat.criteria.get('title') or ''}")
        head.font = font(12, bold=True)
        head.fill = GROUP_FILL
        head.alignment = Alignment(vertical="center", wrap_text=True)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(cols))
        width = sum(c.get("width", 12) for c in cols)
        # merged: fit_row sees column A only
        ws.row_dimensions[r].height = row_height(text_lines(head.value, width, 12), 12, padding=6)
        r += 1
        r = write_catalog_rows(ws, cat.criteria, r)
    ws.freeze_panes = f"A{hr + 1}"
    print_setup(ws, f"{hr}:{hr}", get_column_letter(len(cols)))
    protect(ws)


def _meta_sheet(wb: Workbook, year: int | None, sets: dict[str, spec.Catalog]) -> None:
    d = decl()
    ws = wb.create_sheet(d["meta_sheet"])
    ws.sheet_state = "veryHidden"
    rows = [
        ("template_id", d["template_id"]),
        ("template_version", d["template_version"]),
        ("schema_version", SCHEMA_VERSION),
        ("appraisal_year", year),
        ("criteria_years", ";".join(f"{lv}:{cat.criteria_year}" for lv, cat in sets.items())),
        ("generator", f"cchc-xl {__version__}"),
        ("note", "Trang ẩn dùng để nhận diện sổ thẩm định cchc-xl. Không sửa, không xóa."),
    ]
    for i, (k, v) in enumerate(rows, start=1):
        ws.cell(row=i, column=1, value=k)
        ws.cell(row=i, column=2, value=v)
    ws.protection.sheet = True


def build_appraisal_workbook(year: int | None = None, agencies: list[dict] | None = None,
                             areas: list[dict] | None = None, deductions: list[dict] | None = None,
                             exemptions: list[dict] | None = None) -> Workbook:
    """The appraisal workbook for an appraisal year (blank by default).

    ``agencies`` (``{"name", "code", "level"}``), ``areas`` (``{"agency", "code", "max_score",
    "score"}``) and ``deductions`` (the same plus ``"reason"``) pre-fill the tables, for the demo
    and for tests; the command line always writes a blank workbook.
    """
    sets = _criteria_sets(year)
    wb = Workbook()
    names = _Names()
    _guide_sheet(wb, sets)
    _lists_sheet(wb, sets, names)
    _info_sheet(wb, year)
    _registry_sheet(wb, agencies, names)
    levels = {name_key(a.get("name") or ""): a.get("level") for a in agencies or []}

    def shown(kind):
        def inner(row):
            cat = sets.get(levels.get(name_key(row.get("agency") or "")))
            if cat is None:
                return "", ""
            table = cat.areas_by_code if kind == AREA else cat.criteria_by_code
            return level_label(cat.level), (table.get(row.get("code")) or {}).get("name")
        return inner

    _score_sheet(wb, "areas", areas, names, shown(AREA))
    _score_sheet(wb, "deductions", deductions, names, shown(CRITERION))
    exemption_sheet(wb, exemptions, _style_row, open_table(wb, sheet_cfg("exemptions")))
    _criteria_sheet(wb, sets)
    _meta_sheet(wb, year, sets)
    wb._sheets = [ws for ws in wb.worksheets if ws.sheet_state == "visible"] + \
                 [ws for ws in wb.worksheets if ws.sheet_state != "visible"]
    wb.active = 0
    wb.calculation.fullCalcOnLoad = True
    wb.properties.creator = f"cchc-xl {__version__}"
    wb.properties.title = decl()["title"]
    return wb


def write_appraisal_template(out, year: int | None = None) -> Path:
    """``cchc-xl template --appraisal -o FILE [--year]``: ``year`` is the appraisal year."""
    return save_atomic(build_appraisal_workbook(year), out)
