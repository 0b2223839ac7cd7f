"""Vietnamese pages (Jinja2, no JavaScript): the department's sign-in, rounds and dashboard, and
each agency's page reached through its link."""

from __future__ import annotations

import json
import tempfile
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cchc_xl import spec
from cchc_xl.server import accounts, consolidation, rounds, submissions
from cchc_xl.server.access import (
    SESSION_COOKIE,
    agency_by_link,
    agency_csrf,
    attachment,
    check_csrf,
    content_type,
    department,
    own_submission,
    server_of,
    too_large,
    upload_allowed,
)
from cchc_xl.server.auth import check_password
from cchc_xl.server.chart import rate_chart
from cchc_xl.server.errors import ADMIN_USER, MB, Refused, ServiceError, sentence, too_large_text
from cchc_xl.server.rules import submit_rule_sentence, submit_rules, submits_on_upload

router = APIRouter()
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "server"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@lru_cache(maxsize=1)
def _env():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    env.filters["time"] = rounds.local_time
    env.filters["date"] = rounds.local_date
    env.filters["period"] = lambda kind, year=None: rounds.period_label(kind, year)
    env.filters["level"] = rounds.level_label
    env.globals["macro_warning"] = submissions.MACRO_WARNING
    env.filters["role"] = accounts.role_label
    env.filters["issue_title"] = _issue_title
    env.filters["refusal_label"] = submissions.refusal_label
    env.globals["may"] = accounts.may
    return env


def _issue_title(code: str | None) -> str:
    """The issue's Vietnamese title (schemas/issues.json), never its code."""
    entry = spec.load("issues").get(code or "")
    return entry["label"] if entry else ""


def render(name: str, status: int = 200, **ctx) -> HTMLResponse:
    return HTMLResponse(_env().get_template(name).render(**ctx), status_code=status)


ERROR_TITLES = {401: "Chưa được phép", 403: "Không được phép", 404: "Không tìm thấy", 413: "Tệp quá lớn",
                429: "Quá nhiều yêu cầu", 409: "Chưa làm được", 422: "Không làm được"}


def error_html(status: int, message: str) -> str:
    return _env().get_template("error.html").render(title=ERROR_TITLES.get(status, "Có lỗi"), message=message)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return HTMLResponse(error_html(status, message), status_code=status)


@router.get("/static/style.css")
async def style():
    return Response((TEMPLATES / "style.css").read_text(encoding="utf-8"), media_type="text/css",
                    headers={"cache-control": "max-age=3600"})


# ---- the department -------------------------------------------------------------------------

def _login_csrf(request: Request, pre: str) -> str:
    return server_of(request).keys.sign(f"login:{pre}")


@router.get("/")
async def home(request: Request):
    return RedirectResponse("/so-noi-vu", status_code=303)


@router.get("/dang-nhap")
async def login_page(request: Request):
    import secrets

    pre = request.cookies.get("cchc_pre") or secrets.token_urlsafe(16)
    resp = render("login.html", csrf=_login_csrf(request, pre), user=ADMIN_USER, error=None)
    resp.set_cookie("cchc_pre", pre, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return resp


@router.post("/dang-nhap")
async def login(request: Request):
    srv = server_of(request)
    form = await request.form()
    check_csrf(form.get("csrf"), _login_csrf(request, request.cookies.get("cchc_pre") or ""))
    ip = srv.client_ip(request)
    wait = srv.login_limit.retry_after(ip)  # only failed sign-ins count
    if wait:
        raise Refused(429, f"Đăng nhập sai quá nhiều lần; hãy thử lại sau {max(1, round(wait / 60))} phút.",
                      {"retry-after": str(wait)})
    name = str(form.get("user") or "").strip()[:100]
    row = srv.store.one("SELECT pw_hash, disabled, must_change FROM users WHERE name=?", name)
    ok = await run_in_threadpool(check_password, str(form.get("password") or ""), row["pw_hash"] if row else
                                 "scrypt$16384$8$1$00$00")
    if not (row and ok):
        srv.login_limit.record(ip)
        srv.store.audit(name or "?", "dang_nhap_sai", None, ip)
        return render("login.html", 401, csrf=form.get("csrf"), user=name, error="Sai tên đăng nhập hoặc mật khẩu.")
    if row["disabled"]:
        srv.store.audit(name, "dang_nhap_sai", None, ip)
        return render("login.html", 403, csrf=form.get("csrf"), user=name,
                      error="Tài khoản này đã bị khóa. Hãy liên hệ cán bộ quản trị.")
    sid, _ = srv.sessions.create(name, ip)
    srv.store.audit(name, "dang_nhap", None, ip)
    resp = RedirectResponse("/so-noi-vu/mat-khau" if row["must_change"] else "/so-noi-vu", status_code=303)
    resp.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                    max_age=8 * 3600)
    return resp


@router.post("/dang-xuat")
async def logout(request: Request):
    sess = department(request, changing_password=True)
    form = await request.form()
    check_csrf(form.get("csrf"), sess["csrf"])
    srv = server_of(request)
    srv.sessions.end(request.cookies.get(SESSION_COOKIE))
    srv.store.audit(sess["user"], "dang_xuat", None, srv.client_ip(request))
    resp = RedirectResponse("/dang-nhap", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp


@router.get("/so-noi-vu")
async def rounds_page(request: Request):
    sess = department(request)
    store = server_of(request).store
    items = [(r, submissions.round_status(store, r["id"])) for r in rounds.rounds(store)]
    return render("rounds.html", sess=sess, items=items, periods=spec.period_kinds(), error=None,
                  rules=submit_rules(), may=accounts.may)


@router.post("/so-noi-vu/dot")
async def open_round(request: Request):
    sess = department(request, "rounds")
    srv = server_of(request)
    form = await request.form(max_files=2)
    if too_large(request):
        raise Refused(413, too_large_text(srv.config.max_upload))
    check_csrf(form.get("csrf"), sess["csrf"])
    reg = form.get("registry")
    try:
        if reg is None or not hasattr(reg, "read") or not reg.filename:
            raise ServiceError("hãy chọn tệp danh sách cơ quan (.csv hoặc .xlsx, cột ten, ma, cap)")
        suffix = Path(reg.filename).suffix.lower()
        if suffix not in (".csv", ".txt", ".xlsx"):
            raise ServiceError(f"{reg.filename}: danh sách cơ quan phải là tệp .csv hoặc .xlsx")
        data = await reg.read()
        appraisal = form.get("appraisal")
        year, period, deadline = rounds.check_round_fields(form.get("year"), form.get("period"),
                                                           form.get("deadline"))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / submissions.user_file_name(reg.filename, suffix)  # messages name the user's file
            path.write_bytes(data)
            agencies = await run_in_threadpool(rounds.registry_from_file, path)
            prefilled = []
            if appraisal is not None and getattr(appraisal, "filename", None):
                if Path(appraisal.filename).suffix.lower() != ".xlsx":
                    raise ServiceError(f"{appraisal.filename}: sổ thẩm định phải là tệp .xlsx")
                ap = Path(tmp) / submissions.user_file_name(appraisal.filename, ".xlsx")
                ap.write_bytes(await appraisal.read())
                prefilled = await run_in_threadpool(rounds.prefilled_workbooks, ap, year, period, Path(tmp) / "ra")
            rid = rounds.open_round(srv.store, year, period, deadline, agencies, form.get("allow_errors") == "1",
                                    sess["user"], reg.filename, form.get("submit_rule"))
            unknown = await run_in_threadpool(rounds.attach_prefilled, srv.store, rid, prefilled)
        if unknown:
            srv.store.audit(sess["user"], "so_tham_dinh_co_co_quan_ngoai_danh_sach", {"round": rid, "agencies": unknown})
    except ServiceError as exc:
        items = [(r, submissions.round_status(srv.store, r["id"])) for r in rounds.rounds(srv.store)]
        return render("rounds.html", 400, sess=sess, items=items, periods=spec.period_kinds(),
                      error=sentence(exc.message), rules=submit_rules(), may=accounts.may)
    srv.store.audit(sess["user"], "mo_dot", {"round": rid, "agencies": len(agencies)}, srv.client_ip(request))
    return RedirectResponse(f"/so-noi-vu/dot/{rid}", status_code=303)


@router.get("/so-noi-vu/dot/{rid}")
async def dashboard(request: Request, rid: int):
    sess = department(request)
    srv = server_of(request)
    status = submissions.round_status(srv.store, rid)
    return render("dashboard.html", sess=sess, r=status, chart=rate_chart(status),
                  consolidations=consolidation.consolidations_of(srv.store, rid), base=srv.base_url(request),
                  labels=submissions.STATUS_LABELS, rule=submit_rule_sentence(status))


@router.get("/so-noi-vu/dot/{rid}/duong-dan.xlsx")
async def links(request: Request, rid: int):
    sess = department(request, "links")  # the links are the agencies' secrets
    srv = server_of(request)
    data = await run_in_threadpool(rounds.links_workbook, srv.store, rid, srv.base_url(request))
    srv.store.audit(sess["user"], "xuat_duong_dan", {"round": rid}, srv.client_ip(request))
    return attachment(data, f"duong_dan_nop_bai_dot_{rid}.xlsx", XLSX)


@router.post("/so-noi-vu/dot/{rid}/tong-hop")
async def consolidate(request: Request, rid: int):
    sess = department(request, "consolidation")
    srv = server_of(request)
    check_csrf((await request.form()).get("csrf"), sess["csrf"])
    await run_in_threadpool(consolidation.consolidate_round, srv.store, rid, sess["user"], srv.config.catalog_dirs)
    return RedirectResponse(f"/so-noi-vu/dot/{rid}#tong-hop", status_code=303)


@router.get("/so-noi-vu/dot/{rid}/tong-hop/{cid}/{kind}")
async def consolidation_file(request: Request, rid: int, cid: int, kind: str):
    department(request)
    path = consolidation.consolidation_file(server_of(request).store, rid, cid, kind)
    return FileResponse(path, filename=path.name, media_type=content_type(path.name))


@router.get("/so-noi-vu/bai/{sid}")
async def submission_page(request: Request, sid: int):
    sess = department(request)
    store = server_of(request).store
    sub = submissions.get_submission(store, sid)
    agency = store.one("SELECT * FROM agencies WHERE id=?", sub["agency_id"])
    attempt = store.one("SELECT COUNT(*) AS n FROM submissions WHERE agency_id=? AND id<=?", agency["id"], sid)["n"]
    return render("submission.html", sess=sess, sub=sub, agency=agency, v=json.loads(sub["validation"]),
                  groups=_by_sheet(json.loads(sub["validation"])["issues"]), attempt=attempt,
                  comments=submissions.comments_of(store, agency["id"]).get(sid, []),
                  rnd=rounds.get_round(store, sub["round_id"]))


@router.get("/so-noi-vu/bai/{sid}/{what}")
async def submission_file(request: Request, sid: int, what: str):
    department(request)
    srv = server_of(request)
    sub = submissions.get_submission(srv.store, sid)
    agency = srv.store.one("SELECT name FROM agencies WHERE id=?", sub["agency_id"])
    return await _submission_download(srv, sub, agency["name"], what)


async def _submission_download(srv, sub, agency_name: str, what: str):
    if what == "danh-dau":
        path = await submissions.annotated_copy(srv.store, srv.workers, sub)
        return FileResponse(path, filename=submissions.download_name(agency_name, "_danh_dau.xlsx"), media_type=XLSX)
    if what == "tep":
        suffix = Path(sub["stored_name"]).suffix
        return FileResponse(srv.store.file_path(sub["stored_name"]),
                            filename=submissions.download_name(agency_name, f"_bai_{sub['id']}{suffix}"),
                            media_type=content_type(suffix))
    raise Refused(404, "Không có tệp này.")


@router.post("/so-noi-vu/bai/{sid}/tra-lai")
async def return_submission(request: Request, sid: int):
    sess = department(request, "returns")
    form = await request.form()
    check_csrf(form.get("csrf"), sess["csrf"])
    store = server_of(request).store
    submissions.return_submission(store, sid, str(form.get("comment") or ""), sess["user"])
    return RedirectResponse(f"/so-noi-vu/dot/{submissions.get_submission(store, sid)['round_id']}", status_code=303)


# ---- the agency -----------------------------------------------------------------------------

def _by_sheet(issues: list[dict]) -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {}
    for i in issues:
        groups.setdefault(i.get("sheet") or "", []).append(i)
    return list(groups.items())


def _agency_ctx(request: Request, agency, token: str) -> dict:
    store = server_of(request).store
    rnd = rounds.get_round(store, agency["round_id"])
    subs = submissions.submissions_of(store, agency["id"])
    comments = submissions.comments_of(store, agency["id"])
    state = submissions.agency_state(rnd, agency, subs)
    returned = None
    last = next((s for s in reversed(subs) if s["submitted_at"]), None)
    if last is not None and last["returned_at"] and state["status"] != "da_nop":
        sub = last  # the department's word stays at the top of the page until a report is in again
        said = comments.get(sub["id"], [])
        returned = {"sub": sub, "comment": said[-1] if said else None}
    return {"agency": agency, "token": token, "rnd": rnd, "subs": list(reversed(subs)), "state": state,
            "csrf": agency_csrf(request, agency), "comments": comments, "returned": returned,
            "attempt": {s["id"]: n for n, s in enumerate(subs, start=1)},
            "rule": submit_rule_sentence(rnd), "submits_on_upload": submits_on_upload(rnd),
            "max_mb": server_of(request).config.max_upload // MB,
            "can_submit": lambda s: submissions.can_submit(rnd, s)}


@router.get("/nop/{token}")
async def agency_page(request: Request, token: str):
    agency = agency_by_link(request, token)
    return render("agency.html", **_agency_ctx(request, agency, token), current=None)


XLAM = "application/vnd.ms-excel.addin.macroEnabled.12"


def _addin_file(folder: Path) -> Path:
    """The cchc-xl add-in of this version, built once into the server's data folder."""
    from cchc_xl.spec import __version__
    from cchc_xl.workbook.macros import BuildError, write_addin

    path = folder / f"cchc-xl-{__version__}.xlam"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            write_addin(path)  # written whole or not at all
        except BuildError as exc:
            raise Refused(503, f"Máy chủ chưa tạo được add-in cchc-xl: {exc}") from None
    return path


@router.get("/tai/cchc-xl.xlam")
async def addin_download(request: Request):
    """The Excel add-in (public: it holds no secret; each user enters the agency's link)."""
    path = await run_in_threadpool(_addin_file, server_of(request).config.data_dir / "tai")
    return FileResponse(path, filename="cchc-xl.xlam", media_type=XLAM)


@router.get("/nop/{token}/bieu-mau")
async def agency_workbook(request: Request, token: str):
    agency = agency_by_link(request, token)
    path = await run_in_threadpool(submissions.blank_workbook, server_of(request).store, agency)
    return FileResponse(path, filename=submissions.download_name(agency["name"], path.suffix), media_type=XLSX)


@router.post("/nop/{token}/tai-len")
async def agency_upload(request: Request, token: str):
    agency = agency_by_link(request, token)
    srv = server_of(request)
    form = await request.form(max_files=1, max_fields=10)
    if too_large(request):
        raise Refused(413, too_large_text(srv.config.max_upload))
    check_csrf(form.get("csrf"), agency_csrf(request, agency))
    upload_allowed(request, agency)
    item = form.get("file")
    if item is None or not hasattr(item, "read") or not item.filename:
        raise Refused(400, "Hãy chọn tệp biểu mẫu (.xlsx) trước khi bấm Tải lên và kiểm tra.")
    answer = await submissions.accept_upload(srv.store, srv.workers, agency, await item.read(), item.filename,
                                             True, "trang")  # submitted at once when the round's rule says so
    return RedirectResponse(f"/nop/{token}/bai/{answer['submission']}", status_code=303)


@router.get("/nop/{token}/bai/{sid}")
async def agency_submission(request: Request, token: str, sid: int):
    agency = agency_by_link(request, token)
    sub = own_submission(server_of(request).store, agency, sid)
    v = json.loads(sub["validation"])
    return render("agency.html", **_agency_ctx(request, agency, token), current=sub, v=v,
                  groups=_by_sheet(v["issues"]))


@router.post("/nop/{token}/bai/{sid}/nop")
async def agency_submit(request: Request, token: str, sid: int):
    agency = agency_by_link(request, token)
    form = await request.form()
    check_csrf(form.get("csrf"), agency_csrf(request, agency))
    store = server_of(request).store
    own_submission(store, agency, sid)
    submissions.submit(store, agency, sid)
    return RedirectResponse(f"/nop/{token}/bai/{sid}", status_code=303)


@router.get("/nop/{token}/bai/{sid}/{what}")
async def agency_file(request: Request, token: str, sid: int, what: str):
    agency = agency_by_link(request, token)
    srv = server_of(request)
    sub = own_submission(srv.store, agency, sid)
    return await _submission_download(srv, sub, agency["name"], what)
