"""Khắc phục: the remediation table, the rows of the report and open rows below them; rows typed
later take their look from the columns and the table's rules, their checks from the hidden check sheet."""

from __future__ import annotations

import datetime as dt

from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from cchc_xl import spec
from cchc_xl.check import formula, presence, register
from cchc_xl.check.kind import Field
from cchc_xl.sheets.measure import fit_row
from cchc_xl.workbook import input_rows
from cchc_xl.workbook.kit import Layout, dv_list, input_columns, input_hint, msg, set_text, stamp_input, table_sheet
from cchc_xl.workbook.style import mark_red, mark_red_errors, mark_yellow, print_setup, protect


def table_rows(report: dict | None) -> tuple[int, int]:
    """First and last input row of the remediation table (the deductions' coverage check needs it)."""
    cfg = spec.sheets()["sheets"]["remediation"]
    first = cfg["header_row"] + 1
    return first, first + max(len((report or {}).get("remediation", [])) + 50, cfg["open_rows"]) - 1


def column_range(report: dict | None, key: str) -> str:
    cols = [c["key"] for c in spec.sheets()["sheets"]["remediation"]["columns"]]
    letter = get_column_letter(cols.index(key) + 1)
    first, last = table_rows(report)
    return f"{quote_sheetname(spec.sheets()['sheets']['remediation']['title'])}!${letter}${first}:${letter}${last}"


def write(wb, report: dict | None, lay: Layout):
    """Khắc phục: the rows of the report and nothing below them; rows typed later take their look
    from the columns and the table's rules, their checks from the hidden check sheet."""
    cfg, ws, cols, hr = table_sheet(wb, "remediation")
    ncol = len(cols)
    items = (report or {}).get("remediation", [])
    first, last = table_rows(report)
    keys = [c["key"] for c in cols]
    types = {c["key"]: c.get("type") for c in cols}
    c = {k: get_column_letter(keys.index(k) + 1) for k in keys}
    input_columns(ws, keys, types)
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
                elif register.has(types[key], "date") and isinstance(v, str):
                    v = _iso_date(v)
                set_text(cell, v)
            stamp_input(cell, register.has(types[key], "date"), key == "stt")
        fit_row(ws, i, 11, max_col=ncol)

    def conds(q: str, i: int) -> dict[str, str]:
        """The checks of row ``i`` (``q``: the sheet prefix, from the check sheet)."""
        started = formula.started(f"{q}${c[keys[1]]}{i}", f"${c[keys[-1]]}{i}")
        out = {c[col["key"]]: presence.error_condition(f"{q}${c[col['key']]}{i}", started)
               for col in cols if col.get("required") is True}
        status = f"{q}${c['status']}{i}"
        out[c["status"]] = f"OR({out[c['status']]},{register.condition('enum', status, Field('enum', list_name='ds_tinh_trang'))})"
        return out

    for col, cond in conds("", first).items():
        mark_red(ws, f"{col}{first}:{col}{last}", cond)
    started = formula.started(f"${c[keys[1]]}{first}", f"${c[keys[-1]]}{first}")
    for col in cols:  # "required": "warning" (a solution the real reports leave out): yellow
        if col.get("required") == "warning":
            x = c[col["key"]]
            mark_yellow(ws, f"{x}{first}:{x}{last}", presence.error_condition(f"${x}{first}", started))
    checked = set(conds("", first))
    q = input_rows.prefix(ws)
    flags = lay.checks.column(cfg["title"])
    for i in range(first, last + 1):
        # the other input cells: only an Excel error value (#REF!, #N/A…) is wrong there
        errors = [f"IF(ISERROR({q}${c[k]}{i}),1,0)" for k in keys if k != "stt" and c[k] not in checked]
        lay.checks.put(flags, i, "+".join([formula.flag(x) for x in conds(q, i).values()] + errors))
    mark_red_errors(ws, f"B{first}:{get_column_letter(ncol)}{last}")
    input_rows.row_rules(ws, f"A{first}:{get_column_letter(ncol)}{last}")
    dv_list(ws, "ds_tinh_trang", f"{c['status']}{first}:{c['status']}{last}", "Tình trạng",
            next(x for x in cols if x["key"] == "status")["hint"])
    dv_list(ws, "ds_ma_tieu_chi", f"{c['code']}{first}:{c['code']}{last}", "Mã tiêu chí",
            next(x for x in cols if x["key"] == "code")["hint"], strict=False)
    for col in cols:  # a declared date column (e.g. due_date, a parsed deadline) takes dates only
        if register.has(col.get("type"), "date"):
            dv = DataValidation(type="date", operator="between", formula1="36526", formula2="73051",
                                allow_blank=True)
            dv.errorTitle = "Giá trị không hợp lệ"
            dv.error = msg("date")
            dv.showErrorMessage = True
            input_hint(dv, col["title"][:32], col.get("hint"))
            dv.add(f"{c[col['key']]}{first}:{c[col['key']]}{last}")
            ws.add_data_validation(dv)
    for key in ("issue", "solution", "deadline", "progress"):
        col = next(x for x in cols if x["key"] == key)
        dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="32000", allow_blank=True)
        input_hint(dv, col["title"][:32], col.get("hint"))
        dv.add(f"{c[key]}{first}:{c[key]}{last}")
        ws.add_data_validation(dv)
    lay.error_flags.append((f"{cfg['title']}: dòng thiếu tồn tại, giải pháp hoặc tình trạng, hoặc tình trạng "
                            f"không có trong danh sách", lay.checks.total(flags, first, last)))
    ws.freeze_panes = f"A{first}"
    ws.auto_filter.ref = f"A{hr}:{get_column_letter(ncol)}{max(first, first + len(items) - 1)}"
    print_setup(ws, f"{hr}:{hr}", None)
    protect(ws, allow_rows=True)


def _iso_date(value: str):
    """An ISO date of the canonical document as a date cell; anything else stays as written."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value
