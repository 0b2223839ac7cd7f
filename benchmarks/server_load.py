"""Server load: N agencies uploading their workbooks at once against a local ``cchc-xl serve``.

Run:  python benchmarks/server_load.py [--n 300] [--jobs 2]

Bounded and local: the server listens on 127.0.0.1 only (a free port), its data goes to a
temporary folder; the workbooks are benchmarks/_data/n{N} of ``bench_consolidate.py`` (realistic
size, 76 KiB, each with its own agency name and code).

Two runs, each with a fresh server (``--jobs`` reading processes):
1. **steady**: N uploads sent at once (one connection each) through the JSON API; measured:
   wall time and throughput, p50/p95/max of the response time (upload → stored, validated,
   recorded, answered), peak resident memory of the server and its reading processes (sampled
   from /proc every 50 ms); then checked: every answer acknowledged, exactly N records, one per
   agency, every stored file's SHA-256 equal to what was sent, the dashboard counting N received.
2. **kill -9**: the same N uploads (each with an ``Idempotency-Key``); when a third of them are
   acknowledged the server is killed with SIGKILL, restarted on the same data folder, and every
   upload without an answer is sent again with its key (as a client would after a dropped
   connection). Checked: every upload acknowledged before the kill is still there, unchanged;
   no agency has two records (nothing lost, nothing doubled); N received in the end.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

import httpx  # noqa: E402
from bench_consolidate import make_dataset  # noqa: E402
from serverproc import ServerProcess, open_round  # noqa: E402


def registry_for(n: int) -> list[dict]:
    out = []
    for i in range(n):
        level = "huyen" if i % 4 == 3 else "so"
        name = f"Sở thử nghiệm số {i + 1:04d}" if level == "so" else f"UBND huyện thử nghiệm số {i + 1:04d}"
        out.append({"ten": name, "ma": f"TN{i + 1:04d}", "cap": level})
    return out


class MemorySampler(threading.Thread):
    """Peak of the summed resident memory of a process and its descendants (Linux /proc)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def _tree(self) -> list[int]:
        parents: dict[int, int] = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat") as fh:
                        parents[int(d)] = int(fh.read().rsplit(")", 1)[1].split()[1])
                except OSError:
                    pass
        tree, todo = [self.pid], [self.pid]
        while todo:
            p = todo.pop()
            kids = [c for c, pp in parents.items() if pp == p]
            tree += kids
            todo += kids
        return tree

    @staticmethod
    def _rss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, sum(self._rss(p) for p in self._tree()))
            time.sleep(0.05)


async def _send(client: httpx.AsyncClient, token: str, path: Path, key: str | None):
    headers = {"authorization": f"Bearer {token}"}
    if key:
        headers["idempotency-key"] = key
    t = time.perf_counter()
    try:
        r = await client.post("/api/submissions", headers=headers,
                              files={"file": (path.name, path.read_bytes())})
        return time.perf_counter() - t, r.status_code, (r.json() if r.status_code in (200, 201) else None)
    except httpx.HTTPError as exc:
        return time.perf_counter() - t, type(exc).__name__, None


async def upload_all(url: str, jobs: list[tuple[str, Path, str | None]], on_answer=None) -> list:
    limits = httpx.Limits(max_connections=len(jobs), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits) as client:
        async def one(i, job):
            res = await _send(client, *job)
            if on_answer:
                on_answer(i, res)
            return res

        return await asyncio.gather(*(one(i, j) for i, j in enumerate(jobs)))


def records(data_dir: Path) -> list[tuple]:
    db = sqlite3.connect(data_dir / "cchc-xl.sqlite3")
    try:
        return db.execute("SELECT s.id, a.code, s.stored_name, s.sha256, s.submitted_at FROM submissions s "
                          "JOIN agencies a ON a.id = s.agency_id").fetchall()
    finally:
        db.close()


def check_store(data_dir: Path, sent: dict[str, str]) -> dict:
    """Records per agency and whether each stored file is byte-identical to what was sent."""
    rows = [r for r in records(data_dir) if r[1] in sent]
    per = {}
    for sid, code, stored, digest, submitted in rows:
        per.setdefault(code, []).append(sid)
        on_disk = hashlib.sha256((data_dir / "files" / stored).read_bytes()).hexdigest()
        assert on_disk == digest == sent[code], f"stored file of {code} differs"
    return {"records": len(rows), "agencies": len(per), "doubled": sum(1 for v in per.values() if len(v) > 1)}


def steady(n: int, jobs: int, files: list[Path], reg: list[dict], tmp: Path) -> dict:
    srv = ServerProcess(tmp / "steady", ["--jobs", str(jobs)]).start()
    try:
        rnd = open_round(srv.client(), registry=reg)
        tokens = {a["code"]: a["token"] for a in rnd["agencies"]}
        work = [(tokens[r["ma"]], f, None) for r, f in zip(reg, files)]
        sent = {r["ma"]: hashlib.sha256(f.read_bytes()).hexdigest() for r, f in zip(reg, files)}
        mem = MemorySampler(srv.proc.pid)
        mem.start()
        t = time.perf_counter()
        results = asyncio.run(upload_all(srv.url, work))
        wall = time.perf_counter() - t
        mem.stop.set()
        mem.join()
        lat = sorted(r[0] for r in results)
        ok = [r for r in results if r[1] == 201]
        status = srv.client().get(f"/api/rounds/{rnd['id']}").json()
        store = check_store(srv.data_dir, sent)
        # one agency at a time (a second round of 20 agencies): the response time a person sees
        alone = open_round(srv.client(), registry=reg[:20])
        single = sorted(asyncio.run(upload_all(srv.url, [(a["token"], f, None)]))[0][0]
                        for a, f in zip(alone["agencies"], files))
        return {"single_p50_s": round(statistics.median(single), 3), "single_max_s": round(single[-1], 3),
                "n": n, "wall_s": round(wall, 2), "throughput_per_s": round(n / wall, 1),
                "p50_s": round(statistics.median(lat), 2), "p95_s": round(lat[int(0.95 * (n - 1))], 2),
                "max_s": round(lat[-1], 2), "acknowledged": len(ok),
                "submitted": sum(1 for r in ok if r[2]["submitted"]),
                "peak_rss_mib": round(mem.peak / 2 ** 20), "received": status["received"], **store}
    finally:
        srv.stop()


def with_kill(n: int, jobs: int, files: list[Path], reg: list[dict], tmp: Path) -> dict:
    srv = ServerProcess(tmp / "kill", ["--jobs", str(jobs)]).start()
    try:
        rnd = open_round(srv.client(), registry=reg)
        tokens = {a["code"]: a["token"] for a in rnd["agencies"]}
        work = [(tokens[r["ma"]], f, f"lan-1-{r['ma']}") for r, f in zip(reg, files)]
        sent = {r["ma"]: hashlib.sha256(f.read_bytes()).hexdigest() for r, f in zip(reg, files)}
        acked: dict[int, int] = {}
        killed = threading.Event()

        def on_answer(i, res):
            if res[1] == 201 and not killed.is_set():
                acked[i] = res[2]["submission"]
                if len(acked) >= n // 3:
                    killed.set()
                    srv.kill9()

        t = time.perf_counter()
        first = asyncio.run(upload_all(srv.url, work, on_answer))
        before_kill = dict(acked)
        failed = [i for i, r in enumerate(first) if r[1] not in (200, 201)]
        acked_late = sum(1 for i, r in enumerate(first) if r[1] in (200, 201) and i not in before_kill)
        srv.start()
        retry = asyncio.run(upload_all(srv.url, [work[i] for i in failed]))
        # every upload acknowledged before the kill is still there, under the same number
        again = asyncio.run(upload_all(srv.url, [work[i] for i in before_kill]))
        same = sum(1 for (i, sid), r in zip(before_kill.items(), again) if r[1] == 200 and r[2]["submission"] == sid)
        wall = time.perf_counter() - t
        status = srv.client().get(f"/api/rounds/{rnd['id']}").json()
        store = check_store(srv.data_dir, sent)
        return {"n": n, "acknowledged_before_kill": len(before_kill), "answered_in_flight_at_kill": acked_late,
                "failed_by_kill": len(failed), "resent_ok": sum(1 for r in retry if r[1] in (200, 201)),
                "acknowledged_still_there": same, "received": status["received"], "wall_s": round(wall, 1),
                **store}
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    files = sorted(make_dataset(args.n).glob("*.xlsx"))[:args.n]
    reg = registry_for(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        out = {"steady": steady(args.n, args.jobs, files, reg, Path(tmp)),
               "kill_9": with_kill(args.n, args.jobs, files, reg, Path(tmp))}
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
