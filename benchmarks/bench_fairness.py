"""Fairness of the server's checking: one link sending heavy workbooks beside other agencies'
ordinary uploads.

Run:  python benchmarks/bench_fairness.py [--others 50] [--heavy 6] [--runs 3] [--jobs 2] [--root DIR]

Bounded and local: one ``cchc-xl serve`` on 127.0.0.1 (a free port), its data in a temporary
folder; every scenario is a fixed number of uploads through the JSON API, each in a new round.

- **alone**: the ``--others`` ordinary workbooks (``bench_consolidate``'s, 76 KiB, one agency
  each) sent at once — the unloaded figure; and, in a round of its own, one ordinary upload;
- **over**: ``--heavy`` crafted workbooks from one link (about 1.1 million numbers in Thống kê
  E:BL below the table: every bound of the reader holds, the file is ~7 MB) sent at once, and
  0.3 s later the same ordinary uploads (and, in a round of its own, the one ordinary upload);
- **near**: the same with crafted workbooks just under the cell budget (``schemas/limits.json``),
  which are checked in full;
- then the annotated copy of one "near" upload and of one "over" upload (time; the server's and
  its workers' peak resident memory over the whole run).

Reported: p50/p95/max of the other agencies' response times per scenario (median over
``--runs``), the ratio of the loaded p95 to the unloaded one, what the heavy link got (statuses,
times). ``--root DIR`` runs the server of another checkout (e.g. the code before this change)
with the same client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

import httpx  # noqa: E402
import serverproc  # noqa: E402
from bench_consolidate import DATA, make_dataset  # noqa: E402
from server_load import MemorySampler, registry_for  # noqa: E402
from serverproc import ServerProcess, open_round  # noqa: E402
from xlsx_patch import padded_copy  # noqa: E402


def crafted(base: Path, cells: int, tag: str, copies: int) -> list[Path]:
    folder = DATA / f"crafted_{tag}"
    folder.mkdir(parents=True, exist_ok=True)
    first = folder / "nang_1.xlsx"
    if not first.exists():
        padded_copy(base, first, "Thống kê", cells)
    out = [first]
    for i in range(2, copies + 1):
        p = folder / f"nang_{i}.xlsx"
        if not p.exists():
            shutil.copyfile(first, p)
        out.append(p)
    return out


async def _send(client, token, path: Path, t0: float):
    t = time.perf_counter()
    try:
        r = await client.post("/api/submissions", headers={"authorization": f"Bearer {token}"},
                              files={"file": (path.name, path.read_bytes())}, data={"submit": "0"})
        body = r.json() if r.status_code in (200, 201) else None
        return time.perf_counter() - t, r.status_code, body, t - t0
    except httpx.HTTPError as exc:
        return time.perf_counter() - t, type(exc).__name__, None, t - t0


async def scenario(url: str, others: list[tuple[str, Path]], heavy: list[tuple[str, Path]]):
    limits = httpx.Limits(max_connections=len(others) + len(heavy) + 4, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, timeout=900, limits=limits) as client:
        t0 = time.perf_counter()
        h = [asyncio.create_task(_send(client, tok, p, t0)) for tok, p in heavy]
        if heavy:
            await asyncio.sleep(0.3)
        o = [asyncio.create_task(_send(client, tok, p, t0)) for tok, p in others]
        return await asyncio.gather(*o), await asyncio.gather(*h)


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[int(q * (len(v) - 1))]


def run(args) -> dict:
    n = args.others
    files = sorted(make_dataset(n + 1).glob("*.xlsx"))
    reg = registry_for(n + 1)
    base = files[n]  # the heavy link's own workbook, its agency in the round
    from cchc_xl import spec

    budget = spec.limits()["check"]["max_cells"]
    sets = {"over": crafted(base, 1_100_000, "over", args.heavy),
            "near": crafted(base, budget - 12_000, "near", args.heavy)}  # the form itself holds ~8,200
    if args.root:
        serverproc.ROOT = Path(args.root).resolve()
    tmp = Path(tempfile.mkdtemp(prefix="bench_fair_"))
    srv = ServerProcess(tmp / "du_lieu", ["--jobs", str(args.jobs)]).start()
    mem = MemorySampler(srv.proc.pid)
    mem.start()
    results: dict[str, list] = {"alone": [], "over": [], "near": []}
    single: dict[str, list] = {"alone": [], "over": [], "near": []}
    heavy_seen: dict[str, list] = {"over": [], "near": []}
    last_sub: dict[str, int] = {}
    try:
        for _ in range(args.runs):
            for name in ("alone", "over", "near"):
                rnd = open_round(srv.client(), registry=reg)
                tok = {a["code"]: a["token"] for a in rnd["agencies"]}
                others = [(tok[r["ma"]], f) for r, f in zip(reg[:n], files[:n])]
                heavy = [] if name == "alone" else [(tok[reg[n]["ma"]], p) for p in sets[name]]
                # one ordinary upload, alone or 0.3 s after the heavy link's files (another round)
                one = open_round(srv.client(), registry=reg)
                otok = {a["code"]: a["token"] for a in one["agencies"]}
                o1, _ = asyncio.run(scenario(srv.url, [(otok[reg[0]["ma"]], files[0])],
                                             [] if name == "alone" else [(otok[reg[n]["ma"]], p) for p in sets[name]]))
                single[name].append(o1[0][0])
                o, h = asyncio.run(scenario(srv.url, others, heavy))
                bad = [r[1] for r in o if r[1] != 201]
                assert not bad, f"{name}: other agencies refused {bad}"
                lat = [r[0] for r in o]
                results[name].append({"p50": statistics.median(lat), "p95": pct(lat, 0.95), "max": max(lat)})
                if heavy:
                    heavy_seen[name].append([(round(r[0], 2), r[1], _what(r[2])) for r in h])
                    subs = [r[2]["submission"] for r in h if r[2]]
                    if subs:
                        last_sub[name] = (subs[-1], tok[reg[n]["ma"]])
        annotated = {}
        for name, (sid, token) in last_sub.items():
            t = time.perf_counter()
            try:
                r = httpx.get(f"{srv.url}/api/submissions/{sid}/annotated", timeout=900,
                              headers={"authorization": f"Bearer {token}"})
                annotated[name] = {"status": r.status_code, "s": round(time.perf_counter() - t, 2),
                                   "size_kib": round(len(r.content) / 1024)}
            except httpx.HTTPError as exc:
                annotated[name] = {"status": type(exc).__name__, "s": round(time.perf_counter() - t, 2)}
    finally:
        mem.stop.set()
        mem.join()
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    summary = {}
    for name, runs in results.items():
        summary[name] = {k: round(statistics.median(r[k] for r in runs), 2) for k in ("p50", "p95", "max")}
        summary[name]["p95_runs"] = [round(r["p95"], 2) for r in runs]
        summary[name]["one_upload_s"] = [round(x, 2) for x in single[name]]
    for name in ("over", "near"):
        summary[name]["p95_vs_alone"] = round(summary[name]["p95"] / summary["alone"]["p95"], 2)
        summary[name]["heavy_link"] = heavy_seen[name]
    return {"others": n, "heavy": args.heavy, "jobs": args.jobs, "runs": args.runs, "cell_budget": budget,
            "root": str(serverproc.ROOT), "sizes_mib": {k: round(v[0].stat().st_size / 2 ** 20, 1) for k, v in sets.items()},
            **summary, "annotated": annotated, "peak_rss_mib": round(mem.peak / 2 ** 20)}


def _what(body) -> str:
    if not body:
        return "-"
    v = body["validation"]
    if v["issues"] and v["issues"][0]["code"] == "unreadable":
        return "từ chối: " + v["issues"][0]["message"][:60]
    return f"{v['errors']} lỗi"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--others", type=int, default=50)
    ap.add_argument("--heavy", type=int, default=6)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--root", help="checkout whose server runs (default: this one)")
    args = ap.parse_args()
    print(json.dumps(run(args), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
