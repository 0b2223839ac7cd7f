"""Rows people type print (issue 22, item 1): the input sheets hold only what is typed and carry
no print area, so Excel (which prints the used range) and LibreOffice print exactly the filled
rows — blank, pre-filled, with and without macros, every level, and the annotated copy."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cchc_xl import spec

SHEETS = spec.sheets()["sheets"]
REM, SCORES = SHEETS["remediation"], SHEETS["scores"]
N_DED, N_REM = 10, 40


def _deduction_header(ws) -> int:
    title = SCORES["deduction_columns"][1]["title"]
    return max(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=2).value == title)


def _last_filled(ws, first: int) -> int:
    return max([first - 1] + [r for r in range(first, ws.max_row + 1)
                              if any(ws.cell(row=r, column=c).value not in (None, "") for c in range(2, 7))])


def type_rows(path: Path, level: str) -> tuple[list[str], int, int]:
    """Type 10 deductions and 40 remediation rows below what the workbook holds (as openpyxl
    writes, without styles); returns the typed markers and the last typed row of each sheet."""
    keep_vba = path.suffix == ".xlsm"
    wb = load_workbook(path, keep_vba=keep_vba)
    crit = spec.catalog(level, 2023).criteria
    codes = [c["code"] for c in crit["criteria"]] or [f"{a['code']}.{k}" for a in crit["areas"] for k in (1, 2)]
    ws = wb[SCORES["title"]]
    hr = _deduction_header(ws)
    start = _last_filled(ws, hr + 1) + 1
    markers = []
    for k in range(N_DED):
        r = start + k
        ws[f"B{r}"], ws[f"D{r}"], ws[f"E{r}"] = codes[k % len(codes)], 1, 0.5
        ws[f"F{r}"] = f"LYDO{k:02d}X"
        markers.append(f"LYDO{k:02d}X")
    last_ded = start + N_DED - 1
    ws = wb[REM["title"]]
    first = REM["header_row"] + 1
    start = _last_filled(ws, first) + 1
    label = spec.label_of("statuses", "dang_thuc_hien")
    for k in range(N_REM):
        r = start + k
        ws[f"B{r}"], ws[f"C{r}"], ws[f"D{r}"] = codes[k % min(N_DED, len(codes))], f"TONTAI{k:02d}X", "Giải pháp"
        ws[f"E{r}"], ws[f"F{r}"] = "Quý IV", label
        markers.append(f"TONTAI{k:02d}X")
    wb.save(path)
    return markers, last_ded, start + N_REM - 1


def sheet_xml(path: Path, title: str) -> str:
    """The worksheet XML of the sheet titled ``title``."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="([^"]+)"', book).group(1)
        target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
            re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
        return z.read("xl/" + target.group(1).lstrip("/").removeprefix("xl/")).decode()


def defined_names(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/workbook.xml").decode()


def assert_nothing_below(path: Path, last_ded: int, last_rem: int) -> None:
    """No cell or row record below the last typed row; no print area on the input sheets."""
    for title, last in ((SCORES["title"], last_ded), (REM["title"], last_rem)):
        xml = sheet_xml(path, title)
        rows = [int(r) for r in re.findall(r'<row [^>]*r="(\d+)"', xml)]
        assert max(rows) == last, f"{title}: bản ghi dòng {max(rows)} dưới dòng gõ cuối {last}"
        areas = re.findall(r'<definedName name="_xlnm.Print_Area"[^>]*>([^<]*)<', defined_names(path))
        assert not [a for a in areas if title in a], f"{title}: vùng in cố định {areas}"


def _write(tmp_path: Path, level: str, macros: bool, report: dict | None) -> Path:
    from cchc_xl.workbook.macros import write_macro_template
    from cchc_xl.workbook.template import write_template

    out = tmp_path / f"{level}_{'m' if macros else 'x'}_{'f' if report else 'b'}.xls{'m' if macros else 'x'}"
    if macros:
        write_macro_template(out, level=level, report=report)
    else:
        write_template(out, level=level, report=report)
    return out


@pytest.mark.parametrize("macros", [False, True])
@pytest.mark.parametrize("level", ["so", "huyen", "xa"])
def test_blank_workbook_holds_no_record_below_typed_rows(tmp_path, level, macros):
    path = _write(tmp_path, level, macros, None)
    xml = sheet_xml(path, REM["title"])
    assert max(int(r) for r in re.findall(r'<row [^>]*r="(\d+)"', xml)) == REM["header_row"], \
        "the blank remediation sheet holds rows below its header"
    _, last_ded, last_rem = type_rows(path, level)
    assert_nothing_below(path, last_ded, last_rem)


@pytest.mark.parametrize("macros", [False, True])
def test_filled_workbook_holds_no_record_below_typed_rows(tmp_path, stc, huong_khe, macros):
    for report in (stc, huong_khe):
        level = report["agency"]["level"]
        path = _write(tmp_path, level, macros, report)
        _, last_ded, last_rem = type_rows(path, level)
        assert_nothing_below(path, last_ded, last_rem)


def pdf_pages(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(str(pdf)).pages]


def assert_prints(pdf: Path, markers: list[str]) -> None:
    pages = pdf_pages(pdf)
    text = "\n".join(pages)
    missing = [m for m in markers if m not in text]
    assert not missing, f"{len(missing)} dòng gõ thêm không được in: {missing[:5]}"
    for n, page in enumerate(pages, start=1):  # no page holding nothing but its page number
        body = re.sub(r"Trang\s*\d+\s*/\s*\d+", "", page).strip()
        assert body, f"trang {n} trống"


def test_typed_rows_print_in_libreoffice_blank_and_filled(tmp_path, stc, soffice):
    blank = _write(tmp_path, "so", False, None)
    markers, *_ = type_rows(blank, "so")
    assert_prints(soffice(blank, "pdf"), markers)
    filled = _write(tmp_path, "so", True, stc)
    markers, *_ = type_rows(filled, "so")
    assert_prints(soffice(filled, "pdf"), markers + [it["code"] for it in stc["deductions"][:1]])


def test_annotated_copy_prints_rows_typed_and_has_no_print_area(tmp_path, stc, soffice):
    from cchc_xl.check.validate import validate_file
    from cchc_xl.workbook.annotate import annotate_file

    path = _write(tmp_path, "so", False, stc)
    markers, last_ded, last_rem = type_rows(path, "so")
    out = annotate_file(path, validate_file(path).issues, tmp_path / "danh_dau.xlsx")
    assert_nothing_below(out, last_ded, last_rem)
    wb = load_workbook(out)
    typed = wb[REM["title"]][f"C{last_rem}"]
    assert typed.alignment.wrap_text and typed.border.left.style == "thin"  # looks like the table's rows
    assert_prints(soffice(out, "pdf"), markers)


def _page_number_room(wb) -> dict[str, float]:
    """Sheet → inches between the footer line and the bottom margin's top (the page number's room)."""
    return {ws.title: ws.page_margins.bottom - ws.page_margins.footer for ws in wb.worksheets
            if ws.sheet_state == "visible" and ws.oddFooter.center.text}


def test_page_numbers_lie_whole_inside_the_bottom_margin(tmp_path, stc):
    """LibreOffice cuts a footer that does not fit between its distance from the edge and the
    bottom margin (0.5" inside 0.6" printed half a page number): every printed sheet, the
    annotated copy of a workbook written before, and the consolidated tables leave it room."""
    from cchc_xl.check.validate import validate_file
    from cchc_xl.sheets.style import FORM_MARGINS, HEADER_FOOTER_DISTANCE, TABLE_MARGINS
    from cchc_xl.workbook.annotate import annotate_file

    path = _write(tmp_path, "so", False, stc)
    room = _page_number_room(load_workbook(path))
    assert len(room) >= 7 and min(room.values()) >= 0.4, room
    old = tmp_path / "cu.xlsx"  # as written before: footer 0.5" inside a 0.6" margin
    wb = load_workbook(path)
    for ws in wb.worksheets:
        ws.page_margins.bottom, ws.page_margins.footer = 0.6, 0.5
    wb.save(old)
    out = annotate_file(old, validate_file(old).issues, tmp_path / "cu_danh_dau.xlsx")
    assert min(_page_number_room(load_workbook(out)).values()) >= 0.4
    for margins in (FORM_MARGINS, TABLE_MARGINS):
        assert margins[3] - HEADER_FOOTER_DISTANCE >= 0.4


def test_rows_typed_at_the_end_of_the_input_range_are_counted_live(tmp_path, stc, soffice):
    """The live status counts what ``validate`` finds in rows typed at the very end of both input
    ranges (the checks read them from the hidden sheet ``_kiem_tra``), in LibreOffice."""
    from cchc_xl.check.validate import validate_file
    from cchc_xl.workbook.remediation_sheet import table_rows

    path = _write(tmp_path, "so", False, stc)
    wb = load_workbook(path)
    last_rem = table_rows(stc)[1]
    rem = wb[REM["title"]]
    rem[f"B{last_rem}"], rem[f"C{last_rem}"] = stc["deductions"][0]["code"], "Tồn tại gõ ở dòng cuối"  # no solution, no status
    sc = wb[SCORES["title"]]
    last_ded = _deduction_header(sc) + max(len(stc["deductions"]) + 40, 80)
    sc[f"B{last_ded}"], sc[f"F{last_ded}"] = stc["deductions"][0]["code"], "Trừ lại lần nữa, thiếu điểm"
    sc[f"D{last_ded}"] = "1,2,3"  # no number: read on the hidden sheet _so, whose block covers the whole range
    wb.save(path)
    issues = validate_file(path).issues
    errors = [i for i in issues if i.severity == "error"]
    # a missing solution and a missing deduction score are warnings (the real reports leave them out)
    assert {(i.code, i.cell) for i in errors} >= {("duplicate_deduction", f"B{last_ded}"),
                                                 ("invalid_type", f"D{last_ded}"),
                                                 ("required", f"F{last_rem}")}, errors
    assert {i.cell for i in issues if i.severity == "warning"} >= {f"E{last_ded}", f"D{last_rem}"}, issues
    ws = load_workbook(soffice(path, "xlsx"), data_only=True)[SHEETS["checks"]["title"]]
    assert ws[SHEETS["checks"]["status_cell"]].value == f"Còn {len(errors)} lỗi", [e.code for e in errors]
