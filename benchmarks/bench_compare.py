"""Comparison with the previous period (``cycle.compare``) for a province-sized and a large table.

Run: ``python benchmarks/bench_compare.py`` — prints the seconds to compare N agencies with last
year's N (a tenth renamed through former names, a tenth gone), each with 20 deducted criteria.
"""

from __future__ import annotations

import random
import time

from cchc_xl.consolidate.compare import compare


def basis(n: int, rng: random.Random, prefix: str) -> dict:
    codes = [f"{a}.{b}.{c}" for a in range(1, 9) for b in range(1, 6) for c in range(1, 4)]
    return {"period": {}, "agencies": [
        {"agency": f"{prefix} {i}", "code": None, "level": "xa", "score": 70.0, "max_score": 80.0,
         "percent": round(rng.uniform(60, 99), 2), "rank": i + 1, "of": n,
         "deducted": {c: 0.5 for c in rng.sample(codes, 20)}, "remediation": {"total": 20, "finished": 5},
         "carried": 3, "carried_closed": 1} for i in range(n)]}


def main() -> None:
    rng = random.Random(1)
    for n in (100, 1000, 5000):
        now = basis(n, rng, "UBND xã")
        before = basis(n, rng, "UBND xã")
        for a in before["agencies"][: n // 10]:
            a["agency"] = a["agency"].replace("xã", "xã cũ")
        former = {f"UBND xã {i}": (f"UBND xã cũ {i}",) for i in range(n // 10)}
        for a in now["agencies"][-(n // 10):]:
            a["agency"] += " mới"
        t = time.perf_counter()
        out = compare(now, before, former)
        dt = time.perf_counter() - t
        print(f"{n} cơ quan: {dt:.3f} s ({len(out['rows'])} dòng, {len(out['gone'])} không còn báo cáo)")


if __name__ == "__main__":
    main()
