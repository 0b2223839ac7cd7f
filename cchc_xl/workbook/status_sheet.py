"""The status sheet of the agency workbook ("Tình trạng"): every check a formula can express,
counted — the same checks, from the same declarations, that ``validate`` runs — the live
"Còn N lỗi" / "Hợp lệ" cell, and the list of what only the full check sees."""

from __future__ import annotations

from openpyxl.formatting.rule import FormulaRule
from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

from cchc_xl import spec
from cchc_xl.check import codes, formula, register


def _rule_description(message: str) -> str:
    """A rule's message without its numbers: "… (1.1.2: {left}) …" → "… (1.1.2) …"."""
    import re

    text = re.sub(r"\s*(?::|=)\s*\{(left|right)\}", "", message)
    text = re.sub(r"\s*\{(left|right)\}", "", text)
    return re.sub(r"\s+", " ", text).strip()


def full_check_lines() -> list[str]:
    """What only the full check sees (``full_check_only`` of schemas/checks.json), in the
    words of schemas/issues.json: the list closing the status sheet."""
    from cchc_xl.check import declarations

    issues = spec.load("issues")
    return [FULL_CHECK_HEADING] + [f"– {issues[code]['description']}" for code in declarations()["full_check_only"]]


FULL_CHECK_HEADING = "Kiểm tra đầy đủ còn xem thêm:"
UNDECIDED = "Cần bấm Kiểm tra"  # the status when a formula cannot decide: never "Hợp lệ" then


def red_first(wb) -> None:
    """Red before yellow: an error's colour wins over a warning's on the same cell."""
    from cchc_xl.workbook.style import RED_FILL

    for ws in wb.worksheets:
        rules = [rule for cf in ws.conditional_formatting for rule in cf.rules]
        red = [r for r in rules if r.dxf is not None and r.dxf.fill is not None
               and (r.dxf.fill.fgColor.rgb or "").endswith(RED_FILL.fgColor.rgb[-6:])]
        rest = [r for r in rules if not any(r is x for x in red)]
        for i, rule in enumerate(red + rest, start=1):
            rule.priority = i


def write(wb, cat: spec.Catalog, lay) -> None:
    """The status sheet: one row per counted check, the live “Còn N lỗi” / “Hợp lệ” cell, and the
    list of what only the full check sees."""
    from cchc_xl.sheets.measure import fit_row
    from cchc_xl.workbook.style import (
        BORDER,
        HEADER_FILL,
        OK_FILL,
        RED_FILL,
        RED_FONT,
        UNLOCKED,
        WRAP_TOP,
        font,
        mark_red,
        mark_red_when_sure,
        mark_yellow,
        print_setup,
        protect,
    )

    cfg = spec.sheets()["sheets"]["checks"]
    ws = wb.create_sheet(cfg["title"], 1)
    ws.column_dimensions["A"].width = 90
    ws.column_dimensions["B"].width = 16
    ws.cell(row=1, column=1, value=cfg["heading"]).font = font(14, bold=True)
    ws.cell(row=3, column=1, value="Kết quả kiểm tra nhanh:").font = font(13, bold=True)
    ws.cell(row=4, column=1, value=cfg["full_check_label"]).font = font(11, italic=True)
    last_check = ws.cell(row=4, column=2)
    last_check.protection = UNLOCKED
    last_check.alignment = WRAP_TOP
    last_check.font = font(11)
    wb.defined_names["ket_qua_kiem_tra"] = DefinedName(
        "ket_qua_kiem_tra", attr_text=f"{quote_sheetname(ws.title)}!$B$4")
    first = 6
    ws.cell(row=5, column=1, value="Nội dung kiểm tra").font = font(11, bold=True)
    ws.cell(row=5, column=2, value="Số lỗi").font = font(11, bold=True)
    for col in (1, 2):
        ws.cell(row=5, column=col).fill = HEADER_FILL
        ws.cell(row=5, column=col).border = BORDER
    flags = list(lay.error_flags)
    kinds = {code: row.get("kind", "number") for code, row in cat.indicator_by_code.items()}
    for rule in cat.rules["rules"]:
        cells = [*rule["left"], *rule["right"]]
        if not all(c in lay.value_cells for c in cells):
            continue
        cond = register.kind("relation").condition(rule, lay.value_cells, kinds)
        # the cell validate points at: the rule's first left-hand value
        sheet_name, addr = lay.value_cells[rule["left"][0]].rsplit("!", 1)
        target = wb[sheet_name.strip("'").replace("''", "'")]
        if rule.get("severity", "error") != "error":
            mark_yellow(target, addr.replace("$", ""), cond)
            continue
        mark_red_when_sure(target, addr.replace("$", ""), cond)
        flags.append((f"Thống kê: {_rule_description(rule['message'])}", formula.flag_or_zero(cond)))
    undecided = []
    for which in ("indicators", "propaganda"):  # rows whose data the reader cannot use (checks.codes)
        vcfg = spec.sheets()["sheets"][which]
        if vcfg["title"] not in wb.sheetnames:
            continue
        vws = wb[vcfg["title"]]
        v_first, v_last = vcfg["header_row"] + 1, vws.max_row + codes.EXTRA_ROWS
        missing, dup, far = codes.counts(vws.title, v_first, v_last)
        codes.paint(vws, v_first, v_last, mark_red)
        flags.append((f"{vcfg['title']}: dòng có số liệu hoặc ghi chú nhưng chưa ghi mã", f"IFERROR({missing},1)"))
        flags.append((f"{vcfg['title']}: một mã có số liệu ở hai dòng", f"IFERROR({dup},1)"))
        undecided.append(far)
    r = first
    for desc, text in flags:
        ws.cell(row=r, column=1, value=desc).alignment = WRAP_TOP
        if not text.startswith("IFERROR("):
            text = f"IFERROR({text},1)"  # never an Excel error on this sheet
        ws.cell(row=r, column=2, value=f"={text}")
        for col in (1, 2):
            ws.cell(row=r, column=col).border = BORDER
            ws.cell(row=r, column=col).font = font(11)
        fit_row(ws, r, 11)
        r += 1
    last = r - 1
    total = f"SUM(B{first}:B{last})"
    status = ws[cfg["status_cell"]]
    # data far below a table (read by the full check, too costly for a formula): no verdict here
    far = "+".join(undecided) or "0"
    status.value = f"=IF(IFERROR({far},1)>0,\"{UNDECIDED}\",IF({total}=0,\"Hợp lệ\",\"Còn \"&{total}&\" lỗi\"))"
    status.font = font(14, bold=True)
    ws.conditional_formatting.add(cfg["status_cell"], FormulaRule(formula=[f"{total}>0"], fill=RED_FILL, font=RED_FONT))
    ws.conditional_formatting.add(cfg["status_cell"], FormulaRule(formula=[f"AND({total}=0,{far}=0)"], fill=OK_FILL))
    note = ws.cell(row=r + 1, column=1, value="Kiểm tra nhanh chỉ gồm những điều công thức Excel diễn đạt được; ô sai "
                                              "tô đỏ (lỗi, được đếm), ô cần xem lại tô vàng (cảnh báo, không đếm). Nút "
                                              "“Kiểm tra” (hoặc lệnh cchc-xl validate) kiểm tra đầy đủ và chỉ rõ từng ô "
                                              "cần sửa.")
    note.font = font(10, italic=True)
    note.alignment = WRAP_TOP  # within the printed page's width
    fit_row(ws, r + 1, 10)
    r += 2
    for line in full_check_lines():
        c = ws.cell(row=r, column=1, value=line)
        c.font = font(10, italic=True, bold=line.endswith(":"))
        c.alignment = WRAP_TOP
        r += 1
    wb.defined_names["tinh_trang_kiem_tra"] = DefinedName(
        "tinh_trang_kiem_tra", attr_text=f"{quote_sheetname(ws.title)}!${cfg['status_cell'][0]}${cfg['status_cell'][1:]}")
    print_setup(ws, "5:5", "B")
    protect(ws)
