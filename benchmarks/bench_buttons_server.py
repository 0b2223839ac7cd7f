"""The Excel buttons through the department's server: what one click costs.

Run: python benchmarks/bench_buttons_server.py [--runs N]

Starts the real server (``cchc-xl serve`` in a subprocess, as the tests do), opens a round from
the sample registry, builds the request the xlwings VBA client posts for a typical filled
workbook (Sở Tài chính, the example report; the faulty variant has one score above its maximum)
and posts it N times to each button's endpoint, as ``CCHC_MayChu.ChayNut`` does. Reported: the
request body's size (the client's JSON: ASCII, ``\\uXXXX`` escapes), the answer's size and the
time from sending to the last byte of the answer — what the person waits for, minus the network
and Excel applying the actions. The first call of each endpoint is shown apart (a fresh worker
process imports and loads the catalogs).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()

    import httpx
    from serverproc import ServerProcess, open_round
    from xlwings_vba import vba_body, vba_payload

    from cchc_xl.workbook.template import write_template

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        stc = json.loads((ROOT / "examples" / "so_tai_chinh_2024_6thang.json").read_text(encoding="utf-8"))
        faulty = copy.deepcopy(stc)
        faulty["deductions"][0]["score"] = faulty["deductions"][0]["max_score"] + 2
        bodies = {"sạch": vba_body(vba_payload(write_template(tmp / "So_Tai_chinh.xlsx", report=stc))),
                  "có lỗi": vba_body(vba_payload(write_template(tmp / "So_Tai_chinh_loi.xlsx", report=faulty)))}
        for name, body in bodies.items():
            print(f"request body ({name}): {len(body) / 1024:.0f} KiB")
        srv = ServerProcess(tmp / "du_lieu").start()
        try:
            rnd = open_round(srv.client())
            token = next(a["token"] for a in rnd["agencies"] if a["code"] == "STC")
            headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
            for endpoint, which in (("kiem-tra", "có lỗi"), ("kiem-tra", "sạch"), ("dien-phu-luc", "sạch"),
                                    ("nop-bao-cao", "sạch")):
                times, size = [], 0
                for i in range(args.runs + 1):
                    t0 = time.perf_counter()
                    r = httpx.post(f"{srv.url}/xlwings/{endpoint}", content=bodies[which], headers=headers,
                                   timeout=300)
                    dt = time.perf_counter() - t0
                    assert r.status_code == 200, r.text
                    size = len(r.content)
                    if i == 0:
                        first = dt
                    else:
                        times.append(dt)
                print(f"{endpoint:<13} {which:<7} first {first * 1000:7.0f} ms   warm median "
                      f"{statistics.median(times) * 1000:6.0f} ms (min {min(times) * 1000:.0f}, "
                      f"max {max(times) * 1000:.0f}, n={len(times)})   answer {size / 1024:.0f} KiB")
        finally:
            srv.stop()


if __name__ == "__main__":
    main()
