"""What users read: Vietnamese sentences, never jsonschema's or jinja's English, never a traceback;
and the criteria set's maximum bounds a score whatever is typed in the Điểm tối đa column."""

from __future__ import annotations

import copy
import json
import re
import unicodedata

import pytest
from openpyxl import load_workbook

from cchc_xl.check.validate import check_report, validate_file
from cchc_xl.cli import main
from cchc_xl.spec.render import RenderError, render

# Fragments of jsonschema's and jinja's English messages, and of a regular expression.
ENGLISH = re.compile(r"does not match|is not valid|is not of type|required property|Additional properties|"
                     r"is too short|is less than|is greater than|is not one of|was expected|is undefined|"
                     r"division|unsupported|object has no|Unexpected|Traceback|\^\[|\]\$|\\d")


def assert_vietnamese(text: str) -> None:
    assert not ENGLISH.search(text), text
    assert unicodedata.normalize("NFC", text) == text


def row_of(ws, col: str, value, start: int = 1) -> int:
    return next(r for r in range(start, ws.max_row + 1) if ws[f"{col}{r}"].value == value)


# ---- score above the criteria set's maximum -------------------------------------------------

def _edit_scores(make_workbook, stc, edits: dict):
    path = make_workbook(stc)
    wb = load_workbook(path)
    ws = wb["Điểm bị trừ"]
    cells = {}
    for (table, code), (mx, score) in edits.items():
        header = row_of(ws, "B", "Mã tiêu chí" if table == "deductions" else "Mã lĩnh vực")
        r = row_of(ws, "B", code, header + 1)
        ws[f"D{r}"], ws[f"E{r}"] = mx, score
        cells[code] = r
    wb.save(path)
    return validate_file(path), cells


def test_a_raised_maximum_does_not_let_a_score_pass(stc, make_workbook):
    rep, rows = _edit_scores(make_workbook, stc, {("deductions", "1.1"): (5, 2.5), ("areas", "4"): (12, 11)})
    r, a = rows["1.1"], rows["4"]
    by_cell = {(i.cell, i.severity): i for i in rep.issues if i.code in ("out_of_range", "max_score_mismatch")}
    score = by_cell[(f"E{r}", "error")]
    assert score.sheet == "Điểm bị trừ"
    assert score.message.startswith("Điểm đạt 2,5 lớn hơn điểm tối đa 1,5 của tiêu chí 1.1 theo Bộ tiêu chí")
    assert "5 đã ghi" in score.message
    typed = by_cell[(f"D{r}", "warning")]
    assert "Điểm tối đa 5 khác điểm tối đa 1,5 của tiêu chí 1.1" in typed.message
    assert by_cell[(f"E{a}", "error")].message.startswith("Điểm đạt 11 lớn hơn điểm tối đa 10,5 của lĩnh vực 4")
    assert "Điểm tối đa 12 khác điểm tối đa 10,5" in by_cell[(f"D{a}", "warning")].message
    assert rep.errors == 2 and not rep.valid


def test_a_score_within_the_maximum_is_accepted_and_a_wrong_typed_maximum_is_only_warned(stc, make_workbook):
    rep, rows = _edit_scores(make_workbook, stc, {("deductions", "1.1"): (1, 0.5)})
    assert rep.errors == 0
    warned = [i for i in rep.issues if i.cell == f"D{rows['1.1']}"]
    assert [(i.code, i.severity) for i in warned] == [("max_score_mismatch", "warning")]
    assert "hãy ghi đúng 1,5" in warned[0].message


def test_the_usual_message_of_a_score_above_the_maximum_is_unchanged(stc, make_workbook):
    rep, rows = _edit_scores(make_workbook, stc, {("deductions", "1.1"): (1.5, 2.5)})
    assert [i.message for i in rep.issues if i.code == "out_of_range"] == \
        ["Điểm đạt 2,5 lớn hơn điểm tối đa 1,5 của tiêu chí 1.1"]


# ---- jsonschema errors in Vietnamese ----------------------------------------------------------

def test_a_malformed_area_code_in_a_workbook_reads_as_vietnamese(stc, make_workbook, capsys):
    path = make_workbook(stc)
    wb = load_workbook(path)
    ws = wb["Điểm bị trừ"]
    r = row_of(ws, "B", "7a", row_of(ws, "B", "Mã lĩnh vực") + 1)
    ws[f"B{r}"] = "abc"
    wb.save(path)
    assert main(["validate", str(path)]) == 1
    text = capsys.readouterr().out
    assert f"[Lỗi] B{r}: Mã lĩnh vực “abc” không đúng dạng (ví dụ: 1, 7a) (schema)" in text
    assert_vietnamese(text)


DOC_EDITS = {
    "area_code": (lambda d: d["areas"][0].update(code="abc"), "Mã lĩnh vực “abc” không đúng dạng (ví dụ: 1, 7a)"),
    "extra_field": (lambda d: d["agency"].update(ma_so=1), "có trường không được phép “ma_so”"),
    "missing_group": (lambda d: d.pop("indicators"), "thiếu Số liệu Phụ lục III (indicators)"),
    "missing_name": (lambda d: d["agency"].pop("name"), "Tên cơ quan, đơn vị"),
    "empty_name": (lambda d: d["agency"].update(name=""), "Tên cơ quan, đơn vị"),
    "year_low": (lambda d: d["period"].update(year=1999), "Năm báo cáo: 1999 nhỏ hơn giá trị nhỏ nhất cho phép (2000)"),
    "bad_date": (lambda d: d["report"].update(date="15/6/2024"), "“15/6/2024” không phải ngày hợp lệ"),
    "score_text": (lambda d: d["deductions"][0].update(score="x"), "Điểm đạt: giá trị “x”"),
    "negative": (lambda d: d["deductions"][0].update(score=-1), "Điểm đạt: -1 không được âm"),
    "status": (lambda d: d["remediation"][0].update(status="tot"), "Tình trạng: “tot” không có trong danh sách"),
    "version": (lambda d: d.update(schema_version="2"), "cần đúng “1”, không phải “2”"),
    "indicator_code": (lambda d: d["indicators"].update({"x y": {"value": 1}}),
                       "Mã chỉ tiêu “x y” không đúng dạng mã (ví dụ: 1.1.1, 3.1.3.1)"),
    "due_date": (lambda d: d["remediation"][0].update(due_date="2024/1/1"), "“2024/1/1”"),
    "carried": (lambda d: d["remediation"][0].update(carried_from={"year": "a", "kind": "nam"}),
                "giá trị “a” không đúng kiểu, cần một số nguyên"),
    "areas_type": (lambda d: d.update(areas={}), "Điểm từng lĩnh vực (areas): giá trị “{}” không đúng kiểu"),
}


@pytest.mark.parametrize("case", sorted(DOC_EDITS))
def test_schema_errors_of_a_document_are_plain_vietnamese(case, stc, tmp_path, capsys):
    edit, expected = DOC_EDITS[case]
    doc = copy.deepcopy(stc)
    edit(doc)
    issues = check_report(doc)
    assert issues, case
    for i in issues:
        assert_vietnamese(i.message)
    # template --data: the same sentence, naming the file, exit code 2
    data = tmp_path / "bao_cao_sai.json"
    data.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert main(["template", "--data", str(data), "-o", str(tmp_path / "out.xlsx")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cchc-xl: bao_cao_sai.json: không đúng cấu trúc báo cáo chuẩn") and "\n" not in err
    assert expected in err
    assert_vietnamese(err)


# ---- text templates of a province ------------------------------------------------------------

TEMPLATES = {
    "divide_by_zero": ("{{ 1/0 }}", "phép chia cho 0"),
    "vn_of_a_table": ("{{ {'a': 1} | vn }}", "bộ lọc “vn” chỉ dùng cho số, ở đây nhận một bảng"),
    "unknown_name": ("{{ khong_co_ten }}", "dùng tên chưa được khai báo: khong_co_ten"),
    "unknown_attribute": ("{{ period_words.khong_co }}", "đoạn chữ không có thuộc tính “khong_co”"),
    "text_plus_number": ("{{ 'a' + 1 }}", "sai kiểu giá trị"),
    "missing_element": ("{{ [1][5] }}", "danh sách không có phần tử 5"),
}


@pytest.mark.parametrize("case", sorted(TEMPLATES))
def test_a_template_failing_while_rendering_names_file_and_line(case, tmp_path, monkeypatch):
    body, expected = TEMPLATES[case]
    (tmp_path / "mau_thu.j2").write_text(f"PHỤ LỤC I\n\n{body}\n", encoding="utf-8")
    monkeypatch.setenv("CCHC_XL_TEMPLATE_DIR", str(tmp_path))
    with pytest.raises(RenderError) as exc:
        render("mau_thu.j2", period_words="6 tháng đầu năm 2024")
    msg = str(exc.value)
    assert msg == f"Mẫu văn bản {tmp_path / 'mau_thu.j2'} (dòng 3): {msg.split(': ', 1)[1]}"
    assert expected in msg
    assert_vietnamese(msg)


SYNTAX = {
    "unclosed_if": ("{% if x %}", "khối “if” chưa được đóng (cần {% elif %}, {% else %} hoặc {% endif %})"),
    "wrong_end": ("{% for a in b %}{% endif %}", "thẻ “endif” không đúng chỗ: khối “for” đang mở"),
    "two_names": ("{{ x y }}", "cần “}}” nhưng gặp “y”"),
    "unknown_filter": ("{{ x | khong_loc }}", "không có bộ lọc tên “khong_loc”"),
}


@pytest.mark.parametrize("case", sorted(SYNTAX))
def test_a_template_syntax_error_is_explained_in_vietnamese(case, tmp_path, monkeypatch):
    body, expected = SYNTAX[case]
    (tmp_path / "mau_thu.j2").write_text(f"PHỤ LỤC I\n\n{body}\n", encoding="utf-8")
    monkeypatch.setenv("CCHC_XL_TEMPLATE_DIR", str(tmp_path))
    with pytest.raises(RenderError) as exc:
        render("mau_thu.j2")
    msg = str(exc.value)
    assert "mau_thu.j2 bị lỗi cú pháp ở dòng 3: " in msg and expected in msg
    assert_vietnamese(msg)


def test_an_include_of_a_missing_template_is_named(tmp_path, monkeypatch):
    (tmp_path / "mau_thu.j2").write_text("{% include 'khong_co.j2' %}\n", encoding="utf-8")
    monkeypatch.setenv("CCHC_XL_TEMPLATE_DIR", str(tmp_path))
    with pytest.raises(RenderError, match="^Không tìm thấy mẫu văn bản khong_co.j2$"):
        render("mau_thu.j2")


def test_a_broken_province_template_stops_the_appendix_with_one_line(stc, make_workbook, tmp_path, monkeypatch,
                                                                     capsys):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "phu_luc_i_tieu_de.j2").write_text("PHỤ LỤC I\n{{ 1/0 }}\n", encoding="utf-8")
    monkeypatch.setenv("CCHC_XL_TEMPLATE_DIR", str(tmp_path / "tpl"))
    src = make_workbook(stc, name="So_Tai_chinh.xlsx")
    assert main(["appendix", str(src), "-o", str(tmp_path / "pl.xlsx")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "So_Tai_chinh.xlsx" in err
    assert f"Mẫu văn bản {tmp_path / 'tpl' / 'phu_luc_i_tieu_de.j2'} (dòng 2): phép chia cho 0" in err
    assert not (tmp_path / "pl.xlsx").exists()


# ---- every issue is worded by schemas/issues.json ---------------------------------------------

def test_an_issue_is_worded_only_by_its_declared_template():
    from cchc_xl import spec
    from cchc_xl.spec import issues

    with pytest.raises(TypeError):  # no caller can put its own text in place of the template
        issues.make("out_of_range", message="Điểm đạt 3 quá lớn")
    shown = issues.make("unknown_code", what="Mã", code="9.9", criteria_year=2024)
    assert shown.message == "Mã 9.9 không có trong Bộ tiêu chí năm 2024"
    assert issues.make("out_of_range", variant="outside", field_title="Năm thẩm định", value="1999",
                       low="2000", high="2100").message == "Năm thẩm định 1999 nằm ngoài khoảng 2000–2100"
    for code, decl in spec.load("issues").items():
        for template in [decl["message"], *decl.get("messages", {}).values()]:
            assert template == unicodedata.normalize("NFC", template), code
            assert "{message}" not in template, code
