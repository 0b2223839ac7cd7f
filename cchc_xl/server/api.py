"""The JSON API (INTERFACES.md, "Server"): the same actions as the pages, for scripts."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from cchc_xl.server import consolidation, fields, rounds, submissions
from cchc_xl.server.access import (
    api_caller,
    attachment,
    content_type,
    own_submission,
    server_of,
    too_large,
    upload_allowed,
)
from cchc_xl.server.errors import Refused, too_large_text

router = APIRouter(prefix="/api")


async def _json_body(request: Request) -> dict:
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "Nội dung gửi lên không phải JSON hợp lệ.") from None
    if not isinstance(body, dict):
        raise Refused(400, "Nội dung gửi lên phải là một đối tượng JSON.")
    return body


@router.post("/rounds")
async def open_round(request: Request):
    api_caller(request, allow_agency=False)
    srv = server_of(request)
    body = await _json_body(request)
    agencies = rounds.registry_from_json(body.get("registry"))
    rid = rounds.open_round(srv.store, body.get("year"), body.get("period"), body.get("deadline"), agencies,
                            fields.flag(body.get("allow_errors"), "“allow_errors”"), "API", "registry (API)",
                            body.get("submit_rule"))
    srv.store.audit("API", "mo_dot", {"round": rid, "agencies": len(agencies)}, srv.client_ip(request))
    base = srv.base_url(request)
    warning = rounds.deadline_warning(rounds.get_round(srv.store, rid)["deadline"])
    return JSONResponse({"id": rid, "agencies": [
        {"name": a["name"], "code": a["code"], "token": a["token"], "link": rounds.link(base, a["token"])}
        for a in rounds.agencies_of(srv.store, rid)], "warnings": [warning] if warning else []}, status_code=201)


@router.get("/rounds")
async def list_rounds(request: Request):
    api_caller(request, allow_agency=False)
    return [{"id": r["id"], "year": r["year"], "period": r["period"], "deadline": r["deadline"]}
            for r in rounds.rounds(server_of(request).store)]


@router.get("/rounds/{rid}")
async def round_status(request: Request, rid: int):
    api_caller(request, allow_agency=False)
    return submissions.public_status(submissions.round_status(server_of(request).store, rid))


@router.get("/rounds/{rid}/links.xlsx")
async def links(request: Request, rid: int):
    api_caller(request, allow_agency=False)
    srv = server_of(request)
    data = await run_in_threadpool(rounds.links_workbook, srv.store, rid, srv.base_url(request))
    return attachment(data, f"duong_dan_nop_bai_dot_{rid}.xlsx")


@router.post("/submissions")
async def upload(request: Request):
    kind, agency = api_caller(request, allow_admin=False)
    upload_allowed(request, agency)
    form = await request.form(max_files=1, max_fields=10)
    if too_large(request):
        raise Refused(413, too_large_text(server_of(request).config.max_upload))
    item = form.get("file")
    if item is None or not hasattr(item, "read"):
        raise Refused(400, "Thiếu tệp: gửi biểu mẫu trong trường “file” (multipart/form-data).")
    data = await item.read()
    submit = str(form.get("submit", "1")).strip().lower() not in ("0", "false", "no", "khong")
    answer = await submissions.accept_upload(server_of(request).store, server_of(request).workers, agency, data,
                                             item.filename, submit, "api", request.headers.get("idempotency-key"))
    return JSONResponse(answer, status_code=200 if answer.get("repeated") else 201)


def _visible(request: Request, sid: int):
    kind, agency = api_caller(request)
    store = server_of(request).store
    return own_submission(store, agency, sid) if kind == "agency" else submissions.get_submission(store, sid)


@router.get("/submissions/{sid}")
async def submission(request: Request, sid: int):
    sub = _visible(request, sid)
    store = server_of(request).store
    return {"submission": sub["id"], "uploaded_at": sub["uploaded_at"], "file": sub["original_name"],
            "submitted": bool(sub["submitted_at"]), "submitted_at": sub["submitted_at"],
            "returned_at": sub["returned_at"], "refusal": sub["refusal"], "macros": bool(sub["macros"]),
            "validation": json.loads(sub["validation"]),
            "comments": [{"at": c["at"], "text": c["text"]} for c in
                         submissions.comments_of(store, sub["agency_id"]).get(sub["id"], [])]}


@router.get("/submissions/{sid}/annotated")
async def annotated(request: Request, sid: int):
    sub = _visible(request, sid)
    srv = server_of(request)
    path = await submissions.annotated_copy(srv.store, srv.workers, sub)
    agency = srv.store.one("SELECT name FROM agencies WHERE id=?", sub["agency_id"])
    return FileResponse(path, filename=submissions.download_name(agency["name"], "_danh_dau.xlsx"),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.post("/submissions/{sid}/submit")
async def submit(request: Request, sid: int):
    kind, agency = api_caller(request, allow_admin=False)
    own_submission(server_of(request).store, agency, sid)
    submissions.submit(server_of(request).store, agency, sid)
    return {"submission": sid, "submitted": True}


@router.post("/submissions/{sid}/return")
async def return_submission(request: Request, sid: int):
    api_caller(request, allow_agency=False)
    body = await _json_body(request)
    comment = fields.text(body.get("comment"), "Lý do trả lại (“comment”)", fields.limit("comment")) or ""
    submissions.return_submission(server_of(request).store, sid, comment, "API")
    return {"submission": sid, "returned": True}


@router.post("/rounds/{rid}/consolidate")
async def consolidate(request: Request, rid: int):
    api_caller(request, allow_agency=False)
    srv = server_of(request)
    done = await run_in_threadpool(consolidation.consolidate_round, srv.store, rid, "API", srv.config.catalog_dirs)
    base = srv.base_url(request)
    return {**done["summary"], "consolidation": done["id"],
            "downloads": {k: f"{base}/api/rounds/{rid}/consolidations/{done['id']}/{k}" for k in done["outputs"]}}


@router.get("/rounds/{rid}/consolidations/{cid}/{kind}")
async def consolidation_file(request: Request, rid: int, cid: int, kind: str) -> Response:
    api_caller(request, allow_agency=False)
    path = consolidation.consolidation_file(server_of(request).store, rid, cid, kind)
    return FileResponse(path, filename=path.name, media_type=content_type(path.name))
