"""One verdict everywhere: the workbook's live checks (recalculated by LibreOffice) and
``cchc-xl validate`` agree on randomly mistyped copies of the example reports — the same count
("Còn N lỗi" against validate's errors) and the same cells (red exactly where validate reports an
error; yellow only where it reports a warning). Also: what "required" means, and the issue codes
said the same way in the code, the README and the status sheet."""

from __future__ import annotations

import copy
import os
import random
import re
import subprocess
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter, range_boundaries

from cchc_xl import spec
from cchc_xl.normalize import fold, format_number
from cchc_xl.template import FULL_CHECK_HEADING, RED_FILL, WARN_FILL, full_check_lines, write_template
from cchc_xl.validate import validate_file

from conftest import ROOT, example_paths, load_example, soffice_path
from xlsx_patch import cell_values, col_index, patched_copy, shared_strings, sheet_parts

SEED = 20261201
COPIES = int(os.environ.get("CCHC_XL_VERDICT_COPIES", "200"))  # at least 200 in CI
PROBE_COL = 120  # probes of a cell (r, c) go to row r, columns PROBE_COL + 2c (red) and + 2c + 1 (yellow)
SHEETS = spec.sheets()["sheets"]
BATCHES = min(2, os.cpu_count() or 1)  # LibreOffice recalculating the copies: ~1 s of CPU each


# ---- the mistakes of a hurried person ---------------------------------------------------------

def _cells_with(ws, col: str, first: int, pred) -> list[str]:
    return [f"{col}{r}" for r in range(first, ws.max_row + 1) if pred(ws[f"{col}{r}"].value)]


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _indicator_cells(wb, kinds: tuple[str, ...]) -> list[str]:
    ws = wb[SHEETS["indicators"]["title"]]
    cat = spec.catalog(wb["_meta"]["B4"].value)
    out = []
    for r in range(SHEETS["indicators"]["header_row"] + 1, ws.max_row + 1):
        row = cat.indicator_by_code.get(str(ws[f"A{r}"].value))
        if row and not row.get("group") and row.get("kind") in kinds:
            out.append(f"D{r}")
    return out


def _deduction_rows(wb) -> list[int]:
    ws = wb[SHEETS["scores"]["title"]]
    header = next(r for r in range(1, ws.max_row + 1) if ws[f"B{r}"].value == "Mã tiêu chí")
    return [r for r in range(header + 1, ws.max_row + 1) if ws[f"B{r}"].value]


def _remediation_rows(wb) -> list[int]:
    ws = wb[SHEETS["remediation"]["title"]]
    return [r for r in range(SHEETS["remediation"]["header_row"] + 1, ws.max_row + 1) if ws[f"C{r}"].value]


def _info_cell(wb, key: str) -> str:
    ws = wb[SHEETS["info"]["title"]]
    title = next(f["title"] for f in SHEETS["info"]["fields"] if f["key"] == key)
    return f"B{next(r for r in range(1, 30) if str(ws[f'A{r}'].value or '').replace(' (*)', '') == title)}"


def mistake(wb, rng: random.Random) -> str:
    """One mistake, made in place; returns what was done (for the failure message)."""
    ind, ded, rem, info = (wb[SHEETS[k]["title"]] for k in ("indicators", "scores", "remediation", "info"))
    kind = rng.choice(["number_as_text", "status_synonym", "score_above_max", "empty_required", "negative",
                       "decimal_in_count", "percent_over_100", "date_text", "number_as_text", "status_synonym"])
    if kind == "number_as_text":
        cells = [("ind", c) for c in _indicator_cells(wb, ("count", "number", "percent")) if _is_num(ind[c].value)]
        cells += [("ded", f"E{r}") for r in _deduction_rows(wb) if _is_num(ded[f"E{r}"].value)]
        if not cells:
            return "none"
        where, c = rng.choice(cells)
        ws = ind if where == "ind" else ded
        v = ws[c].value
        ws[c].value = rng.choice([format_number(v), f" {format_number(v)} ", str(v).replace(".", ",")])
        ws[c].data_type = "s"
    elif kind == "status_synonym":
        rows = _remediation_rows(wb)
        if not rows:
            return "none"
        st = rng.choice(spec.statuses())
        text = rng.choice([st["label"], *st.get("synonyms", [])])
        c = f"F{rng.choice(rows)}"
        rem[c].value = rng.choice([text, text.upper(), fold(text), f"  {text} ", text + " rồi"])
        return f"{kind} {rem.title}!{c}={rem[c].value!r}"
    elif kind == "score_above_max":
        rows = _deduction_rows(wb)
        if not rows:
            return "none"
        r = rng.choice(rows)
        ded[f"E{r}"].value = (ded[f"D{r}"].value or 1) + rng.choice([0.5, 1, 5])
        c, ws = f"E{r}", ded
    elif kind == "empty_required":
        choices = [(info, _info_cell(wb, k)) for k in ("agency.name", "report.date", "period.year")]
        choices += [(ded, f"{col}{r}") for r in _deduction_rows(wb) for col in "BE"]
        choices += [(rem, f"{col}{r}") for r in _remediation_rows(wb) for col in "CDF"]
        ws, c = rng.choice(choices)
        ws[c].value = None
    elif kind == "negative":
        cells = [(ind, c) for c in _indicator_cells(wb, ("count", "number"))]
        cells += [(ded, f"E{r}") for r in _deduction_rows(wb)]
        ws, c = rng.choice(cells)
        ws[c].value = -rng.choice([1, 2, 0.5])
    elif kind == "decimal_in_count":
        ws, c = ind, rng.choice(_indicator_cells(wb, ("count",)))
        ws[c].value = rng.choice([2.5, 10.25, 0.5])
    elif kind == "percent_over_100":
        ws, c = ind, rng.choice(_indicator_cells(wb, ("percent",)))
        ws[c].value = rng.choice([150, 100.5, 1000])
    else:  # date_text
        ws, c = info, _info_cell(wb, "report.date")
        ws[c].value = rng.choice(["15/6/2024", "30/09/2023", "2024-06-14", "31/02/2024", "ngày 15/6", "15.6.2024"])
        ws[c].number_format = "@"
    return f"{kind} {ws.title}!{c}={ws[c].value!r}"


# ---- reading what the workbook paints ---------------------------------------------------------

def _probe_rows(ws) -> int:
    """The last row worth probing: the last row holding anything a user typed (or a template row)."""
    last = 1
    for row in ws.iter_rows(min_col=2, max_col=9):
        for cell in row:
            if cell.value is not None and not (isinstance(cell.value, str) and cell.value.startswith("=")):
                last = max(last, cell.row)
    return last + 1


def add_probes(wb) -> None:
    """For every cell under a conditional format: a cell far right computing whether it is red,
    and one whether it is yellow (the rule's formula translated to that cell)."""
    red, yellow = RED_FILL.fgColor.rgb[-6:], WARN_FILL.fgColor.rgb[-6:]
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.title == SHEETS["checks"]["title"]:
            continue
        limit = _probe_rows(ws)
        per_cell: dict[tuple[int, int, str], list[str]] = {}
        for cf in ws.conditional_formatting:
            for rng in str(cf.sqref).split():
                c1, r1, c2, r2 = range_boundaries(rng)
                origin = f"{get_column_letter(c1)}{r1}"
                for rule in cf.rules:
                    fill = rule.dxf.fill if rule.dxf is not None else None  # the table's rules: no fill
                    color = ((fill.fgColor.rgb if fill is not None else None) or "")[-6:]
                    which = "red" if color == red else "yellow" if color == yellow else None
                    if which is None or rule.formula is None:
                        continue
                    for r in range(r1, min(r2, limit) + 1):
                        for c in range(c1, c2 + 1):
                            f = Translator("=" + rule.formula[0], origin=origin).translate_formula(
                                f"{get_column_letter(c)}{r}")
                            per_cell.setdefault((r, c, which), []).append(f"IFERROR(AND({f[1:]}),FALSE)")
        for (r, c, which), conds in per_cell.items():
            col = PROBE_COL + 2 * c + (which == "yellow")
            ws.cell(row=r, column=col, value=f"=IF(OR({','.join(conds)}),1,0)")


def painted(path) -> tuple[set, set, str]:
    """The cells LibreOffice found red and yellow (from the probes), and the status cell's text."""
    red, yellow = set(), set()
    with zipfile.ZipFile(path) as z:
        parts, strings = sheet_parts(z), shared_strings(z)
        for title, part in parts.items():
            for letters, row, value in cell_values(z, part, strings, min_col=PROBE_COL):
                if value == 1:
                    c, is_yellow = divmod(col_index(letters) - PROBE_COL, 2)
                    (yellow if is_yellow else red).add((title, f"{get_column_letter(c)}{row}"))
        checks = SHEETS["checks"]
        status = [v for col, row, v in cell_values(z, parts[checks["title"]], strings)
                  if f"{col}{row}" == checks["status_cell"]]
    return red, yellow - red, status[0] if status else None


def _snapshot(wb) -> dict:
    """What a user could change in each cell: its value, its type and its number format."""
    return {ws.title: {k: (c._value, c.data_type, c.number_format) for k, c in ws._cells.items()}
            for ws in wb.worksheets}


def _undo(wb, before: dict) -> dict[str, dict[str, object]]:
    """Put the workbook back as it was loaded; returns the changed cells' new values by sheet."""
    changes: dict[str, dict[str, object]] = {}
    for ws in wb.worksheets:
        old = before[ws.title]
        for key, cell in list(ws._cells.items()):
            if key in old and (cell._value, cell.data_type, cell.number_format) == old[key]:
                continue
            if key in old or cell._value is not None:
                changes.setdefault(ws.title, {})[cell.coordinate] = cell._value
            if key in old:
                cell._value, cell.data_type, cell.number_format = old[key]
            else:  # made by looking at it
                del ws._cells[key]
    return changes


def status_count(text: str) -> int:
    if text == "Hợp lệ":
        return 0
    m = re.fullmatch(r"Còn (\d+) lỗi", str(text))
    assert m, f"the status cell reads {text!r}"
    return int(m.group(1))


def test_randomly_mistyped_copies_give_one_verdict_in_the_workbook_and_in_validate(tmp_path):
    exe = soffice_path()
    if not exe:
        pytest.skip("LibreOffice (soffice) không có trên máy này")
    rng = random.Random(SEED)
    sources = []
    for path in example_paths():
        report = load_example(path.stem)
        base = tmp_path / f"{path.stem}.xlsx"
        write_template(base, report=copy.deepcopy(report))
        sources.append(base)
    plain, probed, done = tmp_path / "copies", tmp_path / "probed", {}
    plain.mkdir()
    probed.mkdir()
    bases, workbooks, loaded = {}, {}, {}
    for src in sources:  # the probes depend on the conditional formats only: made once per example
        wb = load_workbook(src)
        add_probes(wb)
        bases[src] = tmp_path / f"probed_{src.name}"
        wb.save(bases[src])
        workbooks[src] = load_workbook(src)
        loaded[src] = _snapshot(workbooks[src])
    for n in range(COPIES):
        # each copy: the mistakes made on the example's workbook in memory, then undone; the
        # cells they changed written into the example's file and its probed twin
        src = rng.choice(sources)
        wb = workbooks[src]
        what = [mistake(wb, rng) for _ in range(rng.randint(1, 3))]
        changes = _undo(wb, loaded[src])
        name = f"copy{n:03d}.xlsx"
        patched_copy(src, plain / name, changes)
        patched_copy(bases[src], probed / name, changes)
        done[name] = what
    out = tmp_path / "recalculated"
    files = sorted(map(str, probed.iterdir()))
    batches = [files[i::BATCHES] for i in range(BATCHES)]  # one LibreOffice per core, each its own profile
    runs = [subprocess.Popen([exe, f"-env:UserInstallation=file://{tmp_path / f'lo-profile{i}'}", "--headless",
                              "--calc", "--convert-to", "xlsx", "--outdir", str(out), *batch],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for i, batch in enumerate(batches) if batch]
    for run in runs:
        _, err = run.communicate(timeout=1800)
        assert run.returncode == 0, err.decode(errors="replace")
    assert sorted(p.name for p in out.iterdir()) == sorted(done), "LibreOffice left copies unconverted"
    problems = []
    for name, what in done.items():
        rep = validate_file(plain / name)
        errors = {(i.sheet, i.cell) for i in rep.issues if i.severity == "error"}
        warnings = {(i.sheet, i.cell) for i in rep.issues if i.severity == "warning"}
        red, yellow, status = painted(out / name)
        count = status_count(status)
        if count != rep.errors or red != errors or not yellow <= warnings:
            problems.append((name, what, f"status {status!r} vs validate {rep.errors} errors",
                             "red only", sorted(red - errors), "errors only", sorted(errors - red),
                             "yellow without a warning", sorted(yellow - warnings),
                             [(i.code, i.cell, i.message) for i in rep.issues if i.severity == "error"][:6]))
    assert not problems, problems[:5]


# ---- required means required --------------------------------------------------------------------

def test_a_blank_template_is_not_valid(tmp_path):
    path = tmp_path / "trong.xlsx"
    write_template(path, level="so", year=2024, kind="6_thang")
    rep = validate_file(path)
    assert not rep.valid
    missing = {i.cell for i in rep.issues if i.code == "required"}
    info = load_workbook(path)[SHEETS["info"]["title"]]
    for key in ("agency.name", "report.date"):
        assert _info_cell(info.parent, key) in missing


def test_a_deduction_row_without_a_code_is_an_error_at_its_cell_not_dropped(tmp_path, stc):
    path = tmp_path / "stc.xlsx"
    write_template(path, report=stc)
    wb = load_workbook(path)
    ws = wb[SHEETS["scores"]["title"]]
    r = _deduction_rows(wb)[0]
    ws[f"B{r}"].value = None
    wb.save(tmp_path / "thieu_ma.xlsx")
    rep = validate_file(tmp_path / "thieu_ma.xlsx")
    assert not rep.valid
    assert any(i.code == "required" and i.cell == f"B{r}" and i.sheet == ws.title for i in rep.issues)


def test_a_remediation_row_without_a_solution_is_an_error(tmp_path, stc):
    report = copy.deepcopy(stc)
    report["remediation"][0]["solution"] = None
    path = tmp_path / "khong_giai_phap.xlsx"
    write_template(path, report=report)
    rep = validate_file(path)
    assert [i.code for i in rep.issues if i.severity == "error"] == ["required"]


# ---- the issue codes, said the same way everywhere ---------------------------------------------

def test_the_readme_table_and_the_status_sheet_say_what_issues_json_says(tmp_path):
    issues = spec.load("issues")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `([a-z_]+)` \| (?:lỗi|cảnh báo) \| (.+?) \|$", readme, re.M))
    severity = dict(re.findall(r"^\| `([a-z_]+)` \| (lỗi|cảnh báo) \|", readme, re.M))
    assert table == {code: d["description"] for code, d in issues.items()}
    assert severity == {code: {"error": "lỗi", "warning": "cảnh báo"}[d["severity"]] for code, d in issues.items()}
    # every code has its own message template (no code builds its wording elsewhere)
    assert all("message" in d and d["message"].strip() not in ("{message}",) for d in issues.values())
    # the status sheet lists, in the same words, what only the full check sees
    path = tmp_path / "trong.xlsx"
    write_template(path, level="so", year=2024, kind="nam")
    ws = load_workbook(path)[SHEETS["checks"]["title"]]
    shown = [ws[f"A{r}"].value for r in range(1, ws.max_row + 1) if ws[f"A{r}"].value]
    start = shown.index(FULL_CHECK_HEADING)
    assert shown[start:start + len(full_check_lines())] == full_check_lines()
    assert all(line[2:] in table.values() for line in full_check_lines()[1:])


# ---- criteria that do not apply to the agency ----------------------------------------------------

def test_an_excused_criterion_lowers_the_area_maximum_in_the_workbook_as_in_validate(tmp_path, stc, soffice):
    """7a.3.3.3 (0,5 điểm) excused: area 7a's maximum is 15,5, not 16. A score of 15,6 is an error
    in both engines, and the maximum 15,5 written on the sheet is no mismatch in either."""
    rep = copy.deepcopy(stc)
    rep["not_applicable"] = ["7a.3.3.3"]
    area = next(a for a in rep["areas"] if a["code"] == "7a")
    area["max_score"], area["score"] = 15.5, 15.6
    plain = tmp_path / "khong_ap_dung.xlsx"
    write_template(plain, report=rep)
    result = validate_file(plain)
    assert [(i.code, i.field) for i in result.issues if i.severity == "error"] == [("out_of_range", "areas[6].score")]
    assert not any(i.code == "max_score_mismatch" for i in result.issues)
    wb = load_workbook(plain)
    add_probes(wb)
    probed = tmp_path / "probed" / plain.name
    probed.parent.mkdir()
    wb.save(probed)
    red, yellow, status = painted(soffice(probed, "xlsx"))
    errors = {(i.sheet, i.cell) for i in result.issues if i.severity == "error"}
    warnings = {(i.sheet, i.cell) for i in result.issues if i.severity == "warning"}
    assert status_count(status) == result.errors == 1, status
    assert red == errors
    assert yellow <= warnings, sorted(yellow - warnings)
