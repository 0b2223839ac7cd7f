"""Consolidation speed and memory on N realistic agency workbooks, beside a naive baseline.

Run:  python benchmarks/bench_consolidate.py [--n 200 1000] [--jobs 2] [--runs 1] [--baseline 200 1000] [--calamine]

Data (benchmarks/_data, git-ignored, reused between runs): a few base workbooks written by the
template writer from generated reports of realistic size (25 deductions, 30 remediation items,
the full Phụ lục III and Phụ lục I), then N copies with their own agency name and code,
derived by rewriting the agency's name and code in the xlsx's XML (worksheets and shared strings) (writing 1,000 workbooks through
openpyxl would take ten minutes).

Measured, each in a fresh process:
- ours: ``cchc-xl consolidate DIR -o OUT.xlsx --json S.json --jobs J`` as a library call, with
  the phases (find, read, build, write) and the peak resident memory of the main process and of
  the largest reading process (``resource.getrusage``);
- baseline: ``pandas.read_excel(f, engine="openpyxl", sheet_name=None)`` on every file, then one
  ``pandas.concat`` per sheet name — the naive way, in one process;
- bare calamine (``--calamine``): python-calamine reading every sheet of every file in one
  process, checking nothing — the floor a consolidation with two reading processes aims at.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "_data"
OUT = ROOT / "benchmarks" / "_out"
sys.path.insert(0, str(ROOT))

BASES = [("so", 11), ("so", 12), ("so", 13), ("huyen", 14)]  # (level, seed) of each base workbook
PLACEHOLDER = "Cơ quan mẫu BASE{k}"
PLACEHOLDER_CODE = "MAUBASE{k}"


def make_bases(folder: Path) -> list[Path]:
    from cchc_xl.demo import sample_report
    from cchc_xl.workbook.template import write_template

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k, (level, seed) in enumerate(BASES):
        path = folder / f"base{k}.xlsx"
        if not path.exists():
            doc = sample_report(PLACEHOLDER.format(k=k), PLACEHOLDER_CODE.format(k=k), level, 2024, "6_thang",
                                random.Random(seed), deductions=25, remediation=30, fill=1.0)
            write_template(path, report=doc)
        out.append(path)
    return out


def make_dataset(n: int) -> Path:
    """N agency workbooks in benchmarks/_data/n{N} (reused when complete)."""
    folder = DATA / f"n{n}"
    stamp = DATA / f"n{n}.complete"
    if stamp.exists() and folder.is_dir():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    bases = make_bases(DATA / "bases")
    cache = []
    for path in bases:
        with zipfile.ZipFile(path) as zf:
            cache.append([(info, zf.read(info.filename)) for info in zf.infolist()])
    t = time.perf_counter()
    for i in range(n):
        k = i % len(bases)
        # the placeholder's ASCII tail, unique per copy: the writer stores letters such as "ẫ" as
        # XML character references, so the whole Vietnamese name cannot be found byte for byte
        tail = f"BASE{k}".encode()
        serial = f"S{i + 1:04d}".encode()
        target = folder / f"don_vi_{i + 1:04d}.xlsx"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for info, data in cache[k]:
                # the name and code sit in a worksheet (inline text) or in the shared strings
                if info.filename.startswith("xl/worksheets/") or info.filename == "xl/sharedStrings.xml":
                    data = data.replace(tail, serial)
                out.writestr(info, data)
    stamp.write_text(f"{n} files in {time.perf_counter() - t:.1f} s\n")
    return folder


# ---- the measured runs (each in a fresh process) -------------------------------------------

OURS = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from cchc_xl.consolidate import consolidate
from cchc_xl.workbook.consolidation import write_consolidated_workbook
src, out, jobs, appendix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
t1 = time.perf_counter()
c = consolidate(src, jobs=jobs)
t2 = time.perf_counter()
write_consolidated_workbook(c, out, appendix=appendix)
summary = c.summary()
with open(out + ".json", "w", encoding="utf-8") as fh:
    json.dump(summary, fh, ensure_ascii=False)
t3 = time.perf_counter()
ru_me, ru_kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
me, kids = ru_me.ru_maxrss, ru_kids.ru_maxrss
cpu = ru_me.ru_utime + ru_me.ru_stime + ru_kids.ru_utime + ru_kids.ru_stime
print(json.dumps({"cpu": cpu, "import": t1 - t0, "find": c.timings["find"], "read": c.timings["read"],
                  "build": c.timings["build"], "write": t3 - t2, "total": t3 - t0,
                  "rss_main_mb": me / 1024, "rss_worker_mb": kids / 1024,
                  "accepted": sum(1 for f in c.files if f.status == "accepted"),
                  "rows": summary["counts"]}))
"""

BASELINE = r"""
import glob, json, resource, sys, time
import pandas as pd
files = sorted(glob.glob(sys.argv[1] + "/*.xlsx"))
t0 = time.perf_counter()
frames = {}
for f in files:
    for name, df in pd.read_excel(f, engine="openpyxl", sheet_name=None).items():
        frames.setdefault(name, []).append(df)
t1 = time.perf_counter()
out = {name: pd.concat(dfs, ignore_index=True) for name, dfs in frames.items()}
t2 = time.perf_counter()
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"cpu": ru.ru_utime + ru.ru_stime, "read": t1 - t0, "concat": t2 - t1, "total": t2 - t0,
                  "rss_main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rows": {k: len(v) for k, v in out.items()}}))
"""

# the floor: a bare python-calamine read of every sheet of every file, one process, nothing checked
CALAMINE = r"""
import glob, json, resource, sys, time
from python_calamine import CalamineWorkbook
files = sorted(glob.glob(sys.argv[1] + "/*.xlsx"))
t0 = time.perf_counter()
cells = 0
for f in files:
    wb = CalamineWorkbook.from_path(f)
    for name in wb.sheet_names:
        cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
t1 = time.perf_counter()
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"cpu": ru.ru_utime + ru.ru_stime, "read": t1 - t0, "total": t1 - t0, "cells": cells,
                  "rss_main_mb": ru.ru_maxrss / 1024}))
"""


def run(code: str, *args) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=env)
    if proc.returncode:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="*", default=[200, 1000])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1, help="runs of ours per N (best is reported)")
    ap.add_argument("--appendix", action="store_true",
                    help="also measure with the provincial appendix sheets of cchc_xl.appendix")
    ap.add_argument("--baseline", type=int, nargs="*", default=None,
                    help="N values to run the naive baseline on (default: all of --n; slow: ~0.3 s a file)")
    ap.add_argument("--calamine", action="store_true",
                    help="also time a bare python-calamine read of every sheet of the same files (one process)")
    args = ap.parse_args()
    baseline_ns = args.n if args.baseline is None else args.baseline
    OUT.mkdir(parents=True, exist_ok=True)
    results = {"cpu_count": os.cpu_count(), "jobs": args.jobs, "load_before": os.getloadavg(), "ours": {},
               "baseline": {}}
    print(f"{os.cpu_count()} CPUs, load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for n in sorted(set(args.n) | set(baseline_ns)):
        folder = make_dataset(n)
        size = sum(p.stat().st_size for p in folder.glob("*.xlsx"))
        print(f"N={n}: {folder} ({size / 2**20:.0f} MiB)", flush=True)
        if n in args.n:
            for appendix in ((False, True) if args.appendix else (False,)):
                best = None
                for _ in range(args.runs):
                    r = run(OURS, folder, OUT / f"tong_hop_{n}.xlsx", args.jobs, int(appendix))
                    if best is None or r["total"] < best["total"]:
                        best = r
                if best["accepted"] != n:  # copies the reader took for one agency measure nothing
                    raise SystemExit(f"only {best['accepted']} of {n} files accepted: the data set is wrong")
                key = "ours_with_appendix" if appendix else "ours"
                results.setdefault(key, {})[n] = best
                print(f"  {'ours + appendix' if appendix else 'ours':<15} total {best['total']:6.2f} s  (import "
                      f"{best['import']:.2f}, read {best['read']:.2f}, build {best['build']:.2f}, write "
                      f"{best['write']:.2f}; CPU {best['cpu']:.1f} s)  peak RSS main {best['rss_main_mb']:.0f} MiB, "
                      f"largest worker "
                      f"{best['rss_worker_mb']:.0f} MiB", flush=True)
        if n in args.n and args.calamine:
            k = run(CALAMINE, folder)
            results.setdefault("calamine", {})[n] = k
            print(f"  {'bare calamine':<15} total {k['total']:6.2f} s  (CPU {k['cpu']:.1f} s, {k['cells']:,} cells)  "
                  f"peak RSS {k['rss_main_mb']:.0f} MiB", flush=True)
            if n in results["ours"]:
                print(f"  ours / bare calamine read: {results['ours'][n]['total'] / k['total']:.2f}×", flush=True)
        if n in baseline_ns:
            b = run(BASELINE, folder)
            results["baseline"][n] = b
            print(f"  {'baseline':<15} total {b['total']:6.2f} s  (read {b['read']:.2f}, concat {b['concat']:.2f})  "
                  f"peak RSS {b['rss_main_mb']:.0f} MiB", flush=True)
        if n in results["ours"] and n in results["baseline"]:
            print(f"  speed-up over the baseline's reading alone: "
                  f"{results['baseline'][n]['read'] / results['ours'][n]['total']:.1f}×", flush=True)
    ns = sorted(results["ours"])
    if len(ns) >= 2:
        a, b = results["ours"][ns[0]], results["ours"][ns[-1]]
        print(f"growth: {ns[-1] / ns[0]:.1f}× the files took {b['total'] / a['total']:.2f}× the time "
              f"(reading {b['read'] / a['read']:.2f}×)")
    (OUT / "bench_consolidate.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
