"""Thống kê and Tuyên truyền: the indicator tables, one row per catalog indicator (and one per code
of the report the catalog does not know), a value and a note to type, each checked by its kind."""

from __future__ import annotations

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cchc_xl.check import formula, number_sheet, numbers, register
from cchc_xl.check.kind import Field
from cchc_xl.sheets.measure import fit_known
from cchc_xl.workbook import input_rows
from cchc_xl.workbook.kit import Layout, cell_ref, input_hint, msg, set_text, table_sheet
from cchc_xl.workbook.lists_sheet import choice_name
from cchc_xl.workbook.style import (BORDER, GROUP_FILL, LOCKED_FILL, UNLOCKED, font, mark_red, mark_red_errors,
                                    mark_yellow, print_setup, protect)


def _value_condition(ref: str, row: dict) -> str | None:
    """The check of one value cell (None when nothing but an Excel error value can be wrong)."""
    kind = row.get("kind")  # the kinds schemas/checks.json gives the type (text: none)
    return register.condition(kind, ref, Field(kind, list_name=choice_name(row["code"]),
                                               choices=row.get("choices") or []))


def _reads_number(row: dict) -> bool | None:
    """Whether the check of an indicator's value cell reads its number on ``_so`` as a whole number
    (True), as a decimal (False), or not at all (None)."""
    kind = row.get("kind")
    if row.get("group") or row.get("unknown"):
        return None
    if register.is_numeric(kind):
        return register.bounds(kind).whole
    if register.coded(kind) and row.get("choices"):  # its code typed as a number (checks.choices)
        return register.bounds("number").whole
    return None


def unit_text(row: dict) -> str | None:
    """The unit cell of an indicator; for coded choices the codes the catalog defines
    ("Chưa thực hiện = 0 Đã thực hiện = 1"), whatever a catalog's unit text says."""
    if register.coded(row.get("kind")) and row.get("choices"):
        return " ".join(f"{c['label']} = {c['value']}" for c in row["choices"])
    return row.get("unit")


def write(wb, which: str, rows: list[dict], values: dict, lay: Layout, record: bool):
    cfg, ws, cols, hr = table_sheet(wb, which)
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
        if register.coded(row.get("kind")) and isinstance(value, int):
            value = next((c["label"] for c in row["choices"] if c["value"] == value), value)
        cells = [code, name, unit_text(row), value, v.get("note")]
        for col, val in enumerate(cells, start=1):
            cell = ws.cell(row=r, column=col)
            set_text(cell, val)
            _stamp_value(cell, col, group, level, register.unit(row.get("kind")) == "%" and col == 4)
        if record and not group:
            lay.value_cells[code] = cell_ref(ws, "D", r)
        if not group:
            kind = row.get("kind")
            dv = None
            if register.has(kind, "allowed"):
                dv = DataValidation(type="list", formula1=choice_name(code), allow_blank=True)
                dv.error = msg("choose_from_list")
                hint = "Chọn: " + "; ".join(f"{c['label']}" for c in row["choices"])
                title = f"Chỉ tiêu {code}"
            elif kind in dvs:  # one validation per kind of number, over all its cells
                dvs[kind].add(f"D{r}")
            elif register.is_numeric(kind):
                low, high, whole = register.bounds(kind)
                dv = DataValidation(type="whole" if whole else "decimal", operator="between",
                                    formula1=numbers.formula_bound(low if low is not None else -1e9),
                                    formula2=numbers.formula_bound(high if high is not None else 1000000000),
                                    allow_blank=True)
                dv.error = hint = msg("kind_hints")[kind]
                dvs[kind] = dv
                title = "Số liệu"
            if dv is not None:
                dv.errorTitle = "Số liệu không hợp lệ"
                dv.showErrorMessage = True
                input_hint(dv, title, hint)
                dv.add(f"D{r}")
                ws.add_data_validation(dv)
            cond = _value_condition(f"{q}$D{r}", row)
            if cond:
                key = (row.get("kind"), code if register.has(row.get("kind"), "allowed") else None)
                by_key[key] = row
                red.setdefault(key, []).append(r)
                term = formula.flag(cond)
                if register.warns(row.get("kind")):
                    warn.setdefault(key, []).append(r)
            else:
                term = f"IF(ISERROR({q}$D{r}),1,0)"
            lay.checks.put(fl, r, f"{term}+IF(ISERROR({q}$E{r}),1,0)")  # and the note
        fit_known(ws, r, (tuple(map(str, cells)), group, level), ncol)
        r += 1
    last = r - 1
    for rules, paint, check in ((red, mark_red, _value_condition),  # one range per run of consecutive rows
                                (warn, mark_yellow, lambda ref, row: register.warning(row["kind"], ref))):
        for key, at in rules.items():
            for top, bottom in input_rows.runs(at):
                paint(ws, f"D{top}:D{bottom}", check(f"$D{top}", by_key[key]))
    mark_red_errors(ws, f"D{first}:E{last}")
    lay.error_flags.append((f"{cfg['title']}: số liệu sai kiểu hoặc ngoài khoảng", lay.checks.total(fl, first, last)))
    ws.freeze_panes = f"A{first}"
    print_setup(ws, f"{hr}:{hr}", get_column_letter(ncol))
    protect(ws)


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
