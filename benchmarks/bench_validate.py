"""Validation speed: one typical filled workbook, in process and as a whole command.

Run: python benchmarks/bench_validate.py [--runs N]
Prints the median and min/max of N runs for: reading (calamine + reader), reading + all checks
(in process, warm), and `cchc-xl validate FILE` as a new process (start-up included); reading and
the command are also timed without the reading child process (CCHC_XL_ISOLATE=0).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn, runs):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def show(label, xs):
    print(f"{label:<48} median {statistics.median(xs) * 1000:7.1f} ms   "
          f"(min {min(xs) * 1000:.1f}, max {max(xs) * 1000:.1f}, n={len(xs)})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    from cchc_xl.check.validate import validate_file
    from cchc_xl.read.agency import read_file
    from cchc_xl.workbook.template import write_template

    report = json.loads((ROOT / "examples" / "so_tai_chinh_2024_6thang.json").read_text(encoding="utf-8"))
    tmp = Path(tempfile.mkdtemp())
    path = tmp / "so_tai_chinh.xlsx"
    write_template(path, report=report)
    print(f"workbook: {path.stat().st_size / 1024:.0f} KiB, {len(report['deductions'])} deductions, "
          f"{len(report['remediation'])} remediation items, {len(report['indicators'])} indicator values")
    validate_file(path)  # warm caches (catalogs, schema)
    show("read only (in process, warm)", timed(lambda: read_file(path), args.runs))
    import os

    from cchc_xl.files import isolate

    os.environ["CCHC_XL_ISOLATE"] = "0"  # the same without the reading child (isolate.py), for comparison
    show("read only, no reading child", timed(lambda: read_file(path), args.runs))
    cmd = [sys.executable, "-m", "cchc_xl", "validate", str(path)]
    show("cchc-xl validate FILE, no reading child", timed(lambda: subprocess.run(cmd, capture_output=True),
                                                          max(5, args.runs // 2)))
    del os.environ["CCHC_XL_ISOLATE"]
    isolate.reset()
    show("read + validate (in process, warm)", timed(lambda: validate_file(path), args.runs))
    cmd = [sys.executable, "-m", "cchc_xl", "validate", str(path)]
    show("cchc-xl validate FILE (new process)", timed(lambda: subprocess.run(cmd, capture_output=True), max(5, args.runs // 2)))
    cmd = [sys.executable, "-c", "import cchc_xl.check.validate"]
    show("python -c 'import cchc_xl.check.validate'", timed(lambda: subprocess.run(cmd, capture_output=True), 5))


if __name__ == "__main__":
    main()
