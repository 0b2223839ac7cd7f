"""The province's report draft (``consolidate --docx``), issue 23: shaped like the real reports
(sections I–V, one part per area), every figure equal to the JSON summary, agencies named once
with a plain reason, contacts in a numbered appendix, dates from the period and the report's date."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import docx
import pytest

from cchc_xl.cli import main
from cchc_xl.numtext import format_number

REGISTRY = Path(__file__).resolve().parent.parent / "examples" / "registry.csv"


@pytest.fixture(scope="module")
def draft(tmp_path_factory):
    """Two example agencies, a broken file, a report of another period (UBND xã Hương Khê, in the
    registry), the example registry and settings: consolidated with --docx and --date."""
    from conftest import load_example

    from cchc_xl.workbook.template import write_template

    base = tmp_path_factory.mktemp("draft")
    subs = base / "nop"
    subs.mkdir()
    for stem in ("so_tai_chinh_2024_6thang", "so_ngoai_vu_ha_tinh_2024_6thang", "ubnd_huyen_huong_khe_2023_9thang"):
        write_template(subs / f"{stem}.xlsx", report=load_example(stem))
    (subs / "Bao_cao_loi_tai_ve.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    out = base / "BAO_CAO.docx"
    main(["consolidate", str(subs), "-o", str(base / "th.xlsx"), "--registry", str(REGISTRY), "--year", "2024",
          "--period", "6_thang", "--json", str(base / "th.json"), "--docx", str(out), "--date", "2024-07-10",
          "--quiet"])
    doc = docx.Document(str(out))
    paras = [p.text for p in doc.paragraphs]
    end = next(i for i, t in enumerate(paras) if t.startswith("PHỤ LỤC I"))
    return {"doc": doc, "body": paras[:end], "all": paras, "summary": json.loads((base / "th.json").read_text("utf-8")),
            "base": base}


def _part(body: list[str], start: str, stop: str | None) -> str:
    i = next(k for k, t in enumerate(body) if t.startswith(start))
    j = next((k for k, t in enumerate(body[i + 1:], start=i + 1) if stop and t.startswith(stop)), len(body))
    return "\n".join(body[i:j])


def _unit(u):
    if not u or u == "%":
        return ""
    return " " + (u[:1].lower() + u[1:] if u[1:2].islower() else u)


def test_every_figure_of_the_draft_equals_the_json_summary(draft):
    body, summary = draft["body"], draft["summary"]
    fig = summary["report"]
    heads = [a for a in fig["areas"] if a["code"] != "1"]
    parts = {"1": _part(body, "I. CÔNG TÁC CHỈ ĐẠO", "II. KẾT QUẢ")}
    for k, a in enumerate(heads, start=1):
        nxt = f"{k + 1}. {heads[k]['name']}" if k < len(heads) else "Kết quả khắc phục của từng"
        parts[a["code"]] = _part(body, f"{k}. {a['name']}", nxt)
    assert len(parts) == len(fig["areas"]) >= 7  # one part per area of Phụ lục III
    for a in fig["areas"]:
        text = parts[a["code"]]
        for ind in a["indicators"]:
            value = f"{format_number(ind['total'])}/{format_number(ind['whole'])}" if ind.get("whole") is not None else format_number(ind["total"])
            line = f"- {ind['name']}: {value}{_unit(ind['unit'])}"
            if ind.get("rate") is not None:
                line += f", đạt tỷ lệ {format_number(ind['rate'])}%"
            assert line in text, line
        if a["deducted_agencies"]:
            assert (f"có {len(a['deducted_agencies'])} cơ quan, đơn vị bị trừ điểm ở lĩnh vực này "
                    f"({', '.join(a['deducted_agencies'])}), với {a['deductions']} lượt tiêu chí bị trừ điểm") in text
            for t in a["top_criteria"]:
                assert f"- Tiêu chí {t['code']} ({t['name']}): {t['agencies']} cơ quan, đơn vị bị trừ điểm" in text
                if t["lost"]:
                    assert f"tổng số điểm bị trừ {format_number(t['lost'])}" in text
        r = a["remediation"]
        if r["total"]:
            assert (f"đã khắc phục {r['hoan_thanh']}/{r['total']} tồn tại, đạt tỷ lệ {format_number(r['rate'])}%; đang thực hiện "
                    f"{r['dang_thuc_hien']}, chưa thực hiện {r['chua_thuc_hien']}, không thể thực hiện "
                    f"{r['khong_the_thuc_hien']}") in text
    for ind in fig["propaganda"]:  # section I: the propaganda totals (the reports' Phụ lục I)
        assert f"- {ind['name']}: {format_number(ind['total'])}{_unit(ind['unit'])}" in parts["1"]
    assert fig["propaganda"]
    st, total = summary["remediation_by_status"], summary["counts"]["remediation"]
    three = _part(body, "III. TỒN TẠI", "IV. NHIỆM VỤ")
    rate = format_number(round(st["hoan_thanh"] * 100 / total, 2))
    assert (f"đã khắc phục {st['hoan_thanh']}/{total} tồn tại, đạt tỷ lệ {rate}%; còn {fig['open']} tồn tại, hạn chế "
            f"chưa khắc phục xong (đang thực hiện {st['dang_thuc_hien']}, chưa thực hiện {st['chua_thuc_hien']}) và "
            f"{st['khong_the_thuc_hien']} tồn tại, hạn chế không thể thực hiện") in three
    assert fig["overdue"] == summary["remediation_overdue"]
    if fig["overdue"]:
        assert f"Có {fig['overdue']} tồn tại, hạn chế đã quá thời hạn khắc phục:" in three
        assert three.count("\n- ") == fig["overdue"]  # one line per overdue item
    four = _part(body, "IV. NHIỆM VỤ TRỌNG TÂM QUÝ III NĂM 2024", "V. ĐỀ XUẤT")
    if fig["due_next_period"]:
        assert f"Hoàn thành {fig['due_next_period']} tồn tại, hạn chế đến hạn khắc phục trong quý III năm 2024" in four
        assert four.count("\n+ ") == fig["due_next_period"]
    if fig["ongoing_open"]:
        assert f"Duy trì {fig['ongoing_open']} giải pháp khắc phục thực hiện thường xuyên" in four
    sent = 19 - len(summary["missing_agencies"])
    assert f"Có {sent}/19 cơ quan, đơn vị đã gửi báo cáo." in body[body.index(next(t for t in body if t.startswith("Có ")))]


def test_every_number_of_the_body_comes_from_the_summary(draft):
    """No figure of sections I–IV but the summary's (item texts and criterion names aside)."""
    body, summary = draft["body"], draft["summary"]
    allowed = set()

    def walk(x):
        if isinstance(x, bool):
            return
        if isinstance(x, (int, float)):
            allowed.add(format_number(x))
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk({k: summary[k] for k in ("report", "remediation_by_status", "counts", "remediation_overdue")})
    allowed |= {"19", "2023", "2024", "III", str(19 - len(summary["missing_agencies"]))}
    numbered = {str(k) for k in range(1, 10)}  # part numbers "1." … of section II
    text = "\n".join(t for t in body if not t.startswith(("- Sở", "+ Sở", "- UBND", "+ UBND", "- Tiêu chí ")))
    for name in {i["name"] for a in summary["report"]["areas"] for i in a["indicators"]} | {
            i["name"] for i in summary["report"]["propaganda"]}:
        text = text.replace(name, "")
    for m in re.finditer(r"(?<![\w.])(\d+(?:[.,]\d+)*)(?=%|\b)", text):
        n = m.group(1)
        assert n in allowed or n in numbered, f"số {n} không có trong tóm tắt JSON: …{text[max(0, m.start() - 60):m.end() + 20]}…"


def test_no_sentence_is_left_with_an_empty_figure(draft):
    text = "\n".join(draft["body"])
    for bad in ("……", "None", "{{", "{%", "đạt tỷ lệ %", " /", "/ ", ": ;", "()", "nan"):
        assert bad not in text, bad
    assert "V. ĐỀ XUẤT, KIẾN NGHỊ" in text
    officer = [p for p in draft["doc"].paragraphs if p.text.startswith("[Cán bộ tổng hợp viết")]
    assert len(officer) == 2  # section I's narrative and section V, marked for the officer
    assert all(r.font.highlight_color is not None and r.font.italic for p in officer for r in p.runs)


def test_agencies_named_once_never_files_contacts_in_the_numbered_appendix(draft):
    body, doc = "\n".join(draft["body"]), draft["doc"]
    assert ".xlsx" not in body and "tải về" not in body
    # UBND xã Hương Khê sent a report of another period: returned, not "not sent"
    assert "- UBND xã Hương Khê: báo cáo kỳ 9 tháng đầu năm 2023" in body
    not_sent = next(t for t in draft["body"] if "Chưa gửi báo cáo (" in t)
    assert "UBND xã Hương Khê" not in not_sent and "Sở Y tế" in not_sent
    assert body.count("Sở Y tế") == 1
    assert "1 tệp không đọc được hoặc không xác định được cơ quan gửi" in body
    assert "@" not in body and "liên hệ:" not in body
    assert "Danh sách cơ quan, đơn vị cần nhắc, kèm người liên hệ, tại Phụ lục III." in body
    titles = [t for t in draft["all"] if t.startswith("PHỤ LỤC")]
    assert titles == ["PHỤ LỤC I", "PHỤ LỤC II", "PHỤ LỤC III"]
    remind = doc.tables[-1]
    rows = [[c.text for c in r.cells] for r in remind.rows]
    assert rows[0][:4] == ["TT", "Cơ quan, đơn vị", "Tình trạng", "Người, bộ phận liên hệ"]
    names = [r[1] for r in rows[2:]]
    assert len(names) == len(set(names)) and "UBND xã Hương Khê" in names and "Sở Y tế" in names
    assert next(r for r in rows if r[1] == "Sở Y tế")[5] == "cchc.syt@vi-du.invalid"
    assert next(r for r in rows if r[1] == "UBND xã Hương Khê")[2].startswith("Báo cáo bị trả lại:")


def test_dates_come_from_the_report_date_and_the_period_and_settings_name_the_province(draft):
    doc = draft["doc"]
    head = "\n".join(c.text for row in doc.tables[0].rows for c in row.cells)
    assert "UBND TỈNH HÀ TĨNH" in head and "SỞ NỘI VỤ" in head
    assert "Hà Tĩnh, ngày 10 tháng 7 năm 2024" in head and "/BC-SNV" in head
    assert "(Kèm theo Báo cáo số      /BC-SNV ngày 10/7/2024 của Sở Nội vụ)" in draft["all"]
    assert "của tỉnh Hà Tĩnh như sau:" in "\n".join(draft["body"])


def test_report_date_is_never_the_machine_clocks_year():
    from cchc_xl.appendix.report_draft import report_date

    period = {"year": 2025, "kind": "6_thang"}
    assert report_date(period, today=dt.date(2026, 12, 6)) is None  # a clock far from the period: left blank
    assert report_date(period, today=dt.date(2025, 7, 3)) == dt.date(2025, 7, 3)
    assert report_date(period, dt.date(2025, 7, 20), today=dt.date(2026, 1, 1)) == dt.date(2025, 7, 20)


def test_draft_without_a_date_leaves_the_day_blank_in_the_periods_month(draft, monkeypatch):
    from cchc_xl.appendix import report_draft

    monkeypatch.setattr(report_draft, "report_date", lambda period, given=None, today=None: None)
    out = draft["base"] / "khong_ngay.docx"
    assert main(["consolidate", str(draft["base"] / "nop"), "-o", str(draft["base"] / "th2.xlsx"), "--registry",
                 str(REGISTRY), "--year", "2024", "--period", "6_thang", "--docx", str(out), "--quiet"]) in (0, 1)
    d = docx.Document(str(out))
    head = "\n".join(c.text for row in d.tables[0].rows for c in row.cells)
    assert "Hà Tĩnh, ngày …… tháng 6 năm 2024" in head


def test_a_broken_settings_file_is_a_message_naming_it(draft, tmp_path, monkeypatch, capsys):
    (tmp_path / "cai_dat_bao_cao.csv").write_text("muc,gia_tri\ntinh,Hà Tĩnh\nten_tinh,Hà Tĩnh\n", encoding="utf-8")
    monkeypatch.setenv("CCHC_XL_TEMPLATE_DIR", str(tmp_path))
    code = main(["consolidate", str(draft["base"] / "nop"), "-o", str(tmp_path / "th.xlsx"), "--year", "2024",
                 "--period", "6_thang", "--docx", str(tmp_path / "b.docx"), "--quiet"])
    assert code == 2
    assert "cai_dat_bao_cao.csv, dòng 3: không có mục “ten_tinh”" in capsys.readouterr().err


def test_the_documented_fields_are_the_ones_the_template_uses():
    """report_draft.FIELDS lists what a province's own template may use: each is used by ours."""
    from cchc_xl.appendix.report_draft import FIELDS
    from cchc_xl.appendix.report_template import build_template

    doc = build_template()
    text = "\n".join([p.text for p in doc.paragraphs]
                     + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    used = set(re.findall(r"(?:\{\{|\{%p? (?:if|for \w+ in)) ?(\w+)", text)) - {"loop", "ct", "tc", "t", "x", "lv"}
    assert used == set(FIELDS)
