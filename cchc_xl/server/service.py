"""What the department and the agencies do, once, for both the pages and the JSON API."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from cchc_xl import spec
from cchc_xl.server import bounds, fields
from cchc_xl.server.auth import new_token, token_hash
from cchc_xl.server.errors import ServiceError
from cchc_xl.server.rules import SUBMIT_WHEN_VALID, submit_rule_sentence, submit_rules, submits_on_upload
from cchc_xl.server.storage import REQUEST_IP, Store, now, safe_name
from cchc_xl.server.worker import Crashed, Workers, annotate, check_file

VN = spec.VIETNAM  # deadlines are Vietnamese calendar days
STATUS_LABELS = {"chua_nop": "Chưa nộp", "co_loi": "Có lỗi", "da_nop": "Đã nộp", "tra_lai": "Bị trả lại"}
CONSOLIDATE_SECONDS = 1800


def period_label(kind: str, year: int | None = None) -> str:
    for p in spec.period_kinds():
        if p["key"] == kind:
            return p["words"].format(year=year) if year else p["label"]
    return kind


def level_label(level: str | None) -> str:
    return next((lv["label"] for lv in spec.levels() if lv["key"] == level), level or "")


def local_time(iso: str | None) -> str:
    """An ISO timestamp as the department reads it: dd/mm/yyyy hh:mm, Vietnamese time."""
    if not iso:
        return ""
    return dt.datetime.fromisoformat(iso).astimezone(VN).strftime("%d/%m/%Y %H:%M")


def local_date(iso_date: str) -> str:
    return dt.date.fromisoformat(iso_date).strftime("%d/%m/%Y")


def deadline_warning(deadline: str, opened_iso: str | None = None) -> str | None:
    """The warning of a round whose deadline had passed when it was opened (Vietnamese days)."""
    opened = (dt.datetime.fromisoformat(opened_iso) if opened_iso else dt.datetime.now(dt.timezone.utc)).astimezone(VN)
    if dt.date.fromisoformat(deadline) >= opened.date():
        return None
    return (f"Hạn nộp {local_date(deadline)} đã qua khi mở đợt (ngày {opened.strftime('%d/%m/%Y')}): mọi bài nộp "
            "của đợt này đều bị tính là trễ hạn. Nếu ghi nhầm hạn nộp, hãy mở đợt mới với hạn nộp đúng.")


def is_late(deadline: str, at_iso: str | None) -> bool:
    """After the deadline day (Vietnamese time); ``at_iso`` None means now."""
    at = dt.datetime.fromisoformat(at_iso) if at_iso else dt.datetime.now(dt.timezone.utc)
    return at.astimezone(VN).date() > dt.date.fromisoformat(deadline)


# ---- rounds ---------------------------------------------------------------------------------

@dataclass
class NewAgency:
    name: str
    code: str | None = None
    level: str | None = None
    contact: str | None = None
    phone: str | None = None
    email: str | None = None


def registry_from_file(path: Path) -> list[NewAgency]:
    """The registry file's agencies, with the contact columns when the registry has them. A registry
    two of whose rows would be one agency is refused (``load_registry``: identity rule 4)."""
    from cchc_xl.read.registry import RegistryError, load_registry

    try:
        agencies = load_registry(path)
    except RegistryError as exc:
        raise ServiceError(str(exc)) from None
    out = []
    for a in agencies:
        c = getattr(a, "contact", None)  # the registry's nguoi_lien_he, dien_thoai, email columns
        out.append(NewAgency(a.name, a.code, a.level, getattr(c, "name", None), getattr(c, "phone", None),
                             getattr(c, "email", None)))
    return out


def registry_from_json(items) -> list[NewAgency]:
    if not isinstance(items, list) or not items:
        raise ServiceError("“registry” phải là danh sách cơ quan, mỗi cơ quan có ít nhất “ten”")
    fields.registry_size(items)
    out = []
    levels = {lv["key"] for lv in spec.levels()}
    for i, item in enumerate(items, start=1):
        fields.registry_item(item, i)  # types and lengths (a list as a code, a name of 100,000 characters)
        if not isinstance(item, dict) or not str(item.get("ten") or "").strip():
            raise ServiceError(f"cơ quan thứ {i} của “registry” thiếu tên (“ten”)")
        name = str(item["ten"]).strip()
        level = item.get("cap") or None
        if level is not None and level not in levels:
            raise ServiceError(f"cơ quan “{name}”: cấp “{level}” không hợp lệ (dùng: {', '.join(sorted(levels))})")
        get = (lambda k: str(item[k]).strip() if item.get(k) not in (None, "") else None)
        out.append(NewAgency(name, get("ma"), level, get("nguoi_lien_he"), get("dien_thoai"), get("email")))
    refuse_merged(out, "registry")
    return out


def refuse_merged(agencies: list[NewAgency], source: str) -> None:
    """Identity rule 4: a round never opens with two rows that would be one agency; the reason
    names both (``duplicate_registry_row``), on the page and as the API's 400 answer."""
    from cchc_xl.read.identity import conflicts, refusal_message

    clashes = conflicts(agencies)
    if clashes:
        raise ServiceError(refusal_message(source, agencies, clashes, "item"))


def check_round_fields(year, period, deadline) -> tuple[int, str, str]:
    year = fields.year(year)
    if not 2000 <= year <= 2100:
        raise ServiceError(f"năm {year} ngoài khoảng 2000–2100")
    if not isinstance(period, str) or period not in {p["key"] for p in spec.period_kinds()}:
        shown = period[:40] if isinstance(period, str) else type(period).__name__
        raise ServiceError(f"kỳ báo cáo “{shown}” không hợp lệ (dùng: "
                           f"{', '.join(p['key'] for p in spec.period_kinds())})")
    try:
        if not isinstance(deadline, str):
            raise ValueError
        deadline = dt.date.fromisoformat(deadline).isoformat()
    except ValueError:
        shown = deadline[:40] if isinstance(deadline, str) else type(deadline).__name__
        raise ServiceError(f"hạn nộp “{shown}” không phải ngày dạng YYYY-MM-DD") from None
    return year, period, deadline


def check_submit_rule(rule) -> str:
    rule = rule or SUBMIT_WHEN_VALID
    keys = [r["key"] for r in submit_rules()]
    if rule not in keys:
        raise ServiceError(f"cách nộp “{rule}” không hợp lệ (dùng: {', '.join(keys)})")
    return rule


def open_round(store: Store, year, period, deadline, agencies: list[NewAgency], allow_errors: bool,
               actor: str, registry_name: str | None = None, submit_rule: str | None = None) -> int:
    year, period, deadline = check_round_fields(year, period, deadline)
    submit_rule = check_submit_rule(submit_rule)
    if not agencies:
        raise ServiceError("danh sách cơ quan trống")
    fields.agency_names(agencies)
    refuse_merged(agencies, registry_name or "registry")
    with store.tx() as db:
        rid = db.execute("INSERT INTO rounds(year, period, deadline, allow_errors, created_at, created_by, "
                         "registry_name, submit_rule) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                         (year, period, deadline, int(bool(allow_errors)), now(), actor, registry_name,
                          submit_rule)).lastrowid
        for pos, a in enumerate(agencies):
            tok = new_token()
            db.execute("INSERT INTO agencies(round_id, pos, name, code, level, contact, phone, email, token, "
                       "token_hash) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (rid, pos, a.name, a.code, a.level, a.contact, a.phone, a.email, tok, token_hash(tok)))
    _write_registry_csv(store, rid)
    return rid


def _write_registry_csv(store: Store, rid: int) -> Path:
    import csv
    import io

    from cchc_xl.files.fileio import write_text_atomic

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["ten", "ma", "cap"])
    for a in agencies_of(store, rid):
        w.writerow([a["name"], a["code"] or "", a["level"] or ""])
    return write_text_atomic(store.round_dir(rid) / "danh_sach.csv", buf.getvalue())


def rounds(store: Store) -> list:
    return store.all("SELECT * FROM rounds ORDER BY id DESC")


def get_round(store: Store, rid: int):
    row = store.one("SELECT * FROM rounds WHERE id=?", rid)
    if row is None:
        raise ServiceError("không có đợt báo cáo này", 404)
    return row


def agencies_of(store: Store, rid: int) -> list:
    return store.all("SELECT * FROM agencies WHERE round_id=? ORDER BY pos", rid)


def agency_by_token(store: Store, token: str | None):
    if not token:
        return None
    return store.one("SELECT * FROM agencies WHERE token_hash=?", token_hash(token))


def reissue_link(store: Store, agency_id: int, revoke_only: bool = False) -> str | None:
    tok = None if revoke_only else new_token()
    store.execute("UPDATE agencies SET token=?, token_hash=? WHERE id=?", tok, token_hash(tok) if tok else None,
                  agency_id)
    return tok


def link(base_url: str, token: str | None) -> str | None:
    return f"{base_url.rstrip('/')}/nop/{token}" if token else None


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

def agency_index(rows: list):
    """The matcher of a round's agencies (``rows``): the one identity rule (``identity.AgencyIndex``).

    A round keeps no former names (the registry's are not stored), so a renamed agency matches
    only by its code."""
    from cchc_xl.read.identity import AgencyIndex

    return AgencyIndex([{"name": a["name"], "code": a["code"], "level": a["level"]} for a in rows])


def match_agency(rows: list, ag: dict, index=None):
    """The round agency (of ``rows``) a workbook's agency is, by the identity rule; or None (also
    when several fit). ``index``: ``agency_index(rows)`` when matching many against the same rows."""
    i = (index or agency_index(rows)).match(ag.get("name"), ag.get("code"), ag.get("level"))
    return None if i is None else rows[i]


WRONG_PERIOD_LEAD = "Biểu mẫu này là báo cáo "


def refusal_label(sub) -> str | None:
    """The short words for a refused upload, by its refusal (enums.json ``upload_problems``)."""
    if not sub["refusal"]:
        return None
    return spec.label_of("upload_problems",
                         "wrong_period" if sub["refusal"].startswith(WRONG_PERIOD_LEAD) else "wrong_agency")


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


def _refusal(rnd, agency, checked: dict, rows: list | None = None) -> str | None:
    """Why this readable workbook cannot be this agency's report for this round."""
    period = checked.get("period") or {}
    if period.get("year") != rnd["year"] or period.get("kind") != rnd["period"]:
        got = period_label(period.get("kind"), period.get("year")) if period.get("kind") else "không rõ kỳ"
        return (f"{WRONG_PERIOD_LEAD}{got}, nhưng đợt này nhận báo cáo "
                f"{period_label(rnd['period'], rnd['year'])}. Hãy tải biểu mẫu của đợt này và điền lại.")
    return _agency_refusal(rows or [agency], agency, checked.get("agency") or {})


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
    refusal = None if checked["unreadable"] else _refusal(rnd, agency, checked, agencies_of(store, rnd["id"]))
    row = {"unreadable": int(checked["unreadable"]), "errors": val["errors"], "refusal": refusal,
           "returned_at": None}
    submitted_at = now() if submit and submits_on_upload(rnd) and can_submit(rnd, row) is None else None
    try:
        with store.tx() as db:
            sid = db.execute("INSERT INTO submissions(round_id, agency_id, uploaded_at, original_name, stored_name, "
                             "size, sha256, unreadable, errors, warnings, validation, refusal, submitted_at, via, "
                             "idem_key, macros) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (rnd["id"], agency["id"], now(), original, stored, len(data),
                              hashlib.sha256(data).hexdigest(), row["unreadable"], val["errors"], val["warnings"],
                              json.dumps(val, ensure_ascii=False), refusal, submitted_at, via, idem_key,
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


def prefilled_workbooks(appraisal: Path, year: int, kind: str, folder: Path) -> list[tuple[dict, Path]]:
    """``distribute`` of the round's appraisal workbook into ``folder``: (agency of each, workbook)."""
    from cchc_xl.read.appraisal import DistributeError
    from cchc_xl.cycle.distribute import distribute

    try:
        paths = distribute(appraisal, folder, year=year, kind=kind)
    except DistributeError as exc:
        lines = [f"{i.sheet}!{i.cell}: {i.message}" for i in getattr(exc, "issues", [])[:20]]
        raise ServiceError(" ".join([str(exc), *lines])) from None
    return list(zip(paths.agencies, paths))


def attach_prefilled(store: Store, rid: int, items: list[tuple[dict, Path]]) -> list[str]:
    """Give each round agency its pre-filled workbook; returns the appraisal's agencies not in the
    round (also kept on the round, for its page).

    Each workbook is written durably (``Store.store_upload``) before one transaction records them
    all with the agencies not matched: the round gets all its pre-filled workbooks or none. Blocking
    (file writes, syncs): call it from a worker thread."""
    agencies = agencies_of(store, rid)
    index = agency_index(agencies)
    unknown, found = [], []
    for ag, path in items:
        row = match_agency(agencies, ag, index)
        if row is None:
            unknown.append(ag.get("name") or "?")
            continue
        stored, _ = store.store_upload(rid, Path(path).read_bytes(), f"dien_san_{row['id']}.xlsx")
        found.append((stored, row["id"]))
    with store.tx() as db:
        db.executemany("UPDATE agencies SET prefilled=? WHERE id=?", found)
        db.execute("UPDATE rounds SET prefill_unmatched=? WHERE id=?",
                   (json.dumps(unknown, ensure_ascii=False) if unknown else None, int(rid)))
    return unknown


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


# ---- links list -----------------------------------------------------------------------------

def links_workbook(store: Store, rid: int, base_url: str) -> bytes:
    """The agencies' submission links with the registry's contacts, ready to send (.xlsx)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    rnd = get_round(store, rid)
    wb = Workbook()
    ws = wb.active
    ws.title = "Đường dẫn nộp bài"
    ws.append([f"Đường dẫn nộp báo cáo CCHC {period_label(rnd['period'], rnd['year'])} — hạn nộp "
               f"{local_date(rnd['deadline'])}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    header = ["STT", "Tên cơ quan", "Mã", "Cấp", "Người liên hệ", "Điện thoại", "Email", "Đường dẫn nộp bài"]
    ws.append(header)
    for c in ws[3]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="center")
    for i, a in enumerate(agencies_of(store, rid), start=1):
        row = [i, a["name"], a["code"], level_label(a["level"]), a["contact"], a["phone"], a["email"],
               link(base_url, a["token"]) or "(đã thu hồi)"]
        ws.append(row)
        for c in ws[ws.max_row]:
            if isinstance(c.value, str) and c.value[:1] in "=+-@":
                c.data_type = "s"
    for col, width in zip("ABCDEFGH", (5, 40, 10, 22, 24, 14, 28, 70)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A4"
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = "3:3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- consolidation --------------------------------------------------------------------------

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
