"""The department's own pages beyond the rounds: officers' accounts and passwords, each agency's
page with its link (re-issue and revoke, each confirmed first), and the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from cchc_xl.server import accounts, auditlog, rounds, submissions
from cchc_xl.server.access import SESSION_COOKIE, check_csrf, department, server_of
from cchc_xl.server.auth import check_password
from cchc_xl.server.errors import Refused
from cchc_xl.server.pages import render

router = APIRouter()
LINK_ACTIONS = {
    "cap-lai": {"title": "Cấp lại đường dẫn nộp bài", "audit": "cap_lai_duong_dan", "button": "Cấp đường dẫn mới",
                "warning": "Đường dẫn cũ sẽ không dùng được nữa (kể cả trong add-in Excel của cơ quan); cơ quan cần "
                           "đường dẫn mới để nộp bài."},
    "thu-hoi": {"title": "Thu hồi đường dẫn nộp bài", "audit": "thu_hoi_duong_dan", "button": "Thu hồi đường dẫn",
                "warning": "Sau khi thu hồi, không ai nộp được bài qua đường dẫn này; muốn cơ quan nộp tiếp thì "
                           "phải cấp lại đường dẫn mới."},
}
ACCOUNT_ACTIONS = ("vai-tro", "mat-khau-tam", "khoa", "mo-khoa", "ket-thuc-phien")


# ---- one agency, its link -------------------------------------------------------------------

def _agency(store, aid: int):
    agency = store.one("SELECT * FROM agencies WHERE id=?", aid)
    if agency is None:
        raise Refused(404, "Không có cơ quan này.")
    return agency


@router.get("/so-noi-vu/co-quan/{aid}")
async def agency_page(request: Request, aid: int, da: str | None = None):
    sess = department(request)
    srv = server_of(request)
    agency = _agency(srv.store, aid)
    rnd = rounds.get_round(srv.store, agency["round_id"])
    subs = submissions.submissions_of(srv.store, aid)
    return render("agency_admin.html", sess=sess, agency=agency, rnd=rnd, subs=list(reversed(subs)),
                  attempt={s["id"]: n for n, s in enumerate(subs, start=1)},
                  state=submissions.agency_state(rnd, agency, subs), comments=submissions.comments_of(srv.store, aid),
                  link=rounds.link(srv.base_url(request), agency["token"]),
                  done=LINK_ACTIONS.get(da or "", {}).get("title"), done_key=da)


@router.get("/so-noi-vu/co-quan/{aid}/{action}")
async def confirm_link_action(request: Request, aid: int, action: str):
    sess = department(request, "links")
    if action not in LINK_ACTIONS:
        raise Refused(404, "Không có thao tác này.")
    agency = _agency(server_of(request).store, aid)
    return render("confirm.html", sess=sess, agency=agency, what=LINK_ACTIONS[action],
                  action=f"/so-noi-vu/co-quan/{aid}/{action}", back=f"/so-noi-vu/co-quan/{aid}")


@router.post("/so-noi-vu/co-quan/{aid}/{action}")
async def link_action(request: Request, aid: int, action: str):
    sess = department(request, "links")
    form = await request.form()
    check_csrf(form.get("csrf"), sess["csrf"])
    srv = server_of(request)
    if action not in LINK_ACTIONS:
        raise Refused(404, "Không có thao tác này.")
    agency = _agency(srv.store, aid)
    rounds.reissue_link(srv.store, aid, revoke_only=action == "thu-hoi")
    srv.store.audit(sess["user"], LINK_ACTIONS[action]["audit"],
                    {"agency": agency["name"], "round": agency["round_id"], "agency_id": aid}, srv.client_ip(request))
    return RedirectResponse(f"/so-noi-vu/co-quan/{aid}?da={action}#duong-dan", status_code=303)


# ---- the audit log --------------------------------------------------------------------------

def _int_or_none(value: str | None) -> int | None:
    try:
        n = int(value) if value not in (None, "") else None
    except ValueError:
        raise Refused(400, "Bộ lọc đợt hoặc cơ quan phải là số.") from None
    if n is not None and not 0 < n < 2 ** 62:
        raise Refused(404, "Không có đợt hoặc cơ quan này.")
    return n


@router.get("/so-noi-vu/nhat-ky")
async def audit_page(request: Request, dot: str | None = None, co_quan: str | None = None):
    sess = department(request)
    store = server_of(request).store
    rid, aid = _int_or_none(dot), _int_or_none(co_quan)
    agency = store.one("SELECT id, name, round_id FROM agencies WHERE id=?", aid) if aid else None
    if agency is not None and rid is None:
        rid = agency["round_id"]
    return render("audit.html", sess=sess, rows=auditlog.entries(store, rid, aid), limit=auditlog.LIMIT,
                  rounds=rounds.rounds(store), rid=rid, aid=aid, agency=agency,
                  agencies=rounds.agencies_of(store, rid) if rid else [])


# ---- accounts -------------------------------------------------------------------------------

def _accounts_page(request: Request, sess, status: int = 200, error: str | None = None, shown: dict | None = None):
    srv = server_of(request)
    people = [(u, srv.sessions.open_of(u["name"])) for u in accounts.officers(srv.store)]
    return render("accounts.html", status, sess=sess, people=people, roles=accounts.roles(), error=error,
                  shown=shown)


@router.get("/so-noi-vu/can-bo")
async def accounts_page(request: Request):
    return _accounts_page(request, department(request, "accounts"))


@router.post("/so-noi-vu/can-bo")
async def add_officer(request: Request):
    sess = department(request, "accounts")
    form = await request.form()
    check_csrf(form.get("csrf"), sess["csrf"])
    srv = server_of(request)
    name = str(form.get("name") or "").strip().lower()
    try:
        password = accounts.add(srv.store, name, str(form.get("full_name") or ""), str(form.get("role") or ""))
    except accounts.AccountError as exc:
        return _accounts_page(request, sess, 400, str(exc))
    srv.store.audit(sess["user"], "them_can_bo", {"user": name, "role": accounts.role_label(form.get("role"))},
                    srv.client_ip(request))
    return _accounts_page(request, sess, shown={"name": name, "password": password})


@router.post("/so-noi-vu/can-bo/{name}/{action}")
async def officer_action(request: Request, name: str, action: str):
    sess = department(request, "accounts")
    form = await request.form()
    check_csrf(form.get("csrf"), sess["csrf"])
    srv = server_of(request)
    if action not in ACCOUNT_ACTIONS or accounts.get(srv.store, name) is None:
        raise Refused(404, "Không có tài khoản hoặc thao tác này.")
    shown, detail = None, {"user": name}
    try:
        if action == "vai-tro":
            accounts.set_role(srv.store, name, str(form.get("role") or ""))
            srv.sessions.end_all(name, request.cookies.get(SESSION_COOKIE))  # the new role applies at once
            audit, detail["role"] = "doi_vai_tro", accounts.role_label(form.get("role"))
        elif action == "mat-khau-tam":
            shown = {"name": name, "password": accounts.temporary_password(srv.store, name)}
            audit = "cap_mat_khau_tam"
        elif action in ("khoa", "mo-khoa"):
            if name == sess["user"]:
                raise accounts.AccountError("Không tự khóa tài khoản của chính mình.")
            accounts.set_disabled(srv.store, name, action == "khoa")
            audit = "khoa_tai_khoan" if action == "khoa" else "mo_khoa_tai_khoan"
        else:
            detail["sessions"] = srv.sessions.end_all(name, request.cookies.get(SESSION_COOKIE))
            audit = "ket_thuc_phien"
    except accounts.AccountError as exc:
        return _accounts_page(request, sess, 400, str(exc))
    srv.store.audit(sess["user"], audit, detail, srv.client_ip(request))
    if shown:
        return _accounts_page(request, sess, shown=shown)
    return RedirectResponse("/so-noi-vu/can-bo", status_code=303)


@router.get("/so-noi-vu/mat-khau")
async def password_page(request: Request):
    sess = department(request, changing_password=True)
    return render("password.html", sess=sess, error=None, done=False)


@router.post("/so-noi-vu/mat-khau")
async def change_password(request: Request):
    from starlette.concurrency import run_in_threadpool

    sess = department(request, changing_password=True)
    form = await request.form()
    check_csrf(form.get("csrf"), sess["csrf"])
    srv = server_of(request)
    user = accounts.get(srv.store, sess["user"])
    ok = await run_in_threadpool(check_password, str(form.get("current") or ""), user["pw_hash"])
    try:
        if not ok:
            raise accounts.AccountError("Mật khẩu hiện tại không đúng.")
        await run_in_threadpool(accounts.change_password, srv.store, sess["user"], str(form.get("new") or ""),
                                str(form.get("again") or ""))
    except accounts.AccountError as exc:
        return render("password.html", 400, sess=sess, error=str(exc), done=False)
    ended = srv.sessions.end_all(sess["user"], request.cookies.get(SESSION_COOKIE))  # other devices sign in again
    srv.store.audit(sess["user"], "doi_mat_khau", {"sessions": ended} if ended else None, srv.client_ip(request))
    sess = srv.sessions.get(request.cookies.get(SESSION_COOKIE))
    return render("password.html", sess=sess, error=None, done=True)
