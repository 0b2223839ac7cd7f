"""cchc-xl demo: sample submissions, the consolidation and an appendix, quickly and in Vietnamese."""

from __future__ import annotations

import json
import random
import unicodedata

from cchc_xl import spec
from cchc_xl.check.validate import check_report
from cchc_xl.cli import main
from cchc_xl.demo import sample_report


def test_demo_writes_submissions_consolidation_and_says_where(tmp_path, capsys):
    code = main(["demo", "-o", str(tmp_path / "demo")])
    out = capsys.readouterr().out
    assert code == 0
    root = tmp_path / "demo"
    assert (root / "tong_hop.xlsx").is_file() and (root / "tong_hop.json").is_file()
    assert len(list((root / "nop").rglob("*.xlsx"))) >= 15
    summary = json.loads((root / "tong_hop.json").read_text(encoding="utf-8"))
    status = [f["status"] for f in summary["files"]]
    assert status.count("duplicate") == 1 and "rejected" in status and status.count("accepted") >= 12
    assert summary["missing_agencies"], "the registry lists agencies that did not report"
    for where in ("nop", "tong_hop.xlsx", "tong_hop.json"):
        assert where in out
    assert "Sổ tổng hợp" in out and unicodedata.is_normalized("NFC", out)
    assert (root / "phu_luc_so_tai_chinh.xlsx").is_file()
    assert (root / "phu_luc_so_tai_chinh.docx").is_file() and (root / "bao_cao_tong_hop.docx").is_file()
    assert "bao_cao_tong_hop.docx" in out


def test_demo_twice_in_the_same_folder_starts_afresh(tmp_path, capsys):
    assert main(["demo", "-o", str(tmp_path)]) == 0
    (tmp_path / "nop" / "thua.xlsx").write_bytes(b"x")
    assert main(["demo", "-o", str(tmp_path)]) == 0
    assert not (tmp_path / "nop" / "thua.xlsx").exists()


def test_generated_reports_are_plausible_and_keep_the_rules():
    rng = random.Random(3)
    for level in ("so", "huyen", "xa"):
        doc = sample_report("UBND xã Thạch Hà" if level == "xa" else "Sở Thử nghiệm", "TH", level, 2024, "6_thang", rng,
                            deductions=25, remediation=30)
        assert len(doc["remediation"]) == 30
        cat = spec.catalog(level, 2023)
        assert len(doc["deductions"]) == min(25, len(cat.criteria["criteria"]))
        errors = [i for i in check_report(doc) if i.severity == "error"]
        assert errors == [], [i.message for i in errors]
        assert {i["status"] for i in doc["remediation"]} <= {s["key"] for s in spec.statuses()}


def test_demo_never_deletes_a_folder_it_did_not_make(tmp_path, capsys):
    (tmp_path / "nop").mkdir()
    (tmp_path / "nop" / "bao_cao_that.xlsx").write_bytes(b"x")
    assert main(["demo", "-o", str(tmp_path)]) == 2
    assert (tmp_path / "nop" / "bao_cao_that.xlsx").exists()
    assert "không do lệnh demo tạo" in capsys.readouterr().out
