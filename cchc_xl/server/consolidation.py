"""The consolidation of a round: the latest submitted workbook of every agency, consolidated by
``cchc-xl consolidate`` itself in a separate process, and the files it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cchc_xl.server.errors import ServiceError
from cchc_xl.server.rounds import agencies_of, get_round
from cchc_xl.server.storage import Store, now
from cchc_xl.server.submissions import agency_state, download_name, get_submission, submissions_of

CONSOLIDATE_SECONDS = 1800


def latest_submitted(store: Store, rid: int) -> list:
    rnd = get_round(store, rid)
    out = []
    for a in agencies_of(store, rid):
        subs = submissions_of(store, a["id"])
        st = agency_state(rnd, a, subs)
        if st["status"] == "da_nop":
            out.append((a, get_submission(store, st["submission"])))
    return out


def consolidate_round(store: Store, rid: int, actor: str, catalog_dirs: list[str] | None = None) -> dict:
    """Consolidate the latest submitted file of every agency with ``cchc-xl consolidate`` itself."""
    rnd = get_round(store, rid)
    chosen = latest_submitted(store, rid)
    if not chosen:
        raise ServiceError("chưa có cơ quan nào nộp bài trong đợt này", 409)
    cid = store.execute("INSERT INTO consolidations(round_id, created_at, created_by, folder) VALUES(?, ?, ?, ?)",
                        rid, now(), actor, "")
    folder = store.round_dir(rid) / f"tong_hop_{cid}"
    inbox = folder / "bai_nop"
    inbox.mkdir(parents=True)
    taken: set[str] = set()
    for a, sub in chosen:
        target = inbox / download_name(a["name"], Path(sub["stored_name"]).suffix)
        if target.name in taken:  # names alike without diacritics (Bình Thạnh, Bình Thanh): never overwrite
            target = inbox / download_name(a["name"], f"_{a['id']}{Path(sub['stored_name']).suffix}")
        taken.add(target.name)
        try:
            os.link(store.file_path(sub["stored_name"]), target)
        except OSError:
            import shutil

            shutil.copyfile(store.file_path(sub["stored_name"]), target)
    base = f"tong_hop_{rnd['year']}_{rnd['period']}"
    outputs = {"workbook": folder / f"{base}.xlsx", "json": folder / f"{base}.json"}
    cmd = [sys.executable, "-m", "cchc_xl"]
    for d in catalog_dirs or []:
        cmd += ["--catalog", str(d)]
    cmd += ["consolidate", str(inbox), "-o", str(outputs["workbook"]), "--json", str(outputs["json"]),
            "--registry", str(store.round_dir(rid) / "danh_sach.csv"), "--year", str(rnd["year"]),
            "--period", rnd["period"], "--quiet"]
    outputs["report"] = folder / f"bao_cao_{rnd['year']}_{rnd['period']}.docx"
    cmd += ["--docx", str(outputs["report"])]
    previous = _previous_summary(store, rid)
    if previous:
        cmd += ["--previous", str(previous)]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace",
                              timeout=CONSOLIDATE_SECONDS, env=env, cwd=str(folder))
        code, message = proc.returncode, (proc.stderr or "").strip()[-2000:]
    except subprocess.TimeoutExpired:
        code, message = -1, "quá thời gian tổng hợp"
    summary = None
    if outputs["json"].is_file():
        summary = json.loads(outputs["json"].read_text(encoding="utf-8"))
    present = {k: str(p.relative_to(store.rounds_dir)) for k, p in outputs.items() if p.is_file()}
    store.execute("UPDATE consolidations SET folder=?, summary=?, outputs=?, exit_code=?, message=? WHERE id=?",
                  str(folder.relative_to(store.rounds_dir)), json.dumps(summary, ensure_ascii=False) if summary
                  else None, json.dumps(present), code, message, cid)
    store.audit(actor, "tong_hop", {"round": rid, "consolidation": cid, "files": len(chosen), "exit_code": code})
    if summary is None:
        raise ServiceError(f"không tổng hợp được: {message or 'lỗi không rõ'}", 500)
    return {"id": cid, "summary": summary, "outputs": present}


def _previous_summary(store: Store, rid: int) -> Path | None:
    row = store.one("SELECT outputs FROM consolidations WHERE round_id<? AND summary IS NOT NULL "
                    "ORDER BY round_id DESC, id DESC LIMIT 1", rid)
    if row is None:
        return None
    rel = json.loads(row["outputs"]).get("json")
    return store.rounds_dir / rel if rel else None


def consolidations_of(store: Store, rid: int) -> list[dict]:
    out = []
    for c in store.all("SELECT * FROM consolidations WHERE round_id=? ORDER BY id DESC", rid):
        summary = json.loads(c["summary"]) if c["summary"] else None
        out.append({"id": c["id"], "created_at": c["created_at"], "created_by": c["created_by"],
                    "exit_code": c["exit_code"], "message": c["message"], "summary": summary,
                    "outputs": json.loads(c["outputs"]) if c["outputs"] else {}})
    return out


def consolidation_file(store: Store, rid: int, cid: int, kind: str) -> Path:
    row = store.one("SELECT outputs FROM consolidations WHERE id=? AND round_id=?", cid, rid)
    rel = json.loads(row["outputs"] or "{}").get(kind) if row else None
    if not rel:
        raise ServiceError("không có tệp này", 404)
    path = (store.rounds_dir / rel).resolve()
    if store.rounds_dir not in path.parents:
        raise ServiceError("không có tệp này", 404)
    return path
