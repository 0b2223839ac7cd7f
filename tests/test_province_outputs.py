"""The province's outputs list agencies in the registry's order and spelling."""

from __future__ import annotations

import copy

import pytest
from conftest import load_example

from cchc_xl.appendix.province import SHEET_PROVINCE_REMEDIATION, SHEET_PROVINCE_SUMMARY
from cchc_xl.cli import main
from cchc_xl.consolidate.order import display_name
from cchc_xl.workbook.template import write_template

# the registry lists a district before the last department: the outputs still group departments first
REGISTRY = """ten,ma,cap
Sở Y tế,SYT,so
Sở Tài chính,STC,so
Sở Thông tin và Truyền thông,STTTT,so
UBND huyện Hương Khê,HK,huyen
Sở Khoa học và Công nghệ,SKHCN,so
"""
# file name → (name written in the agency's report, code)
SUBMISSIONS = {
    "skhcn.xlsx": ("Sở Khoa học, Công nghệ", "SKHCN"),
    "BC CCHC So Y te.xlsx": ("SỞ Y TẾ", "SYT"),
    "STTTT.xlsx": ("Sở Thông tin & Truyền thông", "STTTT"),
    "a_huong_khe.xlsx": ("UBND huyện Hương Khê", "HK"),
    "tai_chinh.xlsx": ("Sở Tài chính", "STC"),
}
EXPECTED = ["Sở Y tế", "Sở Tài chính", "Sở Thông tin và Truyền thông",
            "Sở Khoa học và Công nghệ (báo cáo ghi: Sở Khoa học, Công nghệ)", "UBND huyện Hương Khê"]


@pytest.fixture(scope="module")
def consolidated(tmp_path_factory):
    from openpyxl import load_workbook

    base = tmp_path_factory.mktemp("province")
    subs = base / "nop"
    subs.mkdir()
    stc, hk = load_example("so_tai_chinh_2024_6thang"), load_example("ubnd_huyen_huong_khe_2023_9thang")
    hk["period"] = dict(stc["period"])
    hk["report"] = dict(stc["report"])
    for fname, (name, code) in SUBMISSIONS.items():
        rep = copy.deepcopy(hk if code == "HK" else stc)
        rep["agency"] = dict(rep["agency"], name=name, code=code)
        write_template(subs / fname, report=rep)
    (base / "ds.csv").write_text(REGISTRY, encoding="utf-8")
    out = base / "th.xlsx"
    # 0: the Hương Khê files (seed 002, no solutions, no deduction scores) are valid, with warnings
    assert main(["consolidate", str(subs), "-o", str(out), "--registry", str(base / "ds.csv"), "--quiet",
                 "--docx", str(base / "bc.docx")]) == 0
    return load_workbook(out, read_only=True), base / "bc.docx"


def test_province_appendices_follow_the_registry_order_and_spelling(consolidated):
    wb, _ = consolidated
    rows = list(wb[SHEET_PROVINCE_REMEDIATION].iter_rows(values_only=True))
    heads = [r[1] for r in rows if r[0] in ("I", "II", "III", "IV", "V")]
    assert [h.rsplit(": khắc phục", 1)[0] for h in heads] == EXPECTED
    rows = list(wb[SHEET_PROVINCE_SUMMARY].iter_rows(values_only=True))
    names = [r[1] for r in rows if isinstance(r[0], (int, float)) or (isinstance(r[0], str) and r[0].isdigit())]
    assert names == EXPECTED


def test_report_draft_appendices_use_the_same_order(consolidated):
    import docx

    _, draft = consolidated
    doc = docx.Document(str(draft))
    summary = doc.tables[-1]
    names = [row.cells[1].text for row in summary.rows if row.cells[0].text.strip().isdigit()]
    assert names == EXPECTED


@pytest.mark.parametrize("registry,reported,shown", [
    ("Sở Thông tin và Truyền thông", "Sở Thông tin & Truyền thông", "Sở Thông tin và Truyền thông"),
    ("Sở Y tế", "so y te", "Sở Y tế"),
    ("Ủy ban nhân dân huyện Kỳ Anh", "UBND huyện Kỳ Anh", "Ủy ban nhân dân huyện Kỳ Anh"),
    ("Sở Khoa học và Công nghệ", "Sở Thông tin và Truyền thông",
     "Sở Khoa học và Công nghệ (báo cáo ghi: Sở Thông tin và Truyền thông)"),
])
def test_the_agency_s_own_spelling_is_shown_only_where_it_matters(registry, reported, shown):
    assert display_name(registry, reported) == shown


def test_demo_consolidated_workbook_prints_its_paper_sheets_in_at_most_40_pages(tmp_path, soffice):
    """The long per-agency tables are for the screen; what prints is a few tens of pages, each
    printed sheet with its title and every page numbered "Trang x / y"."""
    import re
    import subprocess

    from cchc_xl.cycle.consolidation import run_consolidation
    from cchc_xl.demo import write_samples
    from cchc_xl.sheets.printing import screen_sheet_keys

    samples = write_samples(tmp_path / "nop")
    out = tmp_path / "tong_hop.xlsx"
    run_consolidation(tmp_path / "nop", out, registry=samples["registry"], echo=lambda *_: None)
    pdf = soffice(out, "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    assert 5 <= len(pages) <= 40, f"{len(pages)} trang"
    for i, page in enumerate(pages, start=1):
        assert re.search(rf"Trang {i} / {len(pages)}", page), f"trang {i} không có số trang"
    flat = re.sub(r"\s+", " ", text)
    for title in ("TÌNH HÌNH NỘP BÁO CÁO CCHC", "TIẾN ĐỘ KHẮC PHỤC", "CÁC TIÊU CHÍ BỊ TRỪ ĐIỂM", "XẾP HẠNG", "PHỤ LỤC"):
        assert title in flat, f"thiếu trang in “{title}”"
    assert "DANH SÁCH TỒN TẠI, HẠN CHẾ VÀ KẾT QUẢ KHẮC PHỤC" not in flat  # a screen sheet
    assert "items" in screen_sheet_keys()


def test_submission_status_lists_whom_to_remind_with_the_registry_contacts(tmp_path, capsys):
    """Every registry agency without an accepted file (not reported, or its file rejected) shows
    its contact on "Tình hình nộp"; the console and the JSON summary say how many to remind."""
    import json

    from openpyxl import load_workbook

    subs = tmp_path / "nop"
    subs.mkdir()
    stc = load_example("so_tai_chinh_2024_6thang")
    write_template(subs / "stc.xlsx", report=copy.deepcopy(stc))
    syt = copy.deepcopy(stc)  # the Sở Y tế file is of another period: rejected
    syt["agency"] = dict(syt["agency"], name="Sở Y tế", code="SYT")
    syt["period"] = dict(syt["period"], year=2023)
    write_template(subs / "syt.xlsx", report=syt)
    reg = tmp_path / "ds.csv"
    reg.write_text("ten,ma,cap,nguoi_lien_he,dien_thoai,email\n"
                   "Sở Tài chính,STC,so,Lê Văn C,0239 111,c@vi-du.invalid\n"
                   "Sở Y tế,SYT,so,Nguyễn Thị A,0239 3855 123,a@vi-du.invalid\n"
                   "Sở Xây dựng,SXD,so,,,\n", encoding="utf-8")
    out, js = tmp_path / "th.xlsx", tmp_path / "th.json"
    main(["consolidate", str(subs), "-o", str(out), "--registry", str(reg), "--json", str(js)])
    printed = capsys.readouterr().out
    assert "Cần nhắc 2 cơ quan chưa nộp hoặc có tệp bị loại; 1 cơ quan có thông tin liên hệ" in printed

    summary = json.loads(js.read_text(encoding="utf-8"))
    assert [(x["name"], x["lien_he"]) for x in summary["reminders"]] == [
        ("Sở Y tế", "Nguyễn Thị A, 0239 3855 123, a@vi-du.invalid"), ("Sở Xây dựng", None)]
    assert summary["reminders"][0]["rejected"] is True and summary["reminders"][1]["rejected"] is False

    ws = load_workbook(out, read_only=True)["Tình hình nộp"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(r for r in rows if r and "Liên hệ để nhắc" in r)
    col_name, col_contact = head.index("Cơ quan, đơn vị"), head.index("Liên hệ để nhắc")
    contacts = {r[col_name]: r[col_contact] for r in rows[rows.index(head) + 1:] if r[col_name]}
    assert contacts["Sở Y tế"] == "Nguyễn Thị A, 0239 3855 123, a@vi-du.invalid"
    assert contacts["Sở Tài chính"] is None  # reported: nobody to remind
    assert contacts["Sở Xây dựng"] is None  # not reported, but the registry gives no contact
    assert any("Cần nhắc 2 cơ quan" in str(c) for r in rows[:rows.index(head)] for c in r if c)
