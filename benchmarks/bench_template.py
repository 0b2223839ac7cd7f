"""Writing agency workbooks: CPU time of one workbook, beside XlsxWriter writing the same content;
``distribute`` of 150 communes.

Run: python benchmarks/bench_template.py [--runs N] [--communes 150] [--skip-distribute]

**One workbook.** ``write_template`` (and ``write_macro_template`` for .xlsm) of a blank ``so``
workbook and of the Sở Tài chính example (seed 004), in one process after a first warm-up
write (imports, catalogs and the VBA project's compression happen once per process): the CPU
time (``time.process_time``) of building and saving, best and median of N runs.

**XlsxWriter.** The same workbook, read back from what we built (every cell's value or formula
and style, column widths, row heights, merged cells, conditional formats, data validations,
defined names, hidden sheets, protection, print setup), written again by XlsxWriter
(``constant_memory`` off, the default); only XlsxWriter's own work is timed. XlsxWriter cannot
add a VBA project built in memory, so the .xlsm rows compare with its .xlsx.

**distribute.** An appraisal workbook with N communes (level xa), each with its deductions (all
criteria of the catalog; the xa set of 2023 lists areas only), then ``distribute`` into an empty folder: wall and CPU time.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cpu() -> float:
    """CPU seconds of this process and of its finished child processes (distribute's writers)."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def timed(fn, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return min(times), statistics.median(times)


# ---- the same content through XlsxWriter -------------------------------------------------------

def _fmt_props(cell) -> dict:
    p: dict = {}
    f = cell.font
    if f is not None:
        p.update(font_name=f.name or "Calibri", font_size=f.sz or 11, bold=bool(f.b), italic=bool(f.i))
        if f.color is not None and isinstance(f.color.rgb, str):
            p["font_color"] = "#" + f.color.rgb[-6:]
    fill = cell.fill
    if fill is not None and fill.fill_type == "solid" and isinstance(fill.fgColor.rgb, str):
        p["bg_color"] = "#" + fill.fgColor.rgb[-6:]
    if cell.border is not None and cell.border.left is not None and cell.border.left.style:
        p["border"] = 1
    a = cell.alignment
    if a is not None:
        if a.wrap_text:
            p["text_wrap"] = True
        if a.vertical:
            p["valign"] = {"center": "vcenter"}.get(a.vertical, a.vertical)
        if a.horizontal:
            p["align"] = a.horizontal
        if a.indent:
            p["indent"] = int(a.indent)
    if cell.number_format and cell.number_format != "General":
        p["num_format"] = cell.number_format
    if cell.protection is not None and not cell.protection.locked:
        p["locked"] = False
    return p


def content(wb) -> list[dict]:
    """What a workbook holds, as plain data (read once, outside the timing)."""
    from openpyxl.utils import range_boundaries

    sheets = []
    for ws in wb.worksheets:
        cells = []
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                cells.append((c.row - 1, c.column - 1, c.value, tuple(sorted(_fmt_props(c).items()))))
        cfs = []
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                d = rule.dxf
                props = {}
                if d is not None and d.fill is not None and isinstance(d.fill.fgColor.rgb, str):
                    props["bg_color"] = "#" + d.fill.fgColor.rgb[-6:]
                if d is not None and d.font is not None and d.font.color is not None:
                    props["font_color"] = "#" + d.font.color.rgb[-6:]
                if d is not None and d.border is not None:
                    props["border"] = 1
                cfs.append((str(cf.sqref), rule.formula[0], tuple(sorted(props.items()))))
        dvs = []
        for dv in ws.data_validations.dataValidation:
            opts = {"validate": {"whole": "integer", "textLength": "length"}.get(dv.type, dv.type),
                    "ignore_blank": True}
            if dv.type == "list":
                opts["source"] = "=" + dv.formula1
            else:
                opts["criteria"] = {"lessThanOrEqual": "<=", None: "between"}.get(dv.operator, dv.operator)
                if opts["criteria"] == "between":
                    opts["minimum"], opts["maximum"] = float(dv.formula1), float(dv.formula2)
                else:
                    opts["value"] = float(dv.formula1)
            if dv.prompt:
                opts["input_title"], opts["input_message"] = dv.promptTitle, dv.prompt
            if dv.error:
                opts["error_title"], opts["error_message"] = dv.errorTitle or "", dv.error
            dvs.append((str(dv.sqref), opts))
        merged = [range_boundaries(str(m)) for m in ws.merged_cells.ranges]
        widths = {k: d.width for k, d in ws.column_dimensions.items() if d.width}
        heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
        sheets.append(dict(title=ws.title, cells=cells, cfs=cfs, dvs=dvs, merged=merged, widths=widths,
                           heights=heights, state=ws.sheet_state, protected=ws.protection.sheet,
                           titles=ws.print_title_rows))
    names = [(n, d.attr_text) for n, d in wb.defined_names.items()]
    return [dict(sheets=sheets, names=names)]


def write_with_xlsxwriter(data: list[dict], out: Path) -> None:
    import xlsxwriter
    from openpyxl.utils import column_index_from_string

    book = xlsxwriter.Workbook(str(out))
    formats: dict = {}
    for sh in data[0]["sheets"]:
        ws = book.add_worksheet(sh["title"])
        for letter, w in sh["widths"].items():
            i = column_index_from_string(letter) - 1
            ws.set_column(i, i, w)
        for r, h in sh["heights"].items():
            ws.set_row(r - 1, h)
        for r, c, v, props in sh["cells"]:
            f = formats.get(props)
            if f is None and props:
                f = formats[props] = book.add_format(dict(props))
            if isinstance(v, str) and v.startswith("="):
                ws.write_formula(r, c, v, f)
            elif v is None:
                ws.write_blank(r, c, None, f)
            else:
                ws.write(r, c, v, f)
        for c1, r1, c2, r2 in sh["merged"]:
            ws.merge_range(r1 - 1, c1 - 1, r2 - 1, c2 - 1, None)
        for sqref, text, props in sh["cfs"]:
            f = formats.get(("cf",) + props)
            if f is None:
                f = formats[("cf",) + props] = book.add_format(dict(props))
            ws.conditional_format(sqref.split()[0], {"type": "formula", "criteria": "=" + text, "format": f,
                                                     "multi_range": sqref})
        for sqref, opts in sh["dvs"]:
            ws.data_validation(sqref.split()[0], dict(opts, multi_range=sqref))
        if sh["titles"]:
            a, b = sh["titles"].replace("$", "").split(":")
            ws.repeat_rows(int(a) - 1, int(b) - 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_footer("&CTrang &P / &N", {"margin": 0.3})
        if sh["protected"]:
            ws.protect()
        if sh["state"] == "hidden":
            ws.hide()
    for name, ref in data[0]["names"]:
        book.define_name(name, "=" + ref)
    book.close()


# ---- distribute ----------------------------------------------------------------------------

def appraisal_with_communes(path: Path, n: int) -> None:
    from openpyxl import load_workbook

    from cchc_xl import spec
    from cchc_xl.cycle.appraisal import write_appraisal_template
    from cchc_xl.read.appraisal import decl

    write_appraisal_template(path, year=2023)
    sheets = decl()["sheets"]
    codes = [c["code"] for c in spec.catalog("xa", 2023).criteria["criteria"]]  # none in the xa set of 2023
    wb = load_workbook(path)
    wb[sheets["info"]["title"]]["B5"] = 2023
    level = spec.label_of("levels", "xa")
    for which, rows in (("registry", [(f"UBND xã Thử {i:03d}", f"X{i:03d}", level) for i in range(1, n + 1)]),
                        ("deductions", [(f"UBND xã Thử {i:03d}", code, None, 0, f"Lý do {code} của xã {i}")
                                        for i in range(1, n + 1) for code in codes[:3]])):
        cols = [c["key"] for c in sheets[which]["columns"]]
        keys = ("name", "code", "level") if which == "registry" else ("agency", "code", "max_score", "score", "reason")
        ws = wb[sheets[which]["title"]]
        for i, row in enumerate(rows):
            for key, value in zip(keys, row):
                if value is not None:
                    ws.cell(row=sheets[which]["header_row"] + 1 + i, column=cols.index(key) + 1, value=value)
    wb.save(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--communes", type=int, default=150)
    ap.add_argument("--skip-distribute", action="store_true")
    args = ap.parse_args()

    from cchc_xl.workbook.macros import write_macro_template
    from cchc_xl.workbook.template import build_workbook, write_template

    report = json.loads((ROOT / "examples" / "so_tai_chinh_2024_6thang.json").read_text(encoding="utf-8"))
    out = Path(tempfile.mkdtemp(prefix="bench-template-"))
    cases = [("blank .xlsx", lambda: write_template(out / "b.xlsx", level="so"), dict(level="so")),
             ("filled .xlsx", lambda: write_template(out / "f.xlsx", report=report), dict(report=report)),
             ("blank .xlsm", lambda: write_macro_template(out / "b.xlsm", level="so"), dict(level="so")),
             ("filled .xlsm", lambda: write_macro_template(out / "f.xlsm", report=report), dict(report=report))]
    first = time.process_time()
    cases[2][1]()  # imports, catalogs, the VBA project: once per process
    print(f"first workbook in a new process (imports and VBA compression included): "
          f"{time.process_time() - first:.3f} s CPU")
    print(f"{'workbook':<14} {'ours best':>10} {'median':>8} {'XlsxWriter best':>16} {'median':>8}")
    for name, fn, kw in cases:
        best, med = timed(fn, args.runs)
        data = content(build_workbook(**kw))
        xbest, xmed = timed(lambda: write_with_xlsxwriter(data, out / "x.xlsx"), args.runs)
        print(f"{name:<14} {best:>9.3f}s {med:>7.3f}s {xbest:>15.3f}s {xmed:>7.3f}s")

    if not args.skip_distribute:
        from cchc_xl.cycle.distribute import distribute

        src = out / "tham_dinh.xlsx"
        appraisal_with_communes(src, args.communes)
        w, c = time.perf_counter(), cpu()
        written = distribute(src, out / "phat")
        print(f"distribute {args.communes} communes: {len(written)} workbooks in "
              f"{time.perf_counter() - w:.1f} s wall, {cpu() - c:.1f} s CPU")


if __name__ == "__main__":
    main()
