"""The Excel buttons: import time of cchc_xl.excel and the time of each button's work.

Run: python benchmarks/bench_excel.py [--runs N]

A button click (RunPython) starts a new Python that imports xlwings, then cchc_xl.excel, then
does the work. Measured here, each in a new process unless said otherwise:

- ``import cchc_xl.excel`` alone (the module's own cost; heavy libraries stay out of it);
- ``import xlwings`` alone (xlwings' cost, outside our control: it imports numpy and pandas
  when they are installed);
- ``validate_book`` on a typical filled workbook (Sở Tài chính, seed 004) opened through
  xlwings' remote engine (``xw.Book(json=…)``): first call in a new process (lazy imports,
  catalog and schema loading included) and warm calls; the same for ``fill_appendix_book``;
- ``consolidate_book`` on the three example agencies.

With desktop Excel, reading and writing go through COM instead of a JSON payload, which adds
Excel's own time for each call; the figures here are the Python side.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


def show(label, xs):
    print(f"{label:<58} median {statistics.median(xs) * 1000:7.1f} ms   "
          f"(min {min(xs) * 1000:.1f}, max {max(xs) * 1000:.1f}, n={len(xs)})")


def in_new_process(code: str, runs: int) -> list[float]:
    """Seconds measured inside a new interpreter by ``code`` (which prints them)."""
    out = []
    for _ in range(runs):
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
        if res.returncode:
            raise SystemExit(res.stderr)
        out.append(float(res.stdout.strip().splitlines()[-1]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    from cchc_xl import excel
    from cchc_xl.workbook.macros import CONFIG_HEADER_ROW, build_consolidation_workbook
    from cchc_xl.workbook.template import write_template

    tmp = Path(tempfile.mkdtemp())
    report = json.loads((ROOT / "examples" / "so_tai_chinh_2024_6thang.json").read_text(encoding="utf-8"))
    path = tmp / "so_tai_chinh.xlsx"
    write_template(path, report=report)
    payload = tmp / "payload.json"
    payload.write_text(json.dumps(excel.payload_from_file(path), ensure_ascii=False), encoding="utf-8")
    print(f"workbook: {path.name}, {path.stat().st_size / 1024:.0f} KiB; payload "
          f"{payload.stat().st_size / 1024:.0f} KiB")

    timer = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    show("import cchc_xl.excel (new process)", in_new_process(timer.format(stmt="import cchc_xl.excel"), args.runs))
    show("import xlwings (new process)", in_new_process(timer.format(stmt="import xlwings"), args.runs))
    show("import xlwings, cchc_xl.excel (new process)",
         in_new_process(timer.format(stmt="import xlwings, cchc_xl.excel"), args.runs))
    open_book = (f"import json, xlwings as xw, cchc_xl.excel as e; "
                 f"p = json.load(open({str(payload)!r}, encoding='utf-8')); b = xw.Book(json=p); "
                 "b.app.alert = lambda *a, **k: None; ")
    cold = "import time; {open}t = time.perf_counter(); e.{fn}(b); print(time.perf_counter() - t)"
    show("validate_book, first call (new process)",
         in_new_process(cold.format(open=open_book, fn="validate_book"), args.runs))
    show("fill_appendix_book, first call (new process)",
         in_new_process(cold.format(open=open_book, fn="fill_appendix_book"), args.runs))

    import xlwings as xw

    data = json.loads(payload.read_text(encoding="utf-8"))

    def warm(fn):
        xs = []
        for _ in range(args.runs):
            book = xw.Book(json=json.loads(json.dumps(data)))
            t = time.perf_counter()
            fn(book)
            xs.append(time.perf_counter() - t)
        return xs

    excel.validate_book(xw.Book(json=json.loads(json.dumps(data))))
    show("validate_book (in process, warm)", warm(excel.validate_book))
    show("fill_appendix_book (in process, warm)", warm(excel.fill_appendix_book))

    sub = tmp / "bai_nop"
    sub.mkdir()
    for p in sorted((ROOT / "examples").glob("*.json")):
        write_template(sub / (p.stem + ".xlsx"), report=json.loads(p.read_text(encoding="utf-8")))
    wb = build_consolidation_workbook()
    wb["Cấu hình"].cell(row=CONFIG_HEADER_ROW + 1, column=2, value=str(sub))
    wb["Cấu hình"].cell(row=CONFIG_HEADER_ROW + 2, column=2, value=str(ROOT / "examples" / "registry.csv"))
    cpath = tmp / "tong_hop.xlsx"
    wb.save(cpath)
    cdata = excel.payload_from_file(cpath)
    xs = []
    for _ in range(max(3, args.runs // 2)):
        book = xw.Book(json=json.loads(json.dumps(cdata)))
        t = time.perf_counter()
        excel.consolidate_book(book)
        xs.append(time.perf_counter() - t)
    show(f"consolidate_book, {len(list(sub.glob('*.xlsx')))} files (in process)", xs)


if __name__ == "__main__":
    main()
