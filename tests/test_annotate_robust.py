"""validate --annotate on the inputs people really send: merged cells, .ods and .xls, .xlsm."""

from __future__ import annotations

import hashlib
import zipfile

from openpyxl import load_workbook

from cchc_xl.cli import main
from cchc_xl.workbook.annotate import ERROR_COLOR, WARNING_COLOR

RESULTS = "Kết quả kiểm tra"


def _results_rows(wb) -> list[list]:
    return [[c.value for c in row] for row in wb[RESULTS].iter_rows(min_row=5) if row[0].value is not None]


def test_an_issue_on_a_merged_cell_marks_the_merged_range(stc, make_workbook, tmp_path, capsys):
    path = make_workbook(stc)
    wb = load_workbook(path)
    ws = wb["Khắc phục"]
    ws["B13"], ws["C13"], ws["F13"] = "1.1", "Tồn tại thứ nhất", "Tốt"
    ws["B14"], ws["C14"] = "1.1", "Tồn tại thứ hai"
    ws.merge_cells("F13:F14")  # one Tình trạng typed for both rows: F14 is the lower half of the merge
    wb.save(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    out = tmp_path / "danh_dau.xlsx"

    assert main(["validate", str(path), "--annotate", str(out)]) == 1
    captured = capsys.readouterr()
    assert "[Lỗi] F14: " in captured.out  # "Tốt" read into F14 too, or F14 read as empty: either way an error
    assert "Đã ghi bản đánh dấu lỗi" in captured.out
    assert "Traceback" not in captured.err and hashlib.sha256(path.read_bytes()).hexdigest() == digest

    marked = load_workbook(out)
    anchor = marked["Khắc phục"]["F13"]
    assert anchor.fill.fgColor.rgb.endswith(ERROR_COLOR)
    assert "Lỗi: Tình trạng: “Tốt”" in anchor.comment.text
    assert "Lỗi (ô F14): " in anchor.comment.text
    links = [r[3] for r in _results_rows(marked) if r[2] == "Khắc phục"]
    assert "=HYPERLINK(\"#'Khắc phục'!F14\",\"F14\")" in links


def _converted_input_is_annotated(stc, make_workbook, soffice, tmp_path, capsys, fmt):
    src = soffice(make_workbook(stc, name="So_Tai_chinh.xlsx"), fmt)
    assert main(["validate", str(src)]) == 0  # seed 004 has warnings only
    plain = capsys.readouterr().out
    out = tmp_path / f"danh_dau_{fmt}.xlsx"

    assert main(["validate", str(src), "--annotate", str(out)]) == 0  # same exit code as without --annotate
    captured = capsys.readouterr()
    assert captured.out.startswith(plain) and f"Đã ghi bản đánh dấu lỗi: {out}" in captured.out
    assert captured.err == ""

    marked = load_workbook(out)
    assert marked.sheetnames[0] == RESULTS
    note = marked[RESULTS]["A3"].value
    assert src.name in note and "không được giữ" in note
    warned = [r for r in _results_rows(marked) if r[6] == "area_total_mismatch"]
    assert len(warned) == 2
    for row in warned:
        cell = row[3].split('"')[-2]
        c = marked["Điểm bị trừ"][cell]
        assert c.fill.fgColor.rgb.endswith(WARNING_COLOR) and "Đoàn thẩm định công bố" in c.comment.text
    # the cells keep their addresses and values
    ws = marked["Điểm bị trừ"]
    assert ws["B17"].value == "1.1" and ws["E6"].value == 6.981
    assert marked["_meta"].sheet_state != "visible"


def test_an_ods_submission_can_be_annotated(stc, make_workbook, soffice, tmp_path, capsys):
    _converted_input_is_annotated(stc, make_workbook, soffice, tmp_path, capsys, "ods")


def test_an_old_xls_submission_can_be_annotated(stc, make_workbook, soffice, tmp_path, capsys):
    _converted_input_is_annotated(stc, make_workbook, soffice, tmp_path, capsys, "xls")


def test_a_macro_workbook_annotated_as_xlsx_is_a_plain_xlsx(stc, tmp_path, capsys):
    from conftest import ROOT

    src = ROOT / "workbook_templates" / "bao_cao_cchc_so_ban_nganh.xlsm"
    out = tmp_path / "danh_dau.xlsx"
    assert main(["validate", str(src), "--annotate", str(out)]) == 1  # blank form: required cells
    capsys.readouterr()
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        content_types = zf.read("[Content_Types].xml").decode()
    # Excel refuses an .xlsx declared macro-enabled, or one pointing at parts it does not hold
    assert "macroEnabled" not in content_types and not any("vba" in n.lower() for n in names)
    assert load_workbook(out).sheetnames[0] == RESULTS


def _with_raw_cells(src, out, sheet: str, cells: dict[str, str]) -> None:
    """A copy of ``src`` whose cells of ``sheet`` hold the given raw XML text (as another program wrote it)."""
    import re
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from xlsx_patch import sheet_parts

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        target = sheet_parts(zin)[sheet]
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == target:
                xml = data.decode("utf-8")
                for coord, raw in cells.items():
                    m = re.search(rf'<c r="{coord}"(?:\s[^>]*?)?(?:/>|>.*?</c>)', xml, re.S)
                    style = re.search(r'\ss="\d+"', m.group(0)[:m.group(0).index(">")])
                    xml = xml[:m.start()] + (f'<c r="{coord}"{style.group(0) if style else ""} t="inlineStr"><is>'
                                             f'<t xml:space="preserve">{raw}</t></is></c>') + xml[m.end():]
                data = xml.encode("utf-8")
            zout.writestr(item, data)


def test_control_characters_and_forbidden_character_references_give_a_clean_annotated_copy(
        stc, make_workbook, tmp_path, capsys):
    """Cells holding &#1;-style references (XML forbids them; openpyxl cannot open such a file) and
    Excel's _x0001_ escapes: the annotated copy is written, keeps the workbook's formatting, holds
    no forbidden character, and says what the sanitiser removed."""
    import re

    src = make_workbook(stc)
    path = tmp_path / "ky_tu_dieu_khien.xlsx"
    _with_raw_cells(src, path, "Khắc phục", {"C5": "Tồn tại &#x1; có &#31; ký tự cấm", "D5": "Giải pháp _x0001_ A",
                                            "G5": "Tiến độ &#x0B;"})
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    out = tmp_path / "danh_dau.xlsx"
    assert main(["validate", str(path), "--annotate", str(out)]) == 0
    captured = capsys.readouterr()
    assert "Đã ghi bản đánh dấu lỗi" in captured.out and "ngoài dự kiến" not in captured.out + captured.err
    assert "bỏ 3 ký tự điều khiển" in captured.out + captured.err
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            text = z.read(name).decode("utf-8", errors="replace") if name.endswith(".xml") else ""
            assert not re.search(r"&#x0*(?:[0-8bcef]|1[0-9a-f]);|&#0*(?:[0-8]|1[124-9]|2\d|3[01]);|[\x00-\x08\x0b\x0c\x0e-\x1f]",
                                 text, re.I), name
    marked = load_workbook(out)  # openpyxl opens it: well-formed
    ws = marked["Khắc phục"]
    assert ws["C5"].value == "Tồn tại  có  ký tự cấm"
    assert ws["C5"].border.left.style  # the formatting of the source is kept, not a bare values copy
    assert RESULTS in marked.sheetnames
