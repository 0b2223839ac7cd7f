"""Request-level checks shared by the pages and the API: who is asking, and may they."""

from __future__ import annotations

import hmac

from fastapi import Request

from . import service
from .app import NeedLogin, Refused
from .auth import bearer, token_hash

SESSION_COOKIE = "cchc_session"
BAD_TOKEN = "Cần đăng nhập hoặc mã truy cập (token) hợp lệ."
BAD_LINK = ("Đường dẫn nộp bài không hợp lệ hoặc đã bị thu hồi. Hãy liên hệ Sở Nội vụ để được cấp lại "
            "đường dẫn.")


def server_of(request: Request):
    return request.app.state.server


def _throttle_bad(request: Request) -> None:
    srv = server_of(request)
    if not srv.bad_token_limit.allow(srv.client_ip(request)):
        raise Refused(429, "Quá nhiều lần truy cập với mã không hợp lệ; hãy thử lại sau ít phút.")


def department(request: Request):
    """The signed-in department session, or a redirect to the sign-in page."""
    row = server_of(request).sessions.get(request.cookies.get(SESSION_COOKIE))
    if row is None:
        raise NeedLogin()
    return row


def check_csrf(given: str | None, expected: str) -> None:
    if not given or not hmac.compare_digest(str(given), expected):
        raise Refused(403, "Biểu mẫu đã hết hạn hoặc không gửi từ trang của hệ thống (thiếu mã chống giả mạo). "
                           "Hãy tải lại trang rồi làm lại.")


def agency_csrf(request: Request, agency) -> str:
    return server_of(request).keys.sign(f"agency:{agency['id']}:{agency['token_hash']}")


def agency_by_link(request: Request, token: str):
    agency = service.agency_by_token(server_of(request).store, token)
    if agency is None:
        _throttle_bad(request)
        raise Refused(401, BAD_LINK)
    return agency


def is_admin_token(request: Request, token: str | None) -> bool:
    stored = server_of(request).store.get_meta("admin_token_hash")
    return bool(token and stored) and hmac.compare_digest(token_hash(token), stored)


def api_caller(request: Request, allow_agency: bool = True, allow_admin: bool = True):
    """("admin", None) or ("agency", row) from the bearer token; 401 otherwise."""
    tok = bearer(request.headers)
    if allow_admin and is_admin_token(request, tok):
        return "admin", None
    if allow_agency and tok:
        agency = service.agency_by_token(server_of(request).store, tok)
        if agency is not None:
            return "agency", agency
    _throttle_bad(request)
    raise Refused(401, BAD_TOKEN)


def own_submission(store, agency, sid: int):
    """An agency may see only its own submissions: 403 for another agency's."""
    sub = service.get_submission(store, sid)
    if sub["agency_id"] != agency["id"]:
        raise Refused(403, "Bài nộp này thuộc cơ quan khác.")
    return sub


def upload_allowed(request: Request, agency) -> None:
    srv = server_of(request)
    if not srv.upload_limit.allow(f"agency:{agency['id']}"):
        raise Refused(429, "Tải lên quá nhiều lần trong một phút; hãy đợi một lát rồi thử lại.")


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
