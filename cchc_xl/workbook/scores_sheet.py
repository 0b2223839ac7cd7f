"""Điểm bị trừ: the areas' scores (blank ones computed from the deductions) and the deductions table, with
their live checks (bounds, duplicates, a deduction without a remediation row)."""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cchc_xl import spec
from cchc_xl.check import areas, formula, number_sheet, presence, register, relations
from cchc_xl.check.kind import Field
from cchc_xl.sheets.measure import fit_row
from cchc_xl.spec import FROM_APPRAISAL
from cchc_xl.workbook import input_rows
from cchc_xl.workbook.kit import (
    Layout,
    dv_list,
    input_columns,
    input_hint,
    set_text,
    sheet_from_spec,
    stamp_input,
    write_header,
)
from cchc_xl.workbook.remediation_sheet import column_range
from cchc_xl.workbook.style import (BORDER, LOCKED_FILL, UNLOCKED, WRAP_TOP, font, mark_red, mark_red_errors,
                                    mark_yellow, print_setup, protect)

FROM_APPRAISAL_NOTE = "Theo sổ thẩm định (Đoàn thẩm định công bố)"


def _score_condition(r: int, p: str = "") -> str:
    """The score in E is no number, negative, or over the criteria set's maximum (else the one in D);
    ``p``: the sheet prefix, from the check sheet."""
    limit = relations.score_limit(f"{p}$D{r}", f"{p}$B{r}")
    return register.condition("score", f"{p}$E{r}", Field("score", low="0", high=limit))


def write(wb, report: dict | None, cat: spec.Catalog, lay: Layout, source: str | None = None):
    ncol = len(spec.sheets()["sheets"]["scores"]["deduction_columns"])
    cfg, ws = sheet_from_spec(wb, "scores", ncol)
    c = ws.cell(row=cfg["areas_header_row"] - 1, column=1, value=cfg["areas_caption"])
    c.font = font(12, bold=True)
    hr = cfg["areas_header_row"]
    write_header(ws, hr, cfg["area_columns"])
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
    score_whole = register.bounds("score").whole
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
            set_text(cell, v)
            _stamp_area(cell, col)
        if not marked:
            ws.cell(row=r, column=6).value = computed
        fit_row(ws, r, 11, max_col=ncol)
        r += 1
    first_area, last_area = hr + 1, r - 1

    def area_cond(p: str, r: int) -> str:
        # blank where the report lists deductions of the area: computed from them (checks.areas), a warning
        return _score_condition(r, p)

    mark_red(ws, f"E{first_area}:E{last_area}", area_cond("", first_area))
    mark_yellow(ws, f"E{first_area}:E{last_area}", register.warning("score", f"$E{first_area}"))
    mark_yellow(ws, f"E{first_area}:E{last_area}",
            areas.computed_condition(f"$B{first_area}", f"$D{first_area}", f"$E{first_area}", ded_codes,
                                     [f"$D{x}" for x in range(first, last + 1)],
                                     [f"$E{x}" for x in range(first, last + 1)]))
    mark_yellow(ws, f"D{first_area}:D{last_area}",
                register.kind("max_score").condition(f"$D{first_area}", f"$B{first_area}"))
    fl = lay.checks.column(cfg["title"] + ": lĩnh vực")
    for r in range(first_area, last_area + 1):
        lay.checks.put(fl, r, formula.flag(area_cond(q, r)))
    dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True)
    dv.error = "Điểm đạt phải là số từ 0 đến điểm tối đa của lĩnh vực."
    dv.errorTitle = "Điểm không hợp lệ"
    input_hint(dv, "Điểm đạt", cfg["area_columns"][4]["hint"])
    dv.add(f"E{first_area}:E{last_area}")
    ws.add_data_validation(dv)
    lay.error_flags.append((f"{cfg['title']}: điểm lĩnh vực không phải số hoặc ngoài khoảng cho phép",
                            lay.checks.total(fl, first_area, last_area)))

    # deductions: the rows of the report and nothing below them
    ws.cell(row=dhr - 1, column=1, value=cfg["deductions_caption"]).font = font(12, bold=True)
    write_header(ws, dhr, cfg["deduction_columns"])
    keys = [col["key"] for col in cfg["deduction_columns"]]
    input_columns(ws, keys, {"max_score": "score", "score": "score"})
    for i, d in enumerate(deds, start=first):
        values = [f"=IF(COUNTA(B{i}:F{i})=0,\"\",ROW()-{first - 1})"] + [d.get(key) for key in keys[1:]]
        for col, v in enumerate(values, start=1):
            cell = ws.cell(row=i, column=col)
            set_text(cell, v) if col > 1 else setattr(cell, "value", v)
            stamp_input(cell, locked=col == 1, number_format="0.###" if col in (4, 5) else None)
        fit_row(ws, i, 11, max_col=ncol)
    rem_codes = column_range(report, "code")
    carried = f"COUNTA({column_range(report, 'carried_from')})>0"

    def row_conds(p: str, i: int) -> dict[str, str]:
        started = formula.started(f"{p}$B{i}", f"$F{i}")
        return {
            "B": presence.error_condition(f"{p}$B{i}", started),
            "E": _score_condition(i, p),  # a blank score is a warning (sheets.json "required": "warning")
            "D": register.condition("score", f"{p}$D{i}", Field("score", low="0")),
        }

    def dup(p: str, i: int) -> str:  # the same criterion listed again (issue duplicate_deduction): later rows count
        return register.kind("unique").condition(f"{p}$B{i}", f"{p}$B${first}", f"$B{i - 1}")

    def uncovered(p: str, i: int) -> str:  # a criterion without a remediation row (uncovered_deduction)
        return register.kind("coverage").condition(f"{p}$B{i}", rem_codes)

    for col, cond in row_conds("", first).items():
        mark_red(ws, f"{col}{first}:{col}{last}", cond)
    # only a warning in a carried-over workbook. An error value in B is counted by the row's own check.
    mark_red(ws, f"B{first}:B{last}", f"AND({uncovered('', first)},NOT({carried}))")
    if last > first:
        mark_red(ws, f"B{first + 1}:B{last}", dup("", first + 1))
    mark_yellow(ws, f"B{first}:B{last}", f"AND({uncovered('', first)},{carried})")
    for col in "DE":
        mark_yellow(ws, f"{col}{first}:{col}{last}", register.warning("score", f"${col}{first}"))
    mark_yellow(ws, f"D{first}:D{last}", register.kind("max_score").condition(f"$D{first}", f"$B{first}"))
    mark_yellow(ws, f"E{first}:E{last}", presence.error_condition(f"$E{first}", f"$B{first}<>\"\""))
    for x in "CF":
        mark_red_errors(ws, f"{x}{first}:{x}{last}")
    input_rows.row_rules(ws, f"A{first}:{get_column_letter(ncol)}{last}")
    fl = lay.checks.column(cfg["title"] + ": tiêu chí bị trừ điểm")
    dl = lay.checks.column(cfg["title"] + ": trùng mã")
    cl = lay.checks.column(cfg["title"] + ": chưa có dòng khắc phục")
    for i in range(first, last + 1):
        # name and reason: only an Excel error value is wrong there
        lay.checks.put(fl, i, "+".join([formula.flag(x) for x in row_conds(q, i).values()] +
                                       [f"IF(ISERROR({q}${x}{i}),1,0)" for x in "CF"]))
        if i > first:
            lay.checks.put(dl, i, formula.flag_or_zero(dup(q, i)))
        lay.checks.put(cl, i, formula.flag_or_zero(f"AND({uncovered(q, i)},NOT({carried}))"))
    dv_list(ws, "ds_ma_tieu_chi", f"B{first}:B{last}", "Mã tiêu chí",
            cfg["deduction_columns"][1]["hint"], strict=False)
    for col_key, letter in (("max_score", "D"), ("score", "E")):
        col = next(c for c in cfg["deduction_columns"] if c["key"] == col_key)
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True)
        dv.errorTitle = "Điểm không hợp lệ"
        dv.error = "Điểm phải là số không âm, không lớn hơn điểm tối đa của tiêu chí."
        input_hint(dv, col["title"], col.get("hint"))
        dv.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(dv)
    lay.error_flags.append((f"{cfg['title']}: tiêu chí bị trừ điểm thiếu mã, thiếu điểm hoặc điểm ngoài khoảng",
                            lay.checks.total(fl, first, last)))
    lay.error_flags.append((f"{cfg['title']}: một tiêu chí bị liệt kê trừ điểm hai lần",
                            lay.checks.total(dl, first, last)))
    lay.error_flags.append((f"{cfg['title']}: tiêu chí bị trừ điểm chưa có dòng khắc phục",
                            lay.checks.total(cl, first, last)))
    ws.freeze_panes = f"A{hr + 1}"
    print_setup(ws, f"{dhr}:{dhr}", None)
    protect(ws, allow_rows=True)


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
