"""What happens to an agency's uploads in a round: checking and recording them (refused when the
workbook is another period's or another agency's), submitting, returning with a comment, the
annotated copy, the blank or pre-filled workbook to download, and each agency's state on the
round's page."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cchc_xl import spec
from cchc_xl.server import bounds
from cchc_xl.server.errors import ServiceError
from cchc_xl.server.rounds import agencies_of, agency_index, deadline_warning, get_round, is_late, period_label
from cchc_xl.server.rules import submit_rule_sentence, submits_on_upload
from cchc_xl.server.storage import REQUEST_IP, Store, now, safe_name
from cchc_xl.server.worker import Crashed, Workers, annotate, check_file

STATUS_LABELS = {"chua_nop": "Chưa nộp", "co_loi": "Có lỗi", "da_nop": "Đã nộp", "tra_lai": "Bị trả lại"}


# ---- status ---------------------------------------------------------------------------------

def submissions_of(store: Store, agency_id: int) -> list:
    return store.all("SELECT * FROM submissions WHERE agency_id=? ORDER BY id", agency_id)


def agency_state(rnd, agency, subs: list) -> dict:
    """chua_nop / co_loi / da_nop / tra_lai, late, and the submission the state refers to."""
    submitted = [s for s in subs if s["submitted_at"]]
    last_sub = submitted[-1] if submitted else None
    last_up = subs[-1] if subs else None
    troubled = last_up is not None and bool(last_up["errors"] or last_up["unreadable"] or last_up["refusal"])
    if last_sub is not None and not last_sub["returned_at"]:
        status, ref = "da_nop", last_sub
        late = is_late(rnd["deadline"], last_sub["submitted_at"])
    else:
        if last_sub is not None and (last_up["id"] == last_sub["id"] or not troubled):
            status = "tra_lai"
        else:
            status = "co_loi" if troubled else "chua_nop"
        ref = last_up
        late = is_late(rnd["deadline"], None)
    return {"name": agency["name"], "code": agency["code"], "status": status, "label": STATUS_LABELS[status],
            "late": late, "uploaded_at": ref["uploaded_at"] if ref else None,
            "submitted_at": ref["submitted_at"] if ref else None,
            "errors": ref["errors"] if ref else None, "warnings": ref["warnings"] if ref else None,
            "file": ref["original_name"] if ref else None, "submission": ref["id"] if ref else None,
            "contact": agency["contact"], "phone": agency["phone"], "email": agency["email"],
            "agency_id": agency["id"], "uploads": len(subs), "link_active": bool(agency["token_hash"]),
            "problem": None if ref is None else problem_label(ref),
            "macros": bool(ref is not None and ref["macros"])}


def problem_label(sub) -> str | None:
    """The round page's short word on an upload that cannot be submitted as it is (from schemas/)."""
    if sub["unreadable"]:
        return spec.load("issues")["unreadable"]["label"]
    if sub["refusal"]:
        return refusal_label(sub) or spec.label_of("upload_problems", "refusal")
    return None


def round_status(store: Store, rid: int) -> dict:
    rnd = get_round(store, rid)
    subs: dict[int, list] = {}
    for s in store.all("SELECT * FROM submissions WHERE round_id=? ORDER BY id", rid):
        subs.setdefault(s["agency_id"], []).append(s)
    states = [agency_state(rnd, a, subs.get(a["id"], [])) for a in agencies_of(store, rid)]
    received = [s for s in states if s["status"] == "da_nop"]
    return {"id": rnd["id"], "year": rnd["year"], "period": rnd["period"], "deadline": rnd["deadline"],
            "allow_errors": bool(rnd["allow_errors"]), "submit_rule": rnd["submit_rule"], "expected": len(states), "received": len(received),
            "on_time": sum(1 for s in received if not s["late"]), "agencies": states,
            "deadline_warning": deadline_warning(rnd["deadline"], rnd["created_at"]),
            "prefill_unmatched": json.loads(rnd["prefill_unmatched"]) if rnd["prefill_unmatched"] else []}


def public_status(status: dict) -> dict:
    """``GET /api/rounds/{id}``: the fields INTERFACES.md names (plus the code and contact)."""
    keep = ("name", "code", "status", "late", "uploaded_at", "submitted_at", "errors", "warnings", "file",
            "submission", "contact", "phone", "email")
    out = {k: status[k] for k in ("id", "year", "period", "deadline", "allow_errors", "submit_rule", "expected",
                                  "received",
                                  "on_time")}
    out["agencies"] = [{k: a[k] for k in keep} for a in status["agencies"]]
    return out


# ---- uploads --------------------------------------------------------------------------------

def refusal_label(sub) -> str | None:
    """The short words for a refused upload, by the kind stored with it (enums.json
    ``upload_problems``: ``wrong_period``, ``wrong_agency``)."""
    if not sub["refusal"]:
        return None
    return spec.label_of("upload_problems", sub["refusal_kind"] or "refusal")


def _agency_refusal(rows: list, agency, ag: dict) -> str | None:
    """Why a workbook of agency ``ag`` is not the report of ``agency`` (one of the round's ``rows``):
    it is another agency of the round or none, or it fits several (``agency_mismatch``)."""
    from cchc_xl.read.identity import candidates_text, code_field_title, code_key
    from cchc_xl.spec.issues import make

    index = agency_index(rows)
    found = index.resolve(ag.get("name"), ag.get("code"), ag.get("level"))
    if found.index is not None and rows[found.index]["id"] == agency["id"]:
        return None
    if found.ambiguous:
        return make("agency_mismatch", variant="ambiguous" if agency["code"] else "ambiguous_no_code",
                    name=ag.get("name"), count=len(found.candidates), candidates=candidates_text(index.agencies, found),
                    agency=agency["name"], own_code=agency["code"] or "", code_title=code_field_title()).message
    if code_key(agency["code"]) and (found.how == "code" or code_key(ag.get("code"))):
        return make("agency_mismatch", variant="code", code=ag.get("code"), agency=agency["name"],
                    own_code=agency["code"]).message
    return make("agency_mismatch", name=ag.get("name") or "(trống)", agency=agency["name"]).message


def _refusal(rnd, agency, checked: dict, rows: list | None = None) -> tuple[str, str] | None:
    """Why this readable workbook cannot be this agency's report for this round: its kind
    (enums.json ``upload_problems``) and its words (schemas/issues.json)."""
    from cchc_xl.spec.issues import make

    period = checked.get("period") or {}
    if period.get("year") != rnd["year"] or period.get("kind") != rnd["period"]:
        got = period_label(period.get("kind"), period.get("year")) if period.get("kind") else "không rõ kỳ"
        return "wrong_period", make("period_mismatch", got=got,
                                    wanted=period_label(rnd["period"], rnd["year"])).message
    why = _agency_refusal(rows or [agency], agency, checked.get("agency") or {})
    return ("wrong_agency", why) if why else None


def can_submit(rnd, sub) -> str | None:
    """None when the submission may be submitted; otherwise the Vietnamese reason."""
    if sub["unreadable"]:
        return "Tệp không đọc được nên không nộp được; hãy xem lý do và tải lên tệp khác."
    if sub["refusal"]:
        return sub["refusal"]
    if sub["returned_at"]:
        return "Bài này đã bị Sở Nội vụ trả lại; hãy sửa và tải lên lại."
    if sub["errors"] and not rnd["allow_errors"]:
        return f"Bài còn {sub['errors']} lỗi; đợt này không nhận bài còn lỗi. Hãy sửa rồi tải lên lại."
    return None


def _answer(rnd, sub) -> dict:
    val = json.loads(sub["validation"])
    reason = None if sub["submitted_at"] else can_submit(rnd, sub)
    if reason is None and not sub["submitted_at"]:
        reason = (submit_rule_sentence(rnd) if not submits_on_upload(rnd) else
                  "Đã kiểm tra theo yêu cầu, chưa nộp; gửi lại với submit=1 hoặc bấm Nộp bài này để nộp.")
    return {"submission": sub["id"], "submitted": bool(sub["submitted_at"]), "validation": val,
            "refusal": sub["refusal"], "reason": reason}


def _earlier(store: Store, agency, idem_key: str | None):
    if not idem_key:
        return None
    return store.one("SELECT * FROM submissions WHERE agency_id=? AND idem_key=?", agency["id"], idem_key)


async def accept_upload(store: Store, workers: Workers, agency, data: bytes, filename: str | None,
                        submit: bool, via: str, idem_key: str | None = None) -> dict:
    """Store, check, record, (submit); returns the API's answer. Acknowledged = synced and committed.

    ``idem_key`` (the API's ``Idempotency-Key`` header): a client that lost the answer (a dropped
    connection, a server restart) sends again with the same key and gets the first answer back
    instead of a second record. Refused beyond the server's bounds (``bounds``): checks waiting
    for the agency, its storage in the round.
    """
    rnd = get_round(store, agency["round_id"])
    idem_key = (idem_key or "").strip()[:200] or None
    earlier = _earlier(store, agency, idem_key)
    if earlier is not None:
        return {**_answer(rnd, earlier), "repeated": True}
    original = safe_name(filename)
    with bounds.admitted(agency), bounds.storage_reserved(store, agency, len(data)):
        return await _check_and_record(store, workers, rnd, agency, data, original, submit, via, idem_key)


async def _check_and_record(store: Store, workers: Workers, rnd, agency, data: bytes, original: str, submit: bool,
                            via: str, idem_key: str | None) -> dict:
    import asyncio
    import sqlite3

    stored, path = await asyncio.to_thread(store.store_upload, rnd["id"], data, original)
    try:
        checked = await workers.run(check_file, str(path), original, bounds.max_cells(), key=agency["id"])
    except Crashed as exc:
        reason = f"{original}: {bounds.crash_reason(exc)}"
        checked = {"unreadable": True, "period": None, "agency": None, "macros": None,
                   "validation": {"file": original, "valid": False, "errors": 1, "warnings": 0, "agency": None,
                                  "issues": [{"severity": "error", "code": "unreadable", "message": reason,
                                              "sheet": None, "cell": None, "field": None}]}}
    val = checked["validation"]
    refused = None if checked["unreadable"] else _refusal(rnd, agency, checked, agencies_of(store, rnd["id"]))
    kind, refusal = refused or (None, None)
    row = {"unreadable": int(checked["unreadable"]), "errors": val["errors"], "refusal": refusal,
           "returned_at": None}
    submitted_at = now() if submit and submits_on_upload(rnd) and can_submit(rnd, row) is None else None
    try:
        with store.tx() as db:
            sid = db.execute("INSERT INTO submissions(round_id, agency_id, uploaded_at, original_name, stored_name, "
                             "size, sha256, unreadable, errors, warnings, validation, refusal, refusal_kind, submitted_at, "
                             "via, idem_key, macros) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (rnd["id"], agency["id"], now(), original, stored, len(data),
                              hashlib.sha256(data).hexdigest(), row["unreadable"], val["errors"], val["warnings"],
                              json.dumps(val, ensure_ascii=False), refusal, kind, submitted_at, via, idem_key,
                              has_macros(checked.get("macros"), original))).lastrowid
            db.execute("INSERT INTO audit(at, actor, action, detail, ip) VALUES(?, ?, ?, ?, ?)",
                       (now(), f"cơ quan {agency['name']}", "tai_len" if not submitted_at else "tai_len_va_nop",
                        json.dumps({"submission": sid, "file": original, "errors": val["errors"]},
                                   ensure_ascii=False), REQUEST_IP.get()))
    except sqlite3.IntegrityError:  # the same key sent twice at once: the first one stands
        path.unlink(missing_ok=True)
        return {**_answer(rnd, _earlier(store, agency, idem_key)), "repeated": True}
    return _answer(rnd, get_submission(store, sid))


MACRO_WARNING = "Tệp có macro — chỉ mở khi tin cậy"


def has_macros(found: bool | None, original: str) -> int:
    """1 when the worker found a VBA project in the file, or (not known: the check crashed) its
    name says .xlsm."""
    return int(bool(found) if found is not None else Path(original).suffix.lower() == ".xlsm")


def get_submission(store: Store, sid: int):
    row = store.one("SELECT * FROM submissions WHERE id=?", sid)
    if row is None:
        raise ServiceError("không có bài nộp này", 404)
    return row


def submit(store: Store, agency, sid: int) -> None:
    sub = get_submission(store, sid)
    if sub["agency_id"] != agency["id"]:
        raise ServiceError("bài nộp này không thuộc cơ quan của đường dẫn", 403)
    rnd = get_round(store, sub["round_id"])
    reason = can_submit(rnd, sub)
    if reason:
        raise ServiceError(reason, 409)
    if sub["submitted_at"]:
        return
    with store.tx() as db:
        db.execute("UPDATE submissions SET submitted_at=? WHERE id=?", (now(), sid))
        db.execute("INSERT INTO audit(at, actor, action, detail, ip) VALUES(?, ?, ?, ?, ?)",
                   (now(), f"cơ quan {agency['name']}", "nop", json.dumps({"submission": sid}),
                    REQUEST_IP.get()))


def return_submission(store: Store, sid: int, comment: str, actor: str) -> None:
    sub = get_submission(store, sid)
    comment = (comment or "").strip()
    if not comment:
        raise ServiceError("hãy ghi lý do trả lại để cơ quan biết cần sửa gì")
    if not sub["submitted_at"]:
        raise ServiceError("chỉ trả lại được bài đã nộp", 409)
    with store.tx() as db:
        db.execute("UPDATE submissions SET returned_at=? WHERE id=?", (now(), sid))
        db.execute("INSERT INTO comments(submission_id, at, author, text) VALUES(?, ?, ?, ?)",
                   (sid, now(), actor, comment[:4000]))
        db.execute("INSERT INTO audit(at, actor, action, detail, ip) VALUES(?, ?, ?, ?, ?)",
                   (now(), actor, "tra_lai", json.dumps({"submission": sid, "comment": comment[:4000]},
                                                        ensure_ascii=False), REQUEST_IP.get()))


def comments_of(store: Store, agency_id: int) -> dict[int, list]:
    out: dict[int, list] = {}
    for c in store.all("SELECT c.* FROM comments c JOIN submissions s ON s.id=c.submission_id "
                       "WHERE s.agency_id=? ORDER BY c.id", agency_id):
        out.setdefault(c["submission_id"], []).append(c)
    return out


async def annotated_copy(store: Store, workers: Workers, sub) -> Path:
    """The annotated copy of a submission, made once (in a worker) and kept under a generated name."""
    if sub["unreadable"]:
        raise ServiceError("tệp không đọc được nên không có bản đánh dấu lỗi", 409)
    if sub["annotated_name"]:
        return store.file_path(sub["annotated_name"])
    stored = f"{sub['round_id']}/{Path(sub['stored_name']).stem}_danh_dau.xlsx"
    issues = json.loads(sub["validation"])["issues"]
    try:
        reason = await workers.run(annotate, str(store.file_path(sub["stored_name"])), issues,
                                   str(store.file_path(stored)), sub["original_name"], bounds.max_cells(),
                                   key=sub["agency_id"])
    except Crashed as exc:
        reason = bounds.message("annotate_too_slow", seconds=exc.seconds) if exc.timed_out \
            else bounds.message("annotate_crashed")
    if reason:
        raise ServiceError(reason, 422)
    store.execute("UPDATE submissions SET annotated_name=? WHERE id=?", stored, sub["id"])
    return store.file_path(stored)


def blank_workbook(store: Store, agency) -> Path:
    """The agency's workbook for the round: pre-filled when the round has one, else blank with its name."""
    from cchc_xl.workbook.template import write_template

    if agency["prefilled"]:
        return store.file_path(agency["prefilled"])
    rnd = get_round(store, agency["round_id"])
    out = store.round_dir(rnd["id"]) / "bieu_mau" / f"{agency['id']}.xlsx"
    if not out.exists():
        out.parent.mkdir(exist_ok=True)
        write_template(out, level=agency["level"] or "so", year=rnd["year"], kind=rnd["period"],
                       agency=agency["name"])
    return out


def user_file_name(filename: str | None, suffix: str) -> str:
    """The name a user's file is written under in a temporary folder, so that every message about
    it names the file as the user knows it (never a name of the server's)."""
    name = safe_name(filename)
    return name if name.lower().endswith(suffix) else name + suffix


def download_name(agency_name: str, suffix: str) -> str:
    """A plain file name from the agency's name (“Sở Tài chính” → so_tai_chinh.xlsx)."""
    import re

    from cchc_xl.normalize import fold

    return f"{re.sub(r'[^a-z0-9]+', '_', fold(agency_name)).strip('_') or 'co_quan'}{suffix}"
