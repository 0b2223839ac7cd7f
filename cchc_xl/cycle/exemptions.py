"""Criteria that do not apply to an agency ("không áp dụng"), in the appraisal workbook.

Some criteria do not apply to some agencies (an agency without administrative procedures skips
area 3): the appraisal team records them on the sheet "Không áp dụng", one row per agency and
code. Only codes the criteria set marks ``may_not_apply`` are accepted. The agency's maximum then
leaves them out (``spec.Catalog.applicable_max``): its score is read as points over the maximum of
the criteria that apply, which is how the official index is computed, and how the consolidation
ranks.
"""

from __future__ import annotations

from openpyxl.formatting.rule import FormulaRule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cchc_xl.sheets.measure import fit_row
from cchc_xl.workbook.kit import input_hint, set_text
from cchc_xl.workbook.style import RED_FILL, RED_FONT, print_setup, protect


def exemption_sheet(wb, rows: list[dict] | None, style_row, table) -> None:
    """The sheet (``table``: what ``appraisal.open_table`` gives), with the same live help as the
    score sheets: agency dropdown, level and name looked up, red when the agency is unknown, the
    code is not in the agency's set or may not be exempted, or the row is given twice."""
    ws, cols, L, hr, first, last = table
    ncol = len(cols)
    ws.row_dimensions[2].height = 44
    ws.row_dimensions[hr].height = 32
    formula_keys = {c["key"] for c in cols if c.get("type") == "formula"}
    ag, lv, code, name = L["agency"], L["level"], L["code"], L["name"]
    rows = rows or []
    key = lambda r, kind: f"${lv}{r}&\"|{kind}|\"&${code}{r}"  # noqa: E731
    for r in range(first, last + 1):
        style_row(ws, r, cols, formula_keys, like=first)
        ws[f"{L['stt']}{r}"] = f"=IF(COUNTA(${ag}{r},${code}{r},${L['note']}{r})=0,\"\",ROW()-{first - 1})"
        ws[f"{lv}{r}"] = f"=IF(${ag}{r}=\"\",\"\",IFERROR(VLOOKUP(${ag}{r},bang_co_quan,3,FALSE)&\"\",\"\"))"
        ws[f"{name}{r}"] = (f"=IF(OR(${lv}{r}=\"\",${code}{r}=\"\"),\"\",IFERROR(INDEX(tc_ten,MATCH({key(r, 'lv')},"
                            f"tc_khoa,0))&\"\",IFERROR(INDEX(tc_ten,MATCH({key(r, 'tc')},tc_khoa,0))&\"\",\"\")))")
        k = r - first
        if k < len(rows):
            for kk in ("agency", "code", "note"):
                set_text(ws[f"{L[kk]}{r}"], rows[k].get(kk))
            fit_row(ws, r, 11, max_col=ncol)
    f = first
    allowed = (f"IFERROR(INDEX(tc_khong_ap_dung,MATCH({key(f, 'lv')},tc_khoa,0)),"
               f"IFERROR(INDEX(tc_khong_ap_dung,MATCH({key(f, 'tc')},tc_khoa,0)),-1))")
    rng = lambda k: f"{L[k]}{first}:{L[k]}{last}"  # noqa: E731
    agency_bad = (f"OR(AND(${ag}{f}=\"\",COUNTA(${code}{f},${L['note']}{f})>0),"
                  f"AND(${ag}{f}<>\"\",COUNTIF(ds_co_quan,${ag}{f})=0))")
    code_bad = (f"OR(AND(${code}{f}=\"\",${ag}{f}<>\"\"),AND(${code}{f}<>\"\",${lv}{f}<>\"\",{allowed}<>1),"
                f"AND(${code}{f}<>\"\",COUNTIFS(${ag}${first}:${ag}${last},${ag}{f},"
                f"${code}${first}:${code}${last},${code}{f})>1))")
    ws.conditional_formatting.add(rng("agency"), FormulaRule(formula=[agency_bad], fill=RED_FILL, font=RED_FONT))
    ws.conditional_formatting.add(rng("code"), FormulaRule(formula=[code_bad], fill=RED_FILL, font=RED_FONT))
    col = {c["key"]: c for c in cols}
    for k, dv, title, error in (
            ("agency", DataValidation(type="list", formula1="ds_co_quan", allow_blank=True),
             "Cơ quan không có trong danh sách", "Hãy chọn cơ quan trong danh sách (trang Cơ quan)."),
            ("code", DataValidation(type="textLength", operator="between", formula1="1", formula2="20",
                                    allow_blank=True), "Mã không hợp lệ", "Mã dài tối đa 20 ký tự, ví dụ 3 hoặc 5.2."),
            ("note", DataValidation(type="textLength", operator="lessThanOrEqual", formula1="2000", allow_blank=True),
             "Nội dung quá dài", "Lý do dài tối đa 2.000 ký tự.")):
        dv.errorTitle, dv.error, dv.showErrorMessage = title, error, True
        input_hint(dv, col[k]["title"], col[k].get("hint"))
        dv.add(rng(k))
        ws.add_data_validation(dv)
    ws.freeze_panes = f"C{first}"
    print_setup(ws, f"{hr}:{hr}", get_column_letter(ncol))
    ws.print_area = f"A1:{get_column_letter(ncol)}{first + max(len(rows), 1) - 1}"
    protect(ws, allow_rows=True)
