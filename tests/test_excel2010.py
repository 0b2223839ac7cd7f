"""Every workbook the toolkit writes works in Excel 2010, WPS Spreadsheets and LibreOffice: its
formulas (cells, conditional formats, data validations, defined names) call only functions
Excel 2010 has — no function Excel writes as ``_xlfn.`` (newer, ``#NAME?`` in Excel 2010)."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import pytest
from conftest import load_example

from cchc_xl.appendix.agency import write_agency_appendix
from cchc_xl.check.validate import validate_file
from cchc_xl.cycle.appraisal import write_appraisal_template
from cchc_xl.cycle.catalog_book import write_catalog_workbook
from cchc_xl.cycle.consolidation import run_consolidation
from cchc_xl.workbook.annotate import annotate_file
from cchc_xl.workbook.macros import write_consolidation_workbook, write_macro_template
from cchc_xl.workbook.template import write_template

# The functions of Excel 2010 the workbooks may call (a subset of Excel 2010's list; none of the
# functions added in 2013 and later: NUMBERVALUE, IFS, CONCAT, TEXTJOIN, XLOOKUP, LET, UNICHAR …).
EXCEL_2010 = set("""
ABS AND AVERAGE AVERAGEIF CHAR CHOOSE CODE COLUMN COLUMNS CONCATENATE COUNT COUNTA COUNTBLANK COUNTIF
COUNTIFS DATE DATEVALUE DAY EXACT FALSE FIND FIXED HLOOKUP HYPERLINK IF IFERROR INDEX INDIRECT INT ISBLANK ISERR
ISERROR ISLOGICAL ISNA ISNONTEXT ISNUMBER ISTEXT LEFT LEN LOOKUP LOWER MATCH MAX MEDIAN MID MIN MOD
MONTH N NA NOT NOW OFFSET OR PROPER REPLACE REPT RIGHT ROUND ROUNDDOWN ROUNDUP ROW ROWS SEARCH SUBSTITUTE
SUBTOTAL SUM SUMIF SUMIFS SUMPRODUCT T TEXT TODAY TRIM TRUE UPPER VALUE VLOOKUP YEAR
""".split())
NEWER = re.compile(r"_xlfn\.|_xlws\.", re.I)
FORMULA_PARTS = re.compile(r"<(?:\w+:)?(f|formula|formula1|formula2|definedName)\b[^>]*>(.*?)</(?:\w+:)?\1>", re.S)
CALL = re.compile(r"(?<![A-Za-z0-9_.'\"])([A-Za-z_][A-Za-z0-9_.]*)\(")


def _formulas(path: Path) -> list[tuple[str, str]]:
    """(part, formula) of every formula in the file: cells, conditional formats, validations, names."""
    out = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if not name.endswith(".xml"):
                continue
            text = z.read(name).decode("utf-8", errors="replace")
            out += [(name, m.group(2)) for m in FORMULA_PARTS.finditer(text)]
    return out


def _functions(formula: str) -> set[str]:
    text = html.unescape(formula)
    text = re.sub(r'"(?:[^"]|"")*"', '""', text)  # string literals hold no call
    text = re.sub(r"'(?:[^']|'')*'!", "S!", text)  # nor quoted sheet names
    return {m.group(1).upper() for m in CALL.finditer(text)}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> list[Path]:
    """One of each kind of workbook the toolkit writes."""
    d = tmp_path_factory.mktemp("viet")
    stc = load_example("so_tai_chinh_2024_6thang")
    files = [write_template(d / f"trong_{level}.xlsx", level=level, year=2024, kind="6_thang")
             for level in ("so", "huyen", "xa")]
    files += [write_macro_template(d / f"macro_{level}.xlsm", level=level, year=2024, kind="6_thang")
              for level in ("so", "huyen", "xa")]
    files.append(write_macro_template(d / "macro_stc.xlsm", report=stc))
    nop = d / "nop"
    for path in Path(__file__).resolve().parents[1].joinpath("examples").glob("*.json"):
        files.append(write_template(nop / f"{path.stem}.xlsx", report=load_example(path.stem)))
    wrong = dict(stc, areas=[dict(stc["areas"][0], score=15), *stc["areas"][1:]])
    bad = write_template(d / "sai.xlsx", report=wrong)
    files.append(annotate_file(bad, validate_file(bad).issues, d / "chu_thich.xlsx") or d / "chu_thich.xlsx")
    files.append(write_agency_appendix(nop / "so_tai_chinh_2024_6thang.xlsx", d / "phu_luc.xlsx"))
    run_consolidation(nop, d / "tong_hop.xlsx", jobs=1, echo=lambda *a: None)
    files.append(d / "tong_hop.xlsx")
    files.append(write_consolidation_workbook(d / "so_tong_hop.xlsm"))
    files.append(write_appraisal_template(d / "tham_dinh.xlsx", year=2024))
    files.append(write_catalog_workbook(d / "bo_tieu_chi.xlsx", level="so", year=2024))
    return [Path(f) for f in files]


def test_no_workbook_calls_a_function_newer_than_excel_2010(written):
    assert len(written) >= 15 and all(p.is_file() for p in written)
    newer, unknown, total = [], {}, 0
    for path in written:
        for part, formula in _formulas(path):
            total += 1
            if NEWER.search(formula):
                newer.append((path.name, part, formula[:120]))
            for fn in _functions(formula) - EXCEL_2010:
                unknown.setdefault(fn, (path.name, part, formula[:120]))
    assert total > 1000  # the agency workbooks' checks are there to be scanned
    assert not newer, newer[:5]
    assert not unknown, unknown


def test_the_committed_workbook_templates_call_only_excel_2010_functions():
    root = Path(__file__).resolve().parents[1] / "workbook_templates"
    files = sorted(p for p in root.iterdir() if p.suffix in (".xlsx", ".xlsm", ".xlam"))
    assert files
    for path in files:
        for part, formula in _formulas(path):
            assert not NEWER.search(formula), (path.name, part, formula[:120])
            assert _functions(formula) <= EXCEL_2010, (path.name, part, _functions(formula) - EXCEL_2010)


def test_the_scan_finds_a_newer_function_where_there_is_one(tmp_path):
    """The scan itself: a workbook holding NUMBERVALUE (Excel 2013) in a cell is caught."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = '=_xlfn.NUMBERVALUE("1,5",",",".")'
    wb.active["A2"] = '=IFS(A1>1,"x")'
    wb.save(tmp_path / "moi.xlsx")
    found = _formulas(tmp_path / "moi.xlsx")
    assert any(NEWER.search(f) for _, f in found)
    assert set().union(*(_functions(f) for _, f in found)) - EXCEL_2010 == {"_XLFN.NUMBERVALUE", "IFS"}
