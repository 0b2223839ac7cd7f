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
import unicodedata
import zipfile

import pytest
from conftest import ROOT, example_paths, load_example, soffice_path
from openpyxl import load_workbook
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter, range_boundaries
from xlsx_patch import cell_values, col_index, patched_copy, shared_strings, sheet_parts

from cchc_xl import spec
from cchc_xl.check.validate import validate_file
from cchc_xl.normalize import fold
from cchc_xl.numtext import format_number
from cchc_xl.workbook.status_sheet import FULL_CHECK_HEADING, UNDECIDED, full_check_lines
from cchc_xl.workbook.style import RED_FILL, WARN_FILL
from cchc_xl.workbook.template import write_template

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


NBSP, NNBSP = "\u00a0", "\u202f"

# What people really type or paste (issue 22): each kind → a function (workbook, rng) → (sheet, cell, text)
REALISTIC = {
    "status_nbsp": lambda wb, rng: _status(wb, rng, lambda t: t.replace(" ", NBSP, 1) + NBSP),
    "status_alt_enter": lambda wb, rng: _status(wb, rng, lambda t: t + "\n"),
    "status_nfd_mac": lambda wb, rng: _status(wb, rng, lambda t: unicodedata.normalize("NFD", t)),
    "status_wildcard": lambda wb, rng: _status(wb, rng, lambda t: rng.choice(["*", "Đang*", "?ang thực hiện"])),
    "status_spaces_only": lambda wb, rng: _status(wb, rng, lambda t: rng.choice(["  ", NBSP, "\n"])),
    "level_line_break": lambda wb, rng: _info(wb, "agency.level", lambda t: t + "\n"),
    "period_nbsp": lambda wb, rng: _info(wb, "period.kind", lambda t: NBSP + t.replace(" ", NBSP)),
    "count_nbsp_thousands": lambda wb, rng: _number(wb, rng, ("count",), ["1" + NBSP + "250", "2" + NNBSP + "500"]),
    "count_comma_thousands": lambda wb, rng: _number(wb, rng, ("count",), ["1,234,567", "12,345"]),
    "count_dot_decimal": lambda wb, rng: _number(wb, rng, ("count",), ["12.5", "3.25", "1.216", "0.500"]),
    "exponent": lambda wb, rng: _number(wb, rng, ("count", "number", "percent"), ["1e2", "1E+02", "2e1"]),
    "stray_sign": lambda wb, rng: _number(wb, rng, ("count", "percent"), ["50%%", "--5", "5-", "+-3", "%"]),
    "percent_typed": lambda wb, rng: _number(wb, rng, ("percent",), ["90,63 %", "98.73%", "45" + NBSP + "%"]),
    "score_nbsp": lambda wb, rng: _score(wb, rng, ["0,5" + NBSP, NBSP + "0,25", "0.5\n"]),
    "score_words": lambda wb, rng: _score(wb, rng, ["không điểm", "0,5 điểm", "1/2"]),
    "date_pasted": lambda wb, rng: _info(wb, "report.date", lambda t: rng.choice(
        ["15/6/2024" + NBSP, " 15/06/2024\n", "15 / 6 / 2024", "2024-06-15" + NNBSP])),
    "row_below_without_code": lambda wb, rng: _below(wb, rng, None),
    "repeated_code": lambda wb, rng: _below(wb, rng, "again"),
    "choice_typed": lambda wb, rng: _choice(wb, rng),
}


def _status(wb, rng, change):
    ws = wb[SHEETS["remediation"]["title"]]
    rows = _remediation_rows(wb)
    st = rng.choice(spec.statuses())
    c = f"F{rng.choice(rows)}"
    return ws, c, change(rng.choice([st["label"], *st.get("synonyms", [])]))


def _info(wb, key, change):
    ws = wb[SHEETS["info"]["title"]]
    c = _info_cell(wb, key)
    v = ws[c].value
    if key == "agency.level":
        v = spec.label_of("levels", spec.catalog(wb["_meta"]["B4"].value).level) if v is None else v
    return ws, c, change(str(v if v is not None else "6 tháng"))


def _number(wb, rng, kinds, texts):
    ws = wb[SHEETS["indicators"]["title"]]
    return ws, rng.choice(_indicator_cells(wb, kinds)), rng.choice(texts)


def _score(wb, rng, texts):
    ws = wb[SHEETS["scores"]["title"]]
    return ws, f"E{rng.choice(_deduction_rows(wb))}", rng.choice(texts)


def _choice(wb, rng):
    ws = wb[SHEETS["indicators"]["title"]]
    cat = spec.catalog(wb["_meta"]["B4"].value)
    cells = [(c, cat.indicator_by_code[str(ws[f"A{c[1:]}"].value)]) for c in _indicator_cells(wb, ("choice",))]
    c, row = rng.choice(cells)
    ch = rng.choice(row["choices"])
    return ws, c, rng.choice([str(ch["value"]), f" {ch['value']} ", ch["label"] + NBSP,
                              unicodedata.normalize("NFD", ch["label"]), ch["label"] + " ạ", "9"])


def _below(wb, rng, code):
    """A row typed below the Phụ lục III or I table: without a code, or with a code already there."""
    which = rng.choice(["indicators", "propaganda"])
    ws = wb[SHEETS[which]["title"]]
    r = ws.max_row + 1
    while ws[f"A{r}"].value is not None or ws[f"D{r}"].value is not None:
        r += 1
    if code:
        codes = [str(ws[f"A{x}"].value) for x in range(SHEETS[which]["header_row"] + 1, ws.max_row + 1)
                 if ws[f"A{x}"].value and ws[f"D{x}"].value not in (None, "")]
        if not codes:
            return ws, f"E{r}", None
        ws[f"A{r}"].value = rng.choice(codes)
    return ws, f"{rng.choice('DE')}{r}", rng.choice(["5", 7, "Ghi chú thêm", "1" + NBSP + "000"])


def realistic(wb, rng: random.Random) -> str:
    """One realistic fill-in, made in place (strings typed or pasted as people do)."""
    kind = rng.choice(sorted(REALISTIC))
    ws, c, text = REALISTIC[kind](wb, rng)
    ws[c].value = text
    if isinstance(text, str):
        ws[c].data_type = "s"
    return f"{kind} {ws.title}!{c}={text!r}"


def mistake(wb, rng: random.Random) -> str:
    """One mistake, made in place; returns what was done (for the failure message)."""
    if rng.random() < 0.5:
        return realistic(wb, rng)
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
    return last + 4  # and rows typed just below a table


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


def status_count(text: str) -> int | None:
    """The errors the status cell counts; None for "Cần bấm Kiểm tra" (no verdict, never "Hợp lệ")."""
    if text == "Hợp lệ":
        return 0
    if text == UNDECIDED:
        return None
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


# ---- cell by cell: what people type, in every kind of cell -------------------------------------

TYPED = [
    "", " ", NBSP, "\n", "0", "5", "38", " 38 ", "38" + NBSP, "1" + NBSP + "250", "1 250", "2" + NNBSP + "500",
    "1,234,567", "1.234.567", "1.234.567,89", "1,234.5", "1.216", "12.5", "12,5", "0,5", "0,5" + NBSP, "0.500", ".5",
    ",5", "12,", "-1", "-1,5", "+3", "1e2", "1E+02", "50%", "50%%", "90,63%", "90,63 %", "98.73%", "0,9063", "100",
    "150", "1,23,4", "1..2", "--5", "5-", "(5)", "$5", "1/2", "12:30", "abc", "*", "?", "~", "Đang thực hiện",
    "đang thực hiện", "DANG THUC HIEN", "Đang" + NBSP + "thực hiện", "Đang thực hiện\n",
    unicodedata.normalize("NFD", "Đã hoàn thành"), "Đã khắc phục", "Hoàn thành ạ", "Có", "Không" + NBSP,
    unicodedata.normalize("NFD", "Có"), "1", " 0 ", "2", "15/6/2024", "15/6/2024" + NBSP, " 15.6.2024\n",
    "2024-06-15", "31/02/2024", "ngày 15/6", "\u200b7", "７", "TRUE", "x" * 45,
]


def test_typed_strings_give_one_verdict_cell_by_cell(tmp_path):
    """Each string typed into a number (a count), a percent, a score, a status, a choice and the
    report date of one copy: LibreOffice's live checks (one process, every copy) and validate agree
    on every cell and on the count."""
    exe = soffice_path()
    if not exe:
        pytest.skip("LibreOffice (soffice) không có trên máy này")
    assert len(TYPED) >= 60
    src = tmp_path / "stc.xlsx"
    write_template(src, report=load_example("so_tai_chinh_2024_6thang"))
    wb = load_workbook(src)
    probed = tmp_path / "probed_stc.xlsx"
    add_probes(wb)
    wb.save(probed)
    wb = load_workbook(src)
    ind, ded, rem = (SHEETS[k]["title"] for k in ("indicators", "scores", "remediation"))
    targets = {
        ind: [_indicator_cells(wb, (kind,))[0] for kind in ("count", "percent", "choice")],
        ded: [f"E{_deduction_rows(wb)[0]}"],
        rem: [f"F{_remediation_rows(wb)[0]}"],
        SHEETS["info"]["title"]: [_info_cell(wb, "report.date")],
    }
    (tmp_path / "plain").mkdir()
    (tmp_path / "probes").mkdir()
    names = {}
    for n, text in enumerate(TYPED):
        changes = {sheet: {c: text or None for c in cells} for sheet, cells in targets.items()}
        name = f"typed{n:03d}.xlsx"
        patched_copy(src, tmp_path / "plain" / name, changes)
        patched_copy(probed, tmp_path / "probes" / name, changes)
        names[name] = text
    out = tmp_path / "recalculated"
    run = subprocess.run([exe, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless", "--calc",
                          "--convert-to", "xlsx", "--outdir", str(out),
                          *sorted(map(str, (tmp_path / "probes").iterdir()))], capture_output=True, timeout=1800)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    problems = []
    for name, text in names.items():
        rep = validate_file(tmp_path / "plain" / name)
        errors = {(i.sheet, i.cell) for i in rep.issues if i.severity == "error"}
        warnings = {(i.sheet, i.cell) for i in rep.issues if i.severity == "warning"}
        red, yellow, status = painted(out / name)
        if status_count(status) != rep.errors or red != errors or not yellow <= warnings:
            problems.append((repr(text), f"status {status!r} vs validate {rep.errors}", "red only",
                             sorted(red - errors), "errors only", sorted(errors - red), "yellow only",
                             sorted(yellow - warnings)))
    assert not problems, problems[:8]


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


def test_a_remediation_row_without_a_solution_is_a_warning_as_in_the_real_reports(tmp_path, stc):
    """Seed 002 leaves solutions out and was accepted: a warning at the cell, the report stays valid."""
    report = copy.deepcopy(stc)
    report["remediation"][0]["solution"] = None
    path = tmp_path / "khong_giai_phap.xlsx"
    write_template(path, report=report)
    rep = validate_file(path)
    assert rep.valid
    ws = load_workbook(path)[SHEETS["remediation"]["title"]]
    [hit] = [i for i in rep.issues if i.code == "recommended"]
    assert hit.severity == "warning" and hit.sheet == ws.title
    assert hit.cell == f"D{SHEETS['remediation']['header_row'] + 1}"


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


# ---- area scores the real reports leave out ---------------------------------------------------

def test_a_blank_area_score_shows_in_the_workbook_the_figure_validate_computes(tmp_path, sngv, huong_khe, soffice):
    """Seed 000 gives no area scores: the live workbook shows beside each blank score of an area
    with listed deductions the same figure validate computes (no error in either); seed 002 lists
    deductions without scores: no figure, and still no error."""
    for name, doc in (("sngv", sngv), ("hk", huong_khe)):
        plain = tmp_path / f"{name}.xlsx"
        write_template(plain, report=doc)
        rep = validate_file(plain)
        assert rep.errors == 0
        computed = {i.cell: i.message for i in rep.issues if i.code == "area_score_computed"}
        wb = load_workbook(soffice(plain, "xlsx"), data_only=True)
        ws = wb[SHEETS["scores"]["title"]]
        shown = {}
        for r in range(1, 40):
            note = ws[f"F{r}"].value
            if isinstance(note, str) and note.startswith("Điểm đạt tính từ"):
                shown[f"E{r}"] = float(note.rsplit(" ", 1)[1].replace(",", "."))
        assert set(shown) == set(computed)
        for cell, figure in shown.items():
            assert format_number(figure) in computed[cell], (cell, figure, computed[cell])
        assert status_count(wb[SHEETS["checks"]["title"]][SHEETS["checks"]["status_cell"]].value) == 0
        assert (name == "sngv") == bool(shown)
