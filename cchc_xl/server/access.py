"""Request-level checks shared by the pages and the API: who is asking, and may they."""

from __future__ import annotations

import hmac

from fastapi import Request

from cchc_xl.server import accounts, rounds, submissions
from cchc_xl.server.auth import bearer, token_hash
from cchc_xl.server.errors import NeedLogin, NeedNewPassword, Refused

SESSION_COOKIE = "cchc_session"
BAD_TOKEN = "Cần đăng nhập hoặc mã truy cập (token) hợp lệ."
BAD_LINK = ("Đường dẫn nộp bài không hợp lệ hoặc đã bị thu hồi. Hãy liên hệ Sở Nội vụ để được cấp lại "
            "đường dẫn.")


def server_of(request: Request):
    return request.app.state.server


def _throttle_bad(request: Request) -> None:
    srv = server_of(request)
    if not srv.bad_token_limit.allow(srv.client_ip(request)):
        raise Refused(429, "Quá nhiều lần truy cập với mã không hợp lệ; hãy thử lại sau ít phút.",
                      {"retry-after": str(srv.bad_token_limit.retry_after(srv.client_ip(request)) or 60)})


def department(request: Request, need: str | None = None, changing_password: bool = False):
    """The signed-in officer's session (with the role), or a redirect to the sign-in page; an
    officer who must change the password is sent to that page first; ``need``: the permission
    (schemas/server.json) the action takes, 403 without it."""
    row = server_of(request).sessions.get(request.cookies.get(SESSION_COOKIE))
    if row is None:
        raise NeedLogin()
    if row["must_change"] and not changing_password:
        raise NeedNewPassword()
    if need and not accounts.may(row["role"], need):
        raise Refused(403, accounts.refusal(row["role"], need))
    return row


def check_csrf(given: str | None, expected: str) -> None:
    if not given or not hmac.compare_digest(str(given), expected):
        raise Refused(403, "Biểu mẫu đã hết hạn hoặc không gửi từ trang của hệ thống (thiếu mã chống giả mạo). "
                           "Hãy tải lại trang rồi làm lại.")


def agency_csrf(request: Request, agency) -> str:
    return server_of(request).keys.sign(f"agency:{agency['id']}:{agency['token_hash']}")


def agency_by_link(request: Request, token: str):
    agency = rounds.agency_by_token(server_of(request).store, token)
    if agency is None:
        _throttle_bad(request)
        raise Refused(401, BAD_LINK)
    return agency


def is_admin_token(request: Request, token: str | None) -> bool:
    stored = server_of(request).store.get_meta("admin_token_hash")
    return bool(token and stored) and hmac.compare_digest(token_hash(token), stored)


WRONG_ROLE = {"admin": "Mã truy cập của Sở Nội vụ không dùng cho thao tác của cơ quan nộp bài.",
              "agency": "Mã của đường dẫn nộp bài chỉ dùng cho bài của cơ quan đó, không dùng cho thao tác "
                        "của Sở Nội vụ."}


def api_caller(request: Request, allow_agency: bool = True, allow_admin: bool = True):
    """("admin", None) or ("agency", row) from the bearer token; 401 for no valid token, 403 for a
    valid token of the other side (the department's on an agency's action, or the reverse)."""
    tok = bearer(request.headers)
    if is_admin_token(request, tok):
        if allow_admin:
            return "admin", None
        raise Refused(403, WRONG_ROLE["admin"])
    if tok:
        agency = rounds.agency_by_token(server_of(request).store, tok)
        if agency is not None:
            if allow_agency:
                return "agency", agency
            raise Refused(403, WRONG_ROLE["agency"])
    _throttle_bad(request)
    raise Refused(401, BAD_TOKEN)


def own_submission(store, agency, sid: int):
    """An agency may see only its own submissions: 403 for another agency's."""
    sub = submissions.get_submission(store, sid)
    if sub["agency_id"] != agency["id"]:
        raise Refused(403, "Bài nộp này thuộc cơ quan khác.")
    return sub


def upload_allowed(request: Request, agency) -> None:
    srv = server_of(request)
    if not srv.upload_limit.allow(f"agency:{agency['id']}"):
        raise Refused(429, "Tải lên quá nhiều lần trong một phút; hãy đợi một lát rồi thử lại.",
                      {"retry-after": str(srv.upload_limit.retry_after(f"agency:{agency['id']}") or 60)})


def too_large(request: Request) -> bool:
    return bool(request.scope.get("state", {}).get("too_large"))


# What each kind of download is (a browser or a script opens it with the right program); a file
# of another kind goes out as application/octet-stream.
CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    ".xlam": "application/vnd.ms-excel.addin.macroEnabled.12",
    ".xls": "application/vnd.ms-excel",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
}


def content_type(filename: str) -> str:
    """The content type of a file name or a bare suffix (``.xlsx``)."""
    name = str(filename).lower()
    return CONTENT_TYPES.get(name[name.rfind("."):] if "." in name else "", "application/octet-stream")


def attachment(data: bytes, filename: str, media_type: str | None = None):
    """Bytes as a download (never shown inline by the browser), typed by the file's suffix."""
    from urllib.parse import quote

    from fastapi.responses import Response

    return Response(data, media_type=media_type or content_type(filename), headers={
        "content-disposition": f"attachment; filename*=utf-8''{quote(filename)}"})
