"""Thông tin: the agency, the period and the report's dates, one "label | value | hint" row per field
of ``schemas/sheets.json``, each with its dropdown or bounds and its live check."""

from __future__ import annotations

import datetime as dt

from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from cchc_xl import spec
from cchc_xl.check import dates, formula, numbers, presence, register
from cchc_xl.check.kind import Field
from cchc_xl.sheets.measure import fit_row
from cchc_xl.sheets.style import DATE_FORMAT
from cchc_xl.workbook import input_rows
from cchc_xl.workbook.kit import Layout, cell_ref, input_hint, msg, set_text, style_field_row, table_sheet
from cchc_xl.workbook.style import mark_red, mark_red_when_sure, mark_yellow, print_setup, protect


def write(wb, report: dict | None, level: str, year: int | None, kind: str | None,
          agency: str | None, lay: Layout):
    cfg, ws, _, hr = table_sheet(wb, "info", 3)
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
        if register.has(fld["type"], "date") and value:
            value = dt.date.fromisoformat(value) if isinstance(value, str) else value
            vcell.number_format = DATE_FORMAT
        set_text(vcell, value)
        style_field_row(ws, r, fld.get("required"))
        ref = f"$B${r}"
        lay.info_cells[key] = cell_ref(ws, "B", r)
        lay.info_rows[key] = r
        dv = None
        if register.has(fld["type"], "allowed"):
            dv = DataValidation(type="list", formula1=ENUM_LISTS[fld["enum"]],
                                allow_blank=True)
            dv.error = msg("choose_from_list")
        elif register.is_numeric(fld["type"]):
            low, high = _field_bounds(fld)
            dv = DataValidation(type="whole" if register.bounds(fld["type"]).whole else "decimal", operator="between",
                                formula1=low, formula2=high, allow_blank=True)
            dv.error = msg("year_range").format(min=fld["min"], max=fld["max"])
        elif register.has(fld["type"], "date"):
            dv = DataValidation(type="date", operator="between", formula1="36526", formula2="73051", allow_blank=True)
            dv.error = msg("date")
        else:
            dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="500", allow_blank=True)
        dv.errorTitle = "Giá trị không hợp lệ"
        dv.showErrorMessage = True
        input_hint(dv, fld["title"], fld.get("hint"))
        dv.add(f"B{r}")
        ws.add_data_validation(dv)
        conds = []
        if fld.get("required"):
            conds.append(presence.error_condition(ref))
        if register.is_checked(fld["type"]):  # the kinds schemas/checks.json gives the type, in order
            check = Field(fld["type"], **_field_checks(ws, r, fld, lay))
            conds.append(register.condition(fld["type"], ref, check))
            warn = register.warning(fld["type"], ref, check)
            if warn:
                mark_yellow(ws, f"B{r}", warn)
        else:  # text: only an Excel error value is wrong
            conds.append(f"ISERROR({ref})")
        cond = conds[0] if len(conds) == 1 else f"OR({','.join(conds)})"
        mark_red(ws, f"B{r}", cond)
        sheet_cond = cond.replace(ref, lay.info_cells[key])  # a date read is named: the same everywhere
        if len(conds) > 1 or register.is_checked(fld["type"]):
            lay.error_flags.append((f"{cfg['title']}: {fld['title']}", formula.flag(sheet_cond)))
        else:
            error_only.append(lay.info_cells[key])
        fit_row(ws, r, size=12, min_lines=2)
    if error_only:
        lay.error_flags.append((f"{cfg['title']}: ô chứa lỗi công thức của Excel (#REF!, #VALUE!…)",
                                "+".join(f"IF(ISERROR({ref}),1,0)" for ref in error_only)))
    _report_date_check(ws, cfg, lay)
    ws.freeze_panes = f"A{hr + 1}"
    print_setup(ws, f"{hr}:{hr}", "C")
    protect(ws)


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
        return register.kind("date_order").condition(date, year, kind, spec.period_kinds())

    # an unknown period or a wrong year is counted by its own row: here it counts as no error
    mark_red_when_sure(ws, f"B{lay.info_rows['report.date']}", before(""))
    sheet_cond = before(quote_sheetname(ws.title) + "!")
    title = next(f["title"] for f in cfg["fields"] if f["key"] == "report.date")
    lay.error_flags.append((f"{cfg['title']}: {title} trước ngày bắt đầu của kỳ báo cáo",
                            f"IFERROR(IF({sheet_cond},1,0),0)"))


def _field_bounds(fld: dict) -> tuple[str, str]:
    """The bounds (formula text) of an info field of a numeric type: those schemas/checks.json
    declares for the type, else the field's own ("min"/"max" in sheets.json, e.g. the year)."""
    declared = register.bounds(fld["type"], fld)
    return numbers.formula_bound(declared.low), numbers.formula_bound(declared.high)


# the hidden list of each enum of schemas/enums.json an info field chooses from
ENUM_LISTS = {"levels": "ds_cap", "period_kinds": "ds_ky", "statuses": "ds_tinh_trang"}


def _field_checks(ws, r: int, fld: dict, lay) -> dict:
    """What the checks of an info field need beyond its type (:class:`cchc_xl.check.kind.Field`): the
    field's own bounds (the year's), the hidden list of its choices, the helper cell reading its date."""
    out = {}
    if register.is_numeric(fld["type"]):
        out["low"], out["high"] = _field_bounds(fld)
    if register.has(fld["type"], "allowed"):
        out["list_name"] = ENUM_LISTS[fld["enum"]]
    if register.has(fld["type"], "date"):
        out["date_cell"] = _date_helpers(ws, r, f"$B${r}", fld["key"], lay)
    return out


def _get_path(d: dict, key: str):
    cur = d
    for part in key.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur
