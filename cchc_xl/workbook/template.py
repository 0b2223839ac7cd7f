"""Spec → agency workbook (blank, or pre-filled from a canonical report).

Everything about the layout comes from ``schemas/sheets.json`` and the catalogs; this module
only knows how to turn those declarations into native Excel help that needs no macro: dropdowns,
bounds, input hints, red conditional formatting, protection, print setup, and a status cell fed
by formulas ("Còn N lỗi" / "Hợp lệ") that LibreOffice and Excel both recalculate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from cchc_xl import check as checks
from cchc_xl import spec
from cchc_xl.check import areas, choices, dates, formula, number_sheet, numbers, presence, relations
from cchc_xl.sheets.measure import fit_known, fit_row
from cchc_xl.sheets.xlsx import save_atomic
from cchc_xl.spec import FROM_APPRAISAL, SCHEMA_VERSION, __version__
from cchc_xl.workbook import input_rows, status_sheet
from cchc_xl.workbook.status_sheet import FULL_CHECK_HEADING, full_check_lines  # noqa: F401 (re-exported)
from cchc_xl.workbook.style import (
    BORDER,
    CENTER,
    GROUP_FILL,
    HEADER_FILL,
    INPUT_FILL,
    LOCKED_FILL,
    REQUIRED_FILL,
    UNLOCKED,
    WRAP_TOP,
    _print_setup,
    _protect,
    _red,
    _red_errors,
    _red_when_sure,
    _yellow,
    font,
)

_flag = formula.flag


def _msg(key: str):
    return spec.sheets()["messages"][key]


@dataclass
class Layout:
    """Where things landed, for the live checks (sheet title → flag cells, etc.)."""

    error_flags: list[tuple[str, str]] = field(default_factory=list)  # (description, formula)
    value_cells: dict[str, str] = field(default_factory=dict)  # indicator code → 'Thống kê'!$D$9
    info_cells: dict[str, str] = field(default_factory=dict)  # field key → 'Thông tin'!$B$5
    info_rows: dict[str, int] = field(default_factory=dict)  # field key → its row on 'Thông tin'
    date_values: dict[str, str] = field(default_factory=dict)  # date field key → $col$row of its date
    checks: input_rows.CheckSheet | None = None  # the hidden sheet of per-row checks


def _set_text(cell, value):
    """Write a value; text that Excel would take for a formula stays text."""
    cell.value = value
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        cell.data_type = "s"
        cell.quotePrefix = True


def _ref(ws, col: str, row: int, absolute=True) -> str:
    c = f"${col}${row}" if absolute else f"{col}{row}"
    return f"{quote_sheetname(ws.title)}!{c}"


def _header(ws, row: int, columns: list[dict], first_col: int = 1):
    def make(c):
        c.font = font(11, bold=True)
        c.fill = HEADER_FILL
        c.alignment = CENTER
        c.border = BORDER

    for i, col in enumerate(columns):
        input_rows.stamp(ws.cell(row=row, column=first_col + i, value=col["title"]), "header", make)
        ws.column_dimensions[get_column_letter(first_col + i)].width = col.get("width", 12)
    fit_row(ws, row, 11, max_col=first_col + len(columns) - 1)  # a wrapped title needs its lines


def _sheet_from_spec(wb, key: str, ncols: int):
    """A new sheet as ``schemas/sheets.json`` declares it, titled across ``ncols`` columns."""
    cfg = spec.sheets()["sheets"][key]
    ws = wb.create_sheet(cfg["title"])
    number_sheet.on_sheet(ws.title)  # the numbers its checks read, on the hidden sheet _so
    _title(ws, cfg["heading"], cfg.get("subtitle"), ncols)
    return cfg, ws


def _table_sheet(wb, key: str, ncols: int | None = None):
    """A declared sheet with its title and its table header (at ``header_row``, from ``columns``)."""
    cols = spec.sheets()["sheets"][key]["columns"]
    cfg, ws = _sheet_from_spec(wb, key, ncols or len(cols))
    _header(ws, cfg["header_row"], cols)
    return cfg, ws, cols, cfg["header_row"]


def _title(ws, heading: str, subtitle: str | None, ncols: int):
    ws.cell(row=1, column=1, value=heading).font = font(14, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 36
    if subtitle:
        c = ws.cell(row=2, column=1, value=subtitle)
        c.font = font(11, italic=True)
        c.alignment = Alignment(horizontal="center", wrap_text=True)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
        ws.row_dimensions[2].height = 30


def _hint(dv: DataValidation, title: str, text: str | None):
    if text:
        dv.promptTitle = title[:32]
        dv.prompt = text[:255]
        dv.showInputMessage = True


# ---- the lists sheet (dropdown sources) ----------------------------------------------------

def _lists_sheet(wb: Workbook, cat: spec.Catalog) -> dict[str, str]:
    """Hidden sheet with every dropdown's items; returns defined-name → range."""
    cfg = spec.sheets()
    ws = wb.create_sheet(cfg["lists_sheet"])
    ws.sheet_state = "hidden"
    names: dict[str, str] = {}

    def column(idx: int, name: str, items: list[str]):
        letter = get_column_letter(idx)
        ws.cell(row=1, column=idx, value=name)
        for i, item in enumerate(items, start=2):
            _set_text(ws.cell(row=i, column=idx), item)
        rng = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${max(2, len(items) + 1)}"
        wb.defined_names[name] = DefinedName(name, attr_text=rng)
        names[name] = rng

    lists = [("ds_cap", spec.levels()), ("ds_ky", spec.period_kinds()), ("ds_tinh_trang", spec.statuses())]
    lists += [(_choice_name(row["code"]), row["choices"]) for row in cat.indicators["rows"] + cat.propaganda["rows"]
              if row.get("kind") == "choice"]
    idx = 1
    for name, items in lists:  # the dropdown, then every spelling the checks accept (checks.choices)
        column(idx, name, [item["label"] for item in items])
        column(idx + 1, choices.accepted_name(name), [sp for sp, _ in choices.spellings(items)])
        idx += 2
    return names


def _choice_name(code: str) -> str:
    return "ds_chon_" + code.replace(".", "_")


# ---- criteria sheet (visible, read-only reference) ----------------------------------------

def _criteria_sheet(wb: Workbook, cat: spec.Catalog, not_applicable=()) -> None:
    """The criteria set, read by the score checks (``bang_tieu_chi``). With criteria that do not
    apply to the agency, an area's maximum is the applicable one (``Catalog.applicable_max``), the
    bound validate uses; a criterion keeps its own maximum (validate bounds deductions by it)."""
    ws = wb.create_sheet("Bộ tiêu chí")
    crit = cat.criteria
    cols = [{"title": "Mã", "width": 10}, {"title": "Lĩnh vực / tiêu chí thành phần", "width": 90},
            {"title": "Điểm tối đa", "width": 12}]
    _title(ws, "BỘ TIÊU CHÍ ĐÁNH GIÁ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH", crit.get("title"), 3)
    area_max = None
    if not_applicable:
        area_max = {a["code"]: cat.applicable_max(a["code"], not_applicable) for a in crit["areas"]}
        note = ws.cell(row=3, column=1, value="Điểm tối đa của lĩnh vực đã trừ điểm các tiêu chí không áp dụng "
                                              "với cơ quan: " + "; ".join(not_applicable) + ".")
        note.font = font(11, italic=True)
        note.alignment = Alignment(wrap_text=True)
        ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=3)
    _header(ws, 4, cols)
    last = max(write_catalog_rows(ws, crit, 5, area_max) - 1, 5)
    rng = f"{quote_sheetname(ws.title)}!$A$5:$C${last}"
    wb.defined_names["bang_tieu_chi"] = DefinedName("bang_tieu_chi", attr_text=rng)
    wb.defined_names["ds_ma_tieu_chi"] = DefinedName(
        "ds_ma_tieu_chi", attr_text=f"{quote_sheetname(ws.title)}!$A$5:$A${last}")
    ws.freeze_panes = "A5"
    _print_setup(ws, "4:4", "C")
    _protect(ws)


def style_field_row(ws, r: int, required) -> None:
    """A "label | value | hint" row of an information sheet: bold label, unlocked value cell on
    yellow (required) or white, small italic hint."""
    for col in (1, 2, 3):
        def make(c, col=col):
            c.border = BORDER
            c.alignment = WRAP_TOP
            c.font = font(12 if col < 3 else 10, bold=(col == 1), italic=(col == 3))
            if col == 2:
                c.protection = UNLOCKED
                c.fill = REQUIRED_FILL if required else INPUT_FILL

        cell = ws.cell(row=r, column=col)
        input_rows.stamp(cell, ("field", col, bool(required), cell.number_format), make)


def write_catalog_rows(ws, criteria: dict, r: int, area_max: dict | None = None) -> int:
    """Areas and criteria of a catalog in code order (code, name, maximum score), areas in bold on
    grey, from row ``r``; returns the next free row. ``area_max``: an area's maximum to show
    instead of the set's (code → maximum, None for none)."""
    rows = [(a, True) for a in criteria["areas"]] + [(c, False) for c in criteria["criteria"]]
    rows.sort(key=lambda rc: spec.code_sort_key(rc[0]["code"]))
    for item, is_area in rows:
        _set_text(ws.cell(row=r, column=1), item["code"])
        _set_text(ws.cell(row=r, column=2), item.get("name"))
        mx = area_max[item["code"]] if is_area and area_max and item["code"] in area_max else item.get("max_score")
        ws.cell(row=r, column=3, value=mx).number_format = "0.###"
        for col in range(1, 4):
            _stamp_catalog(ws.cell(row=r, column=col), is_area)
        fit_known(ws, r, (item["code"], item.get("name"), mx, is_area), 3)
        r += 1
    return r


def _stamp_catalog(cell, is_area: bool) -> None:
    def make(c):
        c.font = font(11, bold=is_area)
        c.border = BORDER
        c.alignment = WRAP_TOP
        if is_area:
            c.fill = GROUP_FILL

    input_rows.stamp(cell, ("catalog", is_area, cell.number_format), make)


# ---- sheets --------------------------------------------------------------------------------

def _guide_sheet(wb: Workbook, cat: spec.Catalog, agency: str | None):
    from cchc_xl.spec.render import render

    ws = wb.active
    ws.title = spec.sheets()["sheets"]["guide"]["title"]
    text = render("huong_dan.txt.j2", level_label=spec.label_of("levels", cat.level),
                  criteria_year=cat.criteria_year, agency=agency,
                  sheets=spec.sheets()["sheets"], version=__version__)
    write_guide(ws, text.splitlines())


GUIDE_PAGE_PT = (11.69 - 0.6 - 0.75) * 72  # the printed height of an A4 portrait page


def write_guide(ws, lines) -> None:
    """A guidance sheet from text lines: "# " a title, "## " a heading, blank lines kept as space."""
    ws.column_dimensions["A"].width = 76  # an A4 portrait page wide (at 86 LibreOffice cuts the text)
    r = 1
    for line in lines:
        if not line.strip():
            r += 1
            continue
        c = ws.cell(row=r, column=1, value=line.strip("#").strip())
        if line.startswith("# "):
            c.font = font(16, bold=True)
        elif line.startswith("## "):
            c.font = font(13, bold=True)
        else:
            c.font = font(12)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        fit_row(ws, r, size=c.font.sz or 12, min_lines=2 if line.startswith("## ") else 1)
        r += 1
    ws.sheet_view.showGridLines = False
    _print_setup(ws, None, "A")
    ws.page_setup.orientation = "portrait"  # one column of text: a taller page, no page of one line
    height = sum(ws.row_dimensions[r].height or 15 for r in range(1, r))
    if height <= 1.3 * GUIDE_PAGE_PT:  # a guide a little longer than a page: shrunk onto one
        ws.page_setup.fitToHeight = 1
    ws.print_title_rows = None
    _protect(ws)


def _info_sheet(wb, report: dict | None, level: str, year: int | None, kind: str | None,
                agency: str | None, lay: Layout):
    cfg, ws, _, hr = _table_sheet(wb, "info", 3)
    rep = report or {}
    defaults = {
        "agency.name": agency, "agency.level": spec.label_of("levels", level),
        "period.year": year, "period.kind": spec.label_of("period_kinds", kind) if kind else None,
        "appraisal_year": (year - 1) if year else None,
    }
    error_only: list[str] = []
    for i, fld in enumerate(cfg["fields"]):
        r = hr + 1 + i
        key = fld["key"]
        ws.cell(row=r, column=1, value=fld["title"] + (" (*)" if fld.get("required") else ""))
        ws.cell(row=r, column=3, value=fld.get("hint"))
        value = _get_path(rep, key) if report else None
        if value is None and not report:
            value = defaults.get(key)
        if report:
            if key == "agency.level" and value:
                value = spec.label_of("levels", value)
            if key == "period.kind" and value:
                value = spec.label_of("period_kinds", value)
        vcell = ws.cell(row=r, column=2)
        if fld["type"] == "codes" and isinstance(value, list):
            value = "; ".join(value) or None
        if fld["type"] == "date" and value:
            value = dt.date.fromisoformat(value) if isinstance(value, str) else value
            vcell.number_format = "dd/mm/yyyy"
        _set_text(vcell, value)
        style_field_row(ws, r, fld.get("required"))
        ref = f"$B${r}"
        lay.info_cells[key] = _ref(ws, "B", r)
        lay.info_rows[key] = r
        dv = None
        if fld["type"] == "enum":
            dv = DataValidation(type="list", formula1={"levels": "ds_cap", "period_kinds": "ds_ky"}[fld["enum"]],
                                allow_blank=True)
            dv.error = _msg("choose_from_list")
        elif fld["type"] == "integer":
            low, high = _field_bounds(fld)
            dv = DataValidation(type="whole" if checks.bounds("integer").whole else "decimal", operator="between",
                                formula1=low, formula2=high, allow_blank=True)
            dv.error = _msg("year_range").format(min=fld["min"], max=fld["max"])
        elif fld["type"] == "date":
            dv = DataValidation(type="date", operator="between", formula1="36526", formula2="73051", allow_blank=True)
            dv.error = _msg("date")
        else:
            dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="500", allow_blank=True)
        dv.errorTitle = "Giá trị không hợp lệ"
        dv.showErrorMessage = True
        _hint(dv, fld["title"], fld.get("hint"))
        dv.add(f"B{r}")
        ws.add_data_validation(dv)
        conds = []
        if fld.get("required"):
            conds.append(presence.error_condition(ref))
        if fld["type"] == "integer":
            conds.append(numbers.error_condition(ref, "integer", *_field_bounds(fld)))
            _yellow(ws, f"B{r}", numbers.warning_condition(ref, "integer"))
        elif fld["type"] == "enum":
            lst = {"levels": "ds_cap", "period_kinds": "ds_ky"}[fld["enum"]]
            conds.append(choices.error_condition(ref, lst))
        elif fld["type"] == "date":
            conds.append(dates.error_condition(ref, _date_helpers(ws, r, ref, key, lay)))
        else:  # text: only an Excel error value is wrong
            conds.append(f"ISERROR({ref})")
        cond = conds[0] if len(conds) == 1 else f"OR({','.join(conds)})"
        _red(ws, f"B{r}", cond)
        sheet_cond = cond.replace(ref, lay.info_cells[key])  # a date read is named: the same everywhere
        if len(conds) > 1 or fld["type"] in ("integer", "enum", "date"):
            lay.error_flags.append((f"{cfg['title']}: {fld['title']}", _flag(sheet_cond)))
        else:
            error_only.append(lay.info_cells[key])
        fit_row(ws, r, size=12, min_lines=2)
    if error_only:
        lay.error_flags.append((f"{cfg['title']}: ô chứa lỗi công thức của Excel (#REF!, #VALUE!…)",
                                "+".join(f"IF(ISERROR({ref}),1,0)" for ref in error_only)))
    _report_date_check(ws, cfg, lay)
    ws.freeze_panes = f"A{hr + 1}"
    _print_setup(ws, f"{hr}:{hr}", "C")
    _protect(ws)


def _date_helpers(ws, r: int, ref: str, key: str, lay: Layout) -> str:
    """The cells reading a date typed as text (checks.dates), on the hidden check sheet's row ``r``;
    returns the name of the cell holding the date read (``ngay_`` and the field's key)."""
    wb = ws.parent
    columns = wb.__dict__.setdefault("_cchc_date_columns", {})
    if not columns:
        columns.update({name: lay.checks.column(f"{ws.title}: ngày đọc được ({name})") for name in dates.HELPERS})
    at = {name: f"${col}${r}" for name, col in columns.items()}
    for name, text in dates.helper_formulas(f"{input_rows.prefix(ws)}{ref}", at).items():
        lay.checks.put(columns[name], r, text)
    name = "ngay_" + key.replace(".", "_")
    wb.defined_names[name] = DefinedName(name, attr_text=f"{input_rows.prefix(lay.checks.ws)}{at['date']}")
    lay.date_values[key] = name
    return name


def _report_date_check(ws, cfg: dict, lay: Layout) -> None:
    """The report date must not fall before the period starts (issue ``report_date_before_period``);
    the start comes from the year and the period on the sheet, in any spelling it accepts (``ds_ky_nhan``)."""
    keys = ("report.date", "period.year", "period.kind")
    if not all(k in lay.info_cells for k in keys) or "report.date" not in lay.date_values:
        return
    date = lay.date_values["report.date"]

    def before(sheet: str) -> str:
        year, kind = (f"{sheet}$B${lay.info_rows[k]}" for k in keys[1:])
        return relations.date_before_start(date, year, kind, spec.period_kinds())

    # an unknown period or a wrong year is counted by its own row: here it counts as no error
    _red_when_sure(ws, f"B{lay.info_rows['report.date']}", before(""))
    sheet_cond = before(quote_sheetname(ws.title) + "!")
    title = next(f["title"] for f in cfg["fields"] if f["key"] == "report.date")
    lay.error_flags.append((f"{cfg['title']}: {title} trước ngày bắt đầu của kỳ báo cáo",
                            f"IFERROR(IF({sheet_cond},1,0),0)"))


def _iso_date(value: str):
    """An ISO date of the canonical document as a date cell; anything else stays as written."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value


def _field_bounds(fld: dict) -> tuple[str, str]:
    """The bounds (formula text) of an info field of a numeric type: those schemas/checks.json
    declares for the type, else the field's own ("min"/"max" in sheets.json, e.g. the year)."""
    declared = checks.bounds(fld["type"])
    return (numbers.formula_bound(declared.low if declared.low is not None else fld["min"]),
            numbers.formula_bound(declared.high if declared.high is not None else fld["max"]))


def _get_path(d: dict, key: str):
    cur = d
    for part in key.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _score_condition(r: int, p: str = "") -> str:
    """The score in E is no number, negative, or over the criteria set's maximum (else the one in D);
    ``p``: the sheet prefix, from the check sheet."""
    return numbers.error_condition(f"{p}$E{r}", "score", "0", relations.score_limit(f"{p}$D{r}", f"{p}$B{r}"))


def _remediation_rows(report: dict | None) -> tuple[int, int]:
    """First and last input row of the remediation table (the deductions' coverage check needs it)."""
    cfg = spec.sheets()["sheets"]["remediation"]
    first = cfg["header_row"] + 1
    return first, first + max(len((report or {}).get("remediation", [])) + 50, cfg["open_rows"]) - 1


def _remediation_range(report: dict | None, key: str) -> str:
    cols = [c["key"] for c in spec.sheets()["sheets"]["remediation"]["columns"]]
    letter = get_column_letter(cols.index(key) + 1)
    first, last = _remediation_rows(report)
    return f"{quote_sheetname(spec.sheets()['sheets']['remediation']['title'])}!${letter}${first}:${letter}${last}"


def _scores_sheet(wb, report: dict | None, cat: spec.Catalog, lay: Layout, source: str | None = None):
    ncol = len(spec.sheets()["sheets"]["scores"]["deduction_columns"])
    cfg, ws = _sheet_from_spec(wb, "scores", ncol)
    c = ws.cell(row=cfg["areas_header_row"] - 1, column=1, value=cfg["areas_caption"])
    c.font = font(12, bold=True)
    hr = cfg["areas_header_row"]
    _header(ws, hr, cfg["area_columns"])
    given = {a["code"]: a for a in (report or {}).get("areas", [])}
    exempt = (report or {}).get("not_applicable") or ()
    area_rows = [dict(code=a["code"], name=a["name"], max_score=cat.applicable_max(a["code"], exempt), score=None)
                 for a in cat.criteria["areas"] if a["code"] not in given]
    area_rows += list(given.values())
    area_rows.sort(key=lambda a: spec.code_sort_key(a["code"]))
    deds = (report or {}).get("deductions", [])
    # the deductions table: below the areas, a blank row and its caption (the area checks read its codes)
    dhr = hr + len(area_rows) + 3
    first, last = dhr + 1, dhr + max(len(deds) + 40, 80)
    ded_codes = f"$B${first}:$B${last}"
    q = input_rows.prefix(ws)
    # the numbers the checks read, on _so: one block per column, so one rule covers a column
    score_whole = checks.bounds("score").whole
    for letter in "DE":
        number_sheet.column(ws.title, letter, first, last, score_whole)
        number_sheet.column(ws.title, letter, hr + 1, hr + len(area_rows), score_whole)
    r = hr + 1
    for i, a in enumerate(area_rows, start=1):
        marked = source == FROM_APPRAISAL and a.get("score") is not None
        # a blank score: the figure computed from the deductions, shown in the note (checks.areas)
        computed = "=" + areas.computed_note(f"$B{r}", f"$D{r}", f"$E{r}", ded_codes,
                                             [f"$D{x}" for x in range(first, last + 1)],
                                             [f"$E{x}" for x in range(first, last + 1)])
        values = [i, a["code"], a.get("name"), a.get("max_score"), a.get("score"),
                  FROM_APPRAISAL_NOTE if marked else None]
        for col, v in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col)
            _set_text(cell, v)
            _stamp_area(cell, col)
        if not marked:
            ws.cell(row=r, column=6).value = computed
        fit_row(ws, r, 11, max_col=ncol)
        r += 1
    first_area, last_area = hr + 1, r - 1

    def area_cond(p: str, r: int) -> str:
        # blank where the report lists deductions of the area: computed from them (checks.areas), a warning
        return _score_condition(r, p)

    _red(ws, f"E{first_area}:E{last_area}", area_cond("", first_area))
    _yellow(ws, f"E{first_area}:E{last_area}", numbers.warning_condition(f"$E{first_area}", "score"))
    _yellow(ws, f"E{first_area}:E{last_area}",
            areas.computed_condition(f"$B{first_area}", f"$D{first_area}", f"$E{first_area}", ded_codes,
                                     [f"$D{x}" for x in range(first, last + 1)],
                                     [f"$E{x}" for x in range(first, last + 1)]))
    _yellow(ws, f"D{first_area}:D{last_area}", relations.max_mismatch_condition(f"$D{first_area}", f"$B{first_area}"))
    fl = lay.checks.column(cfg["title"] + ": lĩnh vực")
    for r in range(first_area, last_area + 1):
        lay.checks.put(fl, r, _flag(area_cond(q, r)))
    dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True)
    dv.error = "Điểm đạt phải là số từ 0 đến điểm tối đa của lĩnh vực."
    dv.errorTitle = "Điểm không hợp lệ"
    _hint(dv, "Điểm đạt", cfg["area_columns"][4]["hint"])
    dv.add(f"E{first_area}:E{last_area}")
    ws.add_data_validation(dv)
    lay.error_flags.append((f"{cfg['title']}: điểm lĩnh vực không phải số hoặc ngoài khoảng cho phép",
                            lay.checks.total(fl, first_area, last_area)))

    # deductions: the rows of the report and nothing below them
    ws.cell(row=dhr - 1, column=1, value=cfg["deductions_caption"]).font = font(12, bold=True)
    _header(ws, dhr, cfg["deduction_columns"])
    keys = [col["key"] for col in cfg["deduction_columns"]]
    _input_columns(ws, keys, {"max_score": "score", "score": "score"})
    for i, d in enumerate(deds, start=first):
        values = [f"=IF(COUNTA(B{i}:F{i})=0,\"\",ROW()-{first - 1})"] + [d.get(key) for key in keys[1:]]
        for col, v in enumerate(values, start=1):
            cell = ws.cell(row=i, column=col)
            _set_text(cell, v) if col > 1 else setattr(cell, "value", v)
            _stamp_input(cell, locked=col == 1, number_format="0.###" if col in (4, 5) else None)
        fit_row(ws, i, 11, max_col=ncol)
    rem_codes = _remediation_range(report, "code")
    carried = f"COUNTA({_remediation_range(report, 'carried_from')})>0"

    def row_conds(p: str, i: int) -> dict[str, str]:
        started = formula.started(f"{p}$B{i}", f"$F{i}")
        return {
            "B": presence.error_condition(f"{p}$B{i}", started),
            "E": _score_condition(i, p),  # a blank score is a warning (sheets.json "required": "warning")
            "D": numbers.error_condition(f"{p}$D{i}", "score", "0"),
        }

    def dup(p: str, i: int) -> str:  # the same criterion listed again (issue duplicate_deduction): later rows count
        return relations.duplicate_condition(f"{p}$B{i}", f"{p}$B${first}", f"$B{i - 1}")

    def uncovered(p: str, i: int) -> str:  # a criterion without a remediation row (uncovered_deduction)
        return relations.uncovered_condition(f"{p}$B{i}", rem_codes)

    for col, cond in row_conds("", first).items():
        _red(ws, f"{col}{first}:{col}{last}", cond)
    # only a warning in a carried-over workbook. An error value in B is counted by the row's own check.
    _red(ws, f"B{first}:B{last}", f"AND({uncovered('', first)},NOT({carried}))")
    if last > first:
        _red(ws, f"B{first + 1}:B{last}", dup("", first + 1))
    _yellow(ws, f"B{first}:B{last}", f"AND({uncovered('', first)},{carried})")
    for col in "DE":
        _yellow(ws, f"{col}{first}:{col}{last}", numbers.warning_condition(f"${col}{first}", "score"))
    _yellow(ws, f"D{first}:D{last}", relations.max_mismatch_condition(f"$D{first}", f"$B{first}"))
    _yellow(ws, f"E{first}:E{last}", presence.error_condition(f"$E{first}", f"$B{first}<>\"\""))
    for x in "CF":
        _red_errors(ws, f"{x}{first}:{x}{last}")
    input_rows.row_rules(ws, f"A{first}:{get_column_letter(ncol)}{last}")
    fl = lay.checks.column(cfg["title"] + ": tiêu chí bị trừ điểm")
    dl = lay.checks.column(cfg["title"] + ": trùng mã")
    cl = lay.checks.column(cfg["title"] + ": chưa có dòng khắc phục")
    for i in range(first, last + 1):
        # name and reason: only an Excel error value is wrong there
        lay.checks.put(fl, i, "+".join([_flag(x) for x in row_conds(q, i).values()] +
                                       [f"IF(ISERROR({q}${x}{i}),1,0)" for x in "CF"]))
        if i > first:
            lay.checks.put(dl, i, formula.flag_or_zero(dup(q, i)))
        lay.checks.put(cl, i, formula.flag_or_zero(f"AND({uncovered(q, i)},NOT({carried}))"))
    _dv_list(ws, "ds_ma_tieu_chi", f"B{first}:B{last}", "Mã tiêu chí",
             cfg["deduction_columns"][1]["hint"], strict=False)
    for col_key, letter in (("max_score", "D"), ("score", "E")):
        col = next(c for c in cfg["deduction_columns"] if c["key"] == col_key)
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True)
        dv.errorTitle = "Điểm không hợp lệ"
        dv.error = "Điểm phải là số không âm, không lớn hơn điểm tối đa của tiêu chí."
        _hint(dv, col["title"], col.get("hint"))
        dv.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(dv)
    lay.error_flags.append((f"{cfg['title']}: tiêu chí bị trừ điểm thiếu mã, thiếu điểm hoặc điểm ngoài khoảng",
                            lay.checks.total(fl, first, last)))
    lay.error_flags.append((f"{cfg['title']}: một tiêu chí bị liệt kê trừ điểm hai lần",
                            lay.checks.total(dl, first, last)))
    lay.error_flags.append((f"{cfg['title']}: tiêu chí bị trừ điểm chưa có dòng khắc phục",
                            lay.checks.total(cl, first, last)))
    ws.freeze_panes = f"A{hr + 1}"
    _print_setup(ws, f"{dhr}:{dhr}", None)
    _protect(ws, allow_rows=True)


def _stamp_area(cell, col: int) -> None:
    """A cell of the areas table: code, name and maximum locked on grey, score and note to fill."""
    def make(c):
        c.border = BORDER
        c.font = font(11)
        c.alignment = WRAP_TOP
        if col in (1, 2, 3, 4):
            c.fill = LOCKED_FILL
        else:
            c.protection = UNLOCKED
        if col in (4, 5):
            c.number_format = "0.###"

    input_rows.stamp(cell, ("area", col), make)


def _dv_list(ws, source: str, rng: str, title: str, hint: str | None, strict=True):
    dv = DataValidation(type="list", formula1=source, allow_blank=True)
    dv.showErrorMessage = True
    dv.errorStyle = "stop" if strict else "warning"
    dv.errorTitle = "Giá trị không có trong danh sách"
    dv.error = _msg("choose_from_list") if strict else _msg("unknown_code_allowed")
    _hint(dv, title, hint)
    dv.add(rng)
    ws.add_data_validation(dv)


def _remediation_sheet(wb, report: dict | None, lay: Layout):
    """Khắc phục: the rows of the report and nothing below them; rows typed later take their look
    from the columns and the table's rules, their checks from the hidden check sheet."""
    cfg, ws, cols, hr = _table_sheet(wb, "remediation")
    ncol = len(cols)
    items = (report or {}).get("remediation", [])
    first, last = _remediation_rows(report)
    keys = [c["key"] for c in cols]
    types = {c["key"]: c.get("type") for c in cols}
    c = {k: get_column_letter(keys.index(k) + 1) for k in keys}
    _input_columns(ws, keys, types)
    for i, it in enumerate(items, start=first):
        for col, key in enumerate(keys, start=1):
            cell = ws.cell(row=i, column=col)
            if key == "stt":
                cell.value = f"=IF(COUNTA(B{i}:{c[keys[-1]]}{i})=0,\"\",ROW()-{first - 1})"
            else:
                v = it.get(key)
                if key == "status":
                    v = spec.label_of("statuses", v) if v else None
                elif key == "carried_from":
                    v = spec.period_words(v["kind"], v["year"]) if v else None
                elif types[key] == "date" and isinstance(v, str):
                    v = _iso_date(v)
                _set_text(cell, v)
            _stamp_input(cell, types[key] == "date", key == "stt")
        fit_row(ws, i, 11, max_col=ncol)

    def conds(q: str, i: int) -> dict[str, str]:
        """The checks of row ``i`` (``q``: the sheet prefix, from the check sheet)."""
        started = formula.started(f"{q}${c[keys[1]]}{i}", f"${c[keys[-1]]}{i}")
        out = {c[col["key"]]: presence.error_condition(f"{q}${c[col['key']]}{i}", started)
               for col in cols if col.get("required") is True}
        status = f"{q}${c['status']}{i}"
        out[c["status"]] = f"OR({out[c['status']]},{choices.error_condition(status, 'ds_tinh_trang')})"
        return out

    for col, cond in conds("", first).items():
        _red(ws, f"{col}{first}:{col}{last}", cond)
    started = formula.started(f"${c[keys[1]]}{first}", f"${c[keys[-1]]}{first}")
    for col in cols:  # "required": "warning" (a solution the real reports leave out): yellow
        if col.get("required") == "warning":
            x = c[col["key"]]
            _yellow(ws, f"{x}{first}:{x}{last}", presence.error_condition(f"${x}{first}", started))
    checked = set(conds("", first))
    q = input_rows.prefix(ws)
    flags = lay.checks.column(cfg["title"])
    for i in range(first, last + 1):
        # the other input cells: only an Excel error value (#REF!, #N/A…) is wrong there
        errors = [f"IF(ISERROR({q}${c[k]}{i}),1,0)" for k in keys if k != "stt" and c[k] not in checked]
        lay.checks.put(flags, i, "+".join([_flag(x) for x in conds(q, i).values()] + errors))
    _red_errors(ws, f"B{first}:{get_column_letter(ncol)}{last}")
    input_rows.row_rules(ws, f"A{first}:{get_column_letter(ncol)}{last}")
    _dv_list(ws, "ds_tinh_trang", f"{c['status']}{first}:{c['status']}{last}", "Tình trạng",
             next(x for x in cols if x["key"] == "status")["hint"])
    _dv_list(ws, "ds_ma_tieu_chi", f"{c['code']}{first}:{c['code']}{last}", "Mã tiêu chí",
             next(x for x in cols if x["key"] == "code")["hint"], strict=False)
    for col in cols:  # a declared date column (e.g. due_date, a parsed deadline) takes dates only
        if col.get("type") == "date":
            dv = DataValidation(type="date", operator="between", formula1="36526", formula2="73051",
                                allow_blank=True)
            dv.errorTitle = "Giá trị không hợp lệ"
            dv.error = _msg("date")
            dv.showErrorMessage = True
            _hint(dv, col["title"][:32], col.get("hint"))
            dv.add(f"{c[col['key']]}{first}:{c[col['key']]}{last}")
            ws.add_data_validation(dv)
    for key in ("issue", "solution", "deadline", "progress"):
        col = next(x for x in cols if x["key"] == key)
        dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="32000", allow_blank=True)
        _hint(dv, col["title"][:32], col.get("hint"))
        dv.add(f"{c[key]}{first}:{c[key]}{last}")
        ws.add_data_validation(dv)
    lay.error_flags.append((f"{cfg['title']}: dòng thiếu tồn tại, giải pháp hoặc tình trạng, hoặc tình trạng "
                            f"không có trong danh sách", lay.checks.total(flags, first, last)))
    ws.freeze_panes = f"A{first}"
    ws.auto_filter.ref = f"A{hr}:{get_column_letter(ncol)}{max(first, first + len(items) - 1)}"
    _print_setup(ws, f"{hr}:{hr}", None)
    _protect(ws, allow_rows=True)


def _input_columns(ws, keys: list[str], types: dict) -> None:
    """The look of a cell typed in an input table (column A: the row number, typed or computed)."""
    for key, letter in zip(keys, (get_column_letter(i) for i in range(1, len(keys) + 1))):
        number_format = "dd/mm/yyyy" if types.get(key) == "date" else \
            "0.###" if types.get(key) == "score" else None
        input_rows.column_style(ws, letter, font(11), WRAP_TOP, UNLOCKED, number_format)


def _stamp_input(cell, date: bool = False, locked: bool = False, number_format: str | None = None) -> None:
    """A written cell of an input table: the look a typed one gets, with the table's rules."""
    def make(c):
        c.border = BORDER
        c.font = font(11)
        c.alignment = WRAP_TOP
        if not locked:
            c.protection = UNLOCKED
        if date:
            c.number_format = "dd/mm/yyyy"
        elif number_format:
            c.number_format = number_format

    input_rows.stamp(cell, ("input", date, locked, number_format), make)


def _value_condition(ref: str, row: dict) -> str | None:
    """The check of one value cell (None when nothing but an Excel error value can be wrong)."""
    kind = row.get("kind")
    if kind in ("count", "number", "percent"):  # the bounds schemas/checks.json declares
        return numbers.error_condition(ref, kind)
    if kind == "choice":
        return choices.error_condition(ref, _choice_name(row["code"]), [c["value"] for c in row["choices"]])
    return None


def _reads_number(row: dict) -> bool | None:
    """Whether the check of an indicator's value cell reads its number on ``_so`` as a whole number
    (True), as a decimal (False), or not at all (None)."""
    kind = row.get("kind")
    if row.get("group") or row.get("unknown"):
        return None
    if kind in ("count", "number", "percent"):
        return checks.bounds(kind).whole
    if kind == "choice" and row.get("choices"):
        return checks.bounds("number").whole
    return None


def unit_text(row: dict) -> str | None:
    """The unit cell of an indicator; for coded choices the codes the catalog defines
    ("Chưa thực hiện = 0 Đã thực hiện = 1"), whatever a catalog's unit text says."""
    if row.get("kind") == "choice" and row.get("choices"):
        return " ".join(f"{c['label']} = {c['value']}" for c in row["choices"])
    return row.get("unit")


def _values_sheet(wb, which: str, rows: list[dict], values: dict, lay: Layout, record: bool):
    cfg, ws, cols, hr = _table_sheet(wb, which)
    ncol = len(cols)
    q = input_rows.prefix(ws)
    fl = lay.checks.column(cfg["title"])
    known = {r["code"] for r in rows}
    extra = [{"code": code, "name": "(Mã không có trong danh mục)", "kind": "text", "unknown": True}
             for code in values if code not in known]
    r = hr + 1
    first = r
    # the numbers the checks read, on _so: one block per run of rows read alike (a count: "1.216" is 1216)
    reads = [(r + k, _reads_number(row)) for k, row in enumerate(rows + extra)]
    for whole in (True, False):
        for top, bottom in input_rows.runs([x for x, w in reads if w is whole]):
            number_sheet.column(ws.title, "D", top, bottom, whole)
    red: dict[tuple, list[int]] = {}  # one conditional format per check and run of rows (relative to its first)
    warn: dict[tuple, list[int]] = {}
    by_key: dict[tuple, dict] = {}
    dvs: dict[str, DataValidation] = {}
    for row in rows + extra:
        code = row["code"]
        group = row.get("group", False)
        level = code.count(".")
        name = (row.get("label") + ": " if row.get("label") else "") + row["name"]
        v = values.get(code, {})
        value = v.get("value")
        if row.get("kind") == "choice" and isinstance(value, int):
            value = next((c["label"] for c in row["choices"] if c["value"] == value), value)
        cells = [code, name, unit_text(row), value, v.get("note")]
        for col, val in enumerate(cells, start=1):
            cell = ws.cell(row=r, column=col)
            _set_text(cell, val)
            _stamp_value(cell, col, group, level, row.get("kind") == "percent" and col == 4)
        if record and not group:
            lay.value_cells[code] = _ref(ws, "D", r)
        if not group:
            kind = row.get("kind")
            dv = None
            if kind == "choice":
                dv = DataValidation(type="list", formula1=_choice_name(code), allow_blank=True)
                dv.error = _msg("choose_from_list")
                hint = "Chọn: " + "; ".join(f"{c['label']}" for c in row["choices"])
                title = f"Chỉ tiêu {code}"
            elif kind in dvs:  # one validation per kind of number, over all its cells
                dvs[kind].add(f"D{r}")
            elif kind in ("count", "number", "percent"):
                low, high, whole = checks.bounds(kind)
                dv = DataValidation(type="whole" if whole else "decimal", operator="between",
                                    formula1=numbers.formula_bound(low if low is not None else -1e9),
                                    formula2=numbers.formula_bound(high if high is not None else 1000000000),
                                    allow_blank=True)
                dv.error = hint = _msg("kind_hints")[kind]
                dvs[kind] = dv
                title = "Số liệu"
            if dv is not None:
                dv.errorTitle = "Số liệu không hợp lệ"
                dv.showErrorMessage = True
                _hint(dv, title, hint)
                dv.add(f"D{r}")
                ws.add_data_validation(dv)
            cond = _value_condition(f"{q}$D{r}", row)
            if cond:
                key = (row.get("kind"), code if row.get("kind") == "choice" else None)
                by_key[key] = row
                red.setdefault(key, []).append(r)
                term = _flag(cond)
                if row.get("kind") in ("count", "number", "percent"):
                    warn.setdefault(key, []).append(r)
            else:
                term = f"IF(ISERROR({q}$D{r}),1,0)"
            lay.checks.put(fl, r, f"{term}+IF(ISERROR({q}$E{r}),1,0)")  # and the note
        fit_known(ws, r, (tuple(map(str, cells)), group, level), ncol)
        r += 1
    last = r - 1
    for rules, paint, check in ((red, _red, _value_condition),  # one range per run of consecutive rows
                                (warn, _yellow, lambda ref, row: numbers.warning_condition(ref, row["kind"]))):
        for key, at in rules.items():
            for top, bottom in input_rows.runs(at):
                paint(ws, f"D{top}:D{bottom}", check(f"$D{top}", by_key[key]))
    _red_errors(ws, f"D{first}:E{last}")
    lay.error_flags.append((f"{cfg['title']}: số liệu sai kiểu hoặc ngoài khoảng", lay.checks.total(fl, first, last)))
    ws.freeze_panes = f"A{first}"
    _print_setup(ws, f"{hr}:{hr}", get_column_letter(ncol))
    _protect(ws)


def _stamp_value(cell, col: int, group: bool, level: int, percent: bool) -> None:
    """A cell of an indicator table: code, name and unit locked on grey (a group row's value too)."""
    def make(c):
        c.border = BORDER
        c.font = font(11, bold=group and level <= 1)
        c.alignment = Alignment(wrap_text=True, vertical="top", indent=min(level, 3) if col == 2 else 0)
        if col <= 3 or (col == 4 and group):
            c.fill = GROUP_FILL if group else LOCKED_FILL
        else:
            c.protection = UNLOCKED
        if percent:
            c.number_format = "0.##"

    input_rows.stamp(cell, ("value", col, group, level <= 1 and group, min(level, 3) if col == 2 else 0, percent), make)


def _meta_sheet(wb, cat: spec.Catalog, source: str | None = None):
    cfg = spec.sheets()
    ws = wb.create_sheet(cfg["meta_sheet"])
    ws.sheet_state = "veryHidden"
    rows = [
        ("template_id", cfg["template_id"]),
        ("template_version", cfg["template_version"]),
        ("schema_version", SCHEMA_VERSION),
        ("level", cat.level),
        ("criteria_year", cat.criteria_year),
        ("indicators_version", cat.indicators.get("version")),
        ("generator", f"cchc-xl {__version__}"),
        *([("scores_source", source)] if source else []),
        ("note", "Trang ẩn dùng để nhận diện biểu mẫu cchc-xl. Không sửa, không xóa."),
    ]
    for i, (k, v) in enumerate(rows, start=1):
        ws.cell(row=i, column=1, value=k)
        ws.cell(row=i, column=2, value=v)
    ws.protection.sheet = True


# ---- entry point ---------------------------------------------------------------------------

FROM_APPRAISAL_NOTE = "Theo sổ thẩm định (Đoàn thẩm định công bố)"


def build_workbook(level: str = "so", year: int | None = None, kind: str | None = None,
                   agency: str | None = None, report: dict | None = None, source: str | None = None) -> Workbook:
    """An agency workbook for a level (blank, or filled from a canonical report). ``source=
    FROM_APPRAISAL`` (distribute): the scores came from the appraisal workbook — marked so on
    the sheet and in ``_meta``, and the full check does not warn the agency about what it
    cannot change (the area totals)."""
    if report:
        level = report["agency"]["level"]
        year = report["period"]["year"]
        kind = report["period"]["kind"]
    appraisal_year = (report or {}).get("appraisal_year") or ((year - 1) if year else None)
    cat = spec.catalog(level, appraisal_year)
    wb = Workbook()
    lay = Layout()
    _guide_sheet(wb, cat, agency or (report or {}).get("agency", {}).get("name"))
    _lists_sheet(wb, cat)
    lay.checks = input_rows.CheckSheet(wb)
    with number_sheet.reading(wb):  # numbers typed as text, read with Excel 2010's functions
        _info_sheet(wb, report, level, year, kind, agency, lay)
        _scores_sheet(wb, report, cat, lay, source)
        _remediation_sheet(wb, report, lay)
        _values_sheet(wb, "indicators", cat.indicators["rows"], (report or {}).get("indicators", {}), lay, True)
        _values_sheet(wb, "propaganda", cat.propaganda["rows"], (report or {}).get("propaganda", {}), lay, False)
        _criteria_sheet(wb, cat, (report or {}).get("not_applicable") or ())
        status_sheet.write(wb, cat, lay)
    _meta_sheet(wb, cat, source)
    status_sheet.red_first(wb)
    # hidden sheets last, visible order: guide, status, info, scores, remediation, ...
    order = [ws for ws in wb.worksheets if ws.sheet_state == "visible"] + \
            [ws for ws in wb.worksheets if ws.sheet_state != "visible"]
    wb._sheets = order
    wb.active = 0
    wb.calculation.fullCalcOnLoad = True
    wb.properties.creator = f"cchc-xl {__version__}"
    wb.properties.title = "Báo cáo CCHC"
    return wb


def write_template(out, level="so", year=None, kind=None, agency=None, report=None, source=None) -> Path:
    return save_atomic(build_workbook(level, year, kind, agency, report, source), out)


