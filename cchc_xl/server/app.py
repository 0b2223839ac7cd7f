"""The ASGI application: configuration, the guards every request passes, error pages."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cchc_xl.server.auth import Keys, RateLimit, Sessions, hash_password, token_hash
from cchc_xl.server.errors import (
    ADMIN_USER,
    MB,
    NeedLogin,
    NeedNewPassword,
    Refused,
    ServiceError,
    sentence,
    too_large_text,
)
from cchc_xl.server.storage import REQUEST_IP, Store
from cchc_xl.server.worker import Workers

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # agency links carry their secret in the path
    (b"content-security-policy", b"default-src 'none'; style-src 'self'; img-src 'self' data:; "
                                 b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


@dataclass
class Config:
    data_dir: Path
    max_upload: int = 20 * MB
    max_payload: int = 10 * MB
    public_url: str | None = None
    jobs: int | None = None
    catalog_dirs: list[str] = field(default_factory=list)
    uploads_per_minute: int = 30


class Server:
    """Everything a request handler needs, created once per process."""

    def __init__(self, config: Config):
        self.config = config
        self.store = Store(config.data_dir)
        orphans = self.store.remove_orphans()  # left by a kill -9 between a file's sync and its record
        if orphans:
            self.store.audit("máy chủ", "xoa_tep_khong_co_ban_ghi", {"files": orphans[:100], "count": len(orphans)})
        self.workers = Workers(config.jobs, config.catalog_dirs)
        self.sessions = Sessions(self.store)
        secret = self.store.get_meta("secret")
        if secret is None:
            secret = secrets.token_hex(32)
            self.store.set_meta("secret", secret)
        self.keys = Keys(bytes.fromhex(secret))
        self.upload_limit = RateLimit(config.uploads_per_minute, 60)
        self.login_limit = RateLimit(10, 300)
        self.bad_token_limit = RateLimit(60, 60)
        self.shown_once: dict[str, str] = {}
        self._credentials()

    def _credentials(self) -> None:
        """The department's password and API token: from the environment, else generated and shown once."""
        env_token = os.environ.get("CCHC_XL_ADMIN_TOKEN")
        if env_token:
            self.store.set_meta("admin_token_hash", token_hash(env_token))
        elif self.store.get_meta("admin_token_hash") is None:
            tok = secrets.token_urlsafe(32)
            self.store.set_meta("admin_token_hash", token_hash(tok))
            self.shown_once["token"] = tok
        if self.store.one("SELECT 1 FROM users") is None:
            password = os.environ.get("CCHC_XL_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            self.store.execute("INSERT INTO users(name, pw_hash, created_at) VALUES(?, ?, datetime('now'))",
                               ADMIN_USER, hash_password(password))
            if not os.environ.get("CCHC_XL_ADMIN_PASSWORD"):
                self.shown_once["password"] = password

    def base_url(self, request: Request) -> str:
        return self.config.public_url or str(request.base_url).rstrip("/")

    def client_ip(self, request: Request) -> str:
        return request.client.host if request.client else "?"

    def close(self) -> None:
        self.workers.close()
        self.store.close()


def _wants_json(path: str) -> bool:
    return path.startswith("/api/") or path.startswith("/xlwings/")


def error_response(request: Request, status: int, message: str, headers: dict | None = None) -> Response:
    message = sentence(message)
    if _wants_json(request.url.path):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    from cchc_xl.server.pages import error_page

    resp = error_page(request, status, message)
    resp.headers.update(headers or {})
    return resp


class Guards:
    """Raw ASGI middleware: security headers on every answer and the request-size bound.

    A body larger than the bound is refused with 413 before it is parsed: at once when the
    request says its length, else as soon as the bound is passed (the handler sees the flag).
    """

    def __init__(self, app, config: Config):
        self.app, self.config = app, config

    def _limit(self, path: str) -> int:
        return self.config.max_payload if path.startswith("/xlwings/") else self.config.max_upload

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        REQUEST_IP.set((scope.get("client") or ("?",))[0])  # for the audit rows this request writes

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message = {**message, "headers": list(message.get("headers", [])) +
                           [(k, v) for k, v in SECURITY_HEADERS if k not in names]}
            await send(message)

        limit = self._limit(scope["path"])
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = limit + 1
            if declared > limit:
                return await self._too_large(scope, receive, send_with_headers, declared, limit)
        seen = 0
        state = scope.setdefault("state", {})

        async def bounded_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    state["too_large"] = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        await self.app(scope, bounded_receive, send_with_headers)

    async def _too_large(self, scope, receive, send, declared: int, limit: int):
        if declared <= 8 * limit:  # read what the client is sending so it gets the answer, not a reset
            more = True
            while more:
                message = await receive()
                more = message.get("more_body", False) and message["type"] == "http.request"
        text = too_large_text(limit)
        if _wants_json(scope["path"]):
            body, ctype = json.dumps({"error": text}, ensure_ascii=False).encode(), b"application/json"
        else:
            from cchc_xl.server.pages import error_html  # the site's own error page, styled like every other

            body, ctype = error_html(413, text).encode(), b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _beyond_sqlite(value) -> bool:
    text = str(value)
    return text.lstrip("+-").isdigit() and not -(2 ** 63) <= int(text) < 2 ** 63


def create_app(config: Config) -> FastAPI:
    server = Server(config)
    app = FastAPI(title="cchc-xl", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.server = server

    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError):
        return error_response(request, exc.status, exc.message)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused):
        return error_response(request, exc.status, exc.message, exc.headers)

    @app.exception_handler(NeedNewPassword)
    async def _new_password(request: Request, exc: NeedNewPassword):
        return RedirectResponse("/so-noi-vu/mat-khau", status_code=303)

    @app.exception_handler(NeedLogin)
    async def _login(request: Request, exc: NeedLogin):
        return RedirectResponse("/dang-nhap", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if request.scope.get("state", {}).get("too_large"):
            limit = config.max_payload if request.url.path.startswith("/xlwings/") else config.max_upload
            return error_response(request, 413, too_large_text(limit))
        messages = {404: "Không có trang hoặc tệp này.", 405: "Phương thức không được hỗ trợ ở địa chỉ này.",
                    400: "Yêu cầu không hợp lệ (biểu mẫu gửi lên bị hỏng hoặc thiếu)."}
        return error_response(request, exc.status_code, messages.get(exc.status_code, "Yêu cầu không hợp lệ."))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return error_response(request, 400, "Yêu cầu thiếu trường hoặc có giá trị sai kiểu.")

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError):
        """An id in the address beyond SQLite's integers names no record: not found (a query the
        store did not already answer with "no row")."""
        if any(_beyond_sqlite(v) for v in request.path_params.values()):
            return error_response(request, 404, "Không có trang hoặc tệp này.")
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        server.store.audit("máy chủ", "loi_ngoai_du_kien", f"{type(exc).__name__}: {exc}"[:500],
                           server.client_ip(request))
        return error_response(request, 500, "Lỗi ngoài dự kiến của máy chủ; đã ghi vào nhật ký. "
                                            "Hãy báo bộ phận công nghệ thông tin.")

    from cchc_xl.server import api, buttons, officers, pages

    app.include_router(pages.router)
    app.include_router(officers.router)
    app.include_router(api.router)
    app.include_router(buttons.router)

    @app.on_event("shutdown")
    async def _close():
        server.close()

    return Guards(app, config)
