"""Every kind of workbook the toolkit writes passes the independent audit of what Excel requires
(XML schemas, Excel's repair rules, the VBA project): the committed templates, an annotated
copy, a consolidation (with a file holding errors) and an agency appendix.

The audit lives beside the repository (``../shared/tools/xlsx-audit/audit``, or the path in
``XLSX_AUDIT``); without it, or without its Python packages, the test is skipped.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest
from conftest import load_example

from cchc_xl.appendix.agency import write_agency_appendix
from cchc_xl.check.validate import validate_file
from cchc_xl.cycle.consolidation import run_consolidation
from cchc_xl.workbook.annotate import annotate_file
from cchc_xl.workbook.template import write_template

ROOT = Path(__file__).resolve().parents[1]
AUDIT = Path(os.environ.get("XLSX_AUDIT") or ROOT.parent / "shared" / "tools" / "xlsx-audit" / "audit")

pytestmark = pytest.mark.skipif(
    not AUDIT.is_file() or importlib.util.find_spec("lxml") is None or importlib.util.find_spec("olefile") is None,
    reason="cần ../shared/tools/xlsx-audit/audit (và lxml, olefile)")


def _audit(files: list[Path]) -> None:
    out = subprocess.run([str(AUDIT), *map(str, files)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"{len(files)} file(s), all pass" in out.stdout


def test_the_committed_workbook_templates_pass_the_audit():
    files = sorted(p for p in (ROOT / "workbook_templates").iterdir() if p.suffix in (".xlsx", ".xlsm", ".xlam"))
    assert files
    _audit(files)


def test_written_workbooks_pass_the_audit(tmp_path):
    doc = load_example("so_tai_chinh_2024_6thang")
    filled = write_template(tmp_path / "nop" / "so_tai_chinh.xlsx", report=doc)
    wrong = dict(doc, areas=[dict(doc["areas"][0], score=15), *doc["areas"][1:]])
    wrong["indicators"] = dict(doc["indicators"], **{"1.1.3": {"value": -2, "note": None}})
    wrong["agency"] = dict(doc["agency"], name="Sở Tư pháp", code="STP")
    write_template(tmp_path / "nop" / "so_tu_phap.xlsx", report=wrong)

    rep = validate_file(tmp_path / "nop" / "so_tu_phap.xlsx")
    annotated = tmp_path / "chu_thich.xlsx"
    annotate_file(tmp_path / "nop" / "so_tu_phap.xlsx", rep.issues, annotated)
    appendix = tmp_path / "phu_luc.xlsx"
    write_agency_appendix(filled, appendix)
    consolidated = tmp_path / "tong_hop.xlsx"
    summary = run_consolidation(tmp_path / "nop", consolidated, jobs=1, echo=lambda *a: None)
    assert summary["excluded_values"]  # the consolidation also marks values left out
    _audit([filled, annotated, appendix, consolidated])
